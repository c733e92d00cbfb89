"""What a Heroku add-on plan allows, enforced where clients and invoices are created.

Accounts that did not come through Heroku have no plan and no limits.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account
from heroku.selectors import account_plan

CLIENT_LIMIT_REACHED = (
    "your add-on plan ({plan}) allows {limit} clients: change to a larger plan to add more"
)
INVOICE_LIMIT_REACHED = (
    "your add-on plan ({plan}) allows {limit} invoices a month: "
    "change to a larger plan to issue more"
)


def check_can_add_client(account: Account) -> None:
    plan = account_plan(account)
    if plan is None or plan.max_clients is None:
        return
    if account.clients.count() >= plan.max_clients:
        raise ValidationError(
            {"base": [CLIENT_LIMIT_REACHED.format(plan=plan.name, limit=plan.max_clients)]}
        )


def check_can_add_invoice(account: Account) -> None:
    """Counts the invoices created this calendar month (Europe/Madrid)."""
    plan = account_plan(account)
    if plan is None or plan.max_invoices_per_month is None:
        return
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    created = account.invoices.filter(created_at__gte=month_start).count()
    if created >= plan.max_invoices_per_month:
        raise ValidationError(
            {
                "base": [
                    INVOICE_LIMIT_REACHED.format(
                        plan=plan.name, limit=plan.max_invoices_per_month
                    )
                ]
            }
        )
