"""Clients: create, update, delete — with tax ids normalised and checked."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.limits import check_can_add_client
from accounts.models import Account
from accounts.services import account_lock
from clients.models import Client
from facturagem.validators import normalize_tax_id, validate_tax_id

CLIENT_HAS_INVOICES = (
    "cannot delete a client with invoices: invoices are legal records and are kept"
)


def _apply(client: Client, data: dict[str, Any]) -> Client:
    for name, value in data.items():
        setattr(client, "country_id" if name == "country" else name, value)
    client.tax_id = normalize_tax_id(client.tax_id)
    try:
        validate_tax_id(client.tax_id, client.country_id)
    except ValidationError as error:
        raise ValidationError({"tax_id": error.messages}) from error
    client.full_clean(exclude=["account"])
    client.save()
    return client


@transaction.atomic
def client_create(*, account: Account, data: dict[str, Any]) -> Client:
    account_lock(account.pk)
    check_can_add_client(account)
    return _apply(Client(account=account), data)


@transaction.atomic
def client_update(*, client: Client, data: dict[str, Any]) -> Client:
    return _apply(client, data)


@transaction.atomic
def client_delete(*, client: Client) -> None:
    # The account lock that creating an invoice takes: an invoice created meanwhile is
    # seen here, or its creation sees this client gone (no foreign-key violation).
    account_lock(client.account_id)
    if client.invoices.exists():
        raise ValidationError({"base": [CLIENT_HAS_INVOICES]})
    client.delete()
