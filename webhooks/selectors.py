"""Reads of an account's webhooks and their deliveries."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import Account
from facturagem.api.views import resolve_id
from webhooks.models import Attempt, Delivery, Webhook


def webhook_list(*, account: Account) -> QuerySet[Webhook]:
    return Webhook.objects.filter(account=account).order_by("id")


def webhook_get(*, account: Account, webhook_id: str | int) -> Webhook:
    webhook = webhook_list(account=account).filter(pk=resolve_id(webhook_id)).first()
    if webhook is None:
        raise Http404
    return webhook


def delivery_list(*, webhook: Webhook) -> QuerySet[Delivery]:
    """Newest first, each with its event and every attempt, in three queries a page."""
    return (
        Delivery.objects.filter(webhook=webhook).order_by("-id")
        .select_related("event").defer("event__body")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("number"),
                                   to_attr="attempt_list"))
    )


def disabled_webhooks(*, account: Account) -> list[dict]:
    """The account's webhooks the service switched off, and why (the account shows it)."""
    return [
        {"id": webhook_id, "url": url, "disabled_at": disabled_at, "reason": reason}
        for webhook_id, url, disabled_at, reason in Webhook.objects.filter(
            account=account, active=False, disabled_at__isnull=False
        ).order_by("id").values_list("id", "url", "disabled_at", "disabled_reason")
    ]
