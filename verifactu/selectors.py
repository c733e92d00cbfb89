"""Reads of the account's records."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Account
from facturagem.api.views import resolve_id
from verifactu.models import Record


def record_list(*, account: Account) -> QuerySet[Record]:
    """Oldest first: the chain's order."""
    return Record.objects.filter(account=account).order_by("id")


def record_get(*, account: Account, record_id: str | int) -> Record:
    record = Record.objects.filter(account=account, pk=resolve_id(record_id)).first()
    if record is None:
        raise Http404
    return record
