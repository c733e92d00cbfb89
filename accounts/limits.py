"""What an account may do: clients, invoices a month, API requests an hour.

Limits are the account's own (fields on Account, empty = the service's default: no limit
for clients and invoices, settings.API_RATE_LIMIT_PER_HOUR for requests). Whoever sells
plans sets them (the Heroku add-on maps its plans onto them, heroku.services); clients and
invoices read them here, knowing nothing of plans.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account

CLIENT_LIMIT_REACHED = (
    "your plan ({plan}) allows {limit} clients: change to a larger plan to add more"
)
INVOICE_LIMIT_REACHED = (
    "your plan ({plan}) allows {limit} invoices a month: change to a larger plan to issue more"
)


def _current(account: Account, field: str) -> tuple[str, int | None]:
    """(plan name, limit) as stored now: a plan change elsewhere counts at once."""
    row = Account.objects.filter(pk=account.pk).values_list("plan_name", field).first()
    return row if row is not None else ("", None)


def check_can_add_client(account: Account) -> None:
    plan, limit = _current(account, "max_clients")
    if limit is None:
        return
    if account.clients.count() >= limit:
        raise ValidationError({"base": [CLIENT_LIMIT_REACHED.format(plan=plan, limit=limit)]})


def check_can_add_invoice(account: Account) -> None:
    """Counts the invoices created this calendar month (Europe/Madrid)."""
    plan, limit = _current(account, "max_invoices_per_month")
    if limit is None:
        return
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # On the (account, created_at) index, and never more than `limit` entries read: the
    # cost is bounded by the plan, not by the account's size nor its month.
    this_month = account.invoices.filter(created_at__gte=month_start).order_by()
    if this_month.values("created_at")[:limit].count() >= limit:  # an index-only scan
        raise ValidationError({"base": [INVOICE_LIMIT_REACHED.format(plan=plan, limit=limit)]})


def api_rate_limit(account: Account | None) -> int:
    """API requests an hour for the account's api_keys."""
    if account is not None and account.api_requests_per_hour is not None:
        return account.api_requests_per_hour
    return settings.API_RATE_LIMIT_PER_HOUR
