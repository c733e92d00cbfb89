"""Webhooks: an account's endpoints (create, update, delete, rotate the signing secret), and
the one call the core makes when something happened, `event_emit`.

`event_emit` does nothing inside the caller's transaction: it registers a callback that runs
once the transaction commits (a rolled-back operation tells nobody), looks up the account's
active webhooks for that event type (one query; accounts without any stop there), renders
the event once, stores it with one delivery per webhook, and queues the deliveries on the
worker. A failure there is logged and never fails the operation that emitted it.
"""

from __future__ import annotations

import datetime
import functools
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_lock
from webhooks import crypto, events, network
from webhooks.models import Delivery, Event, Webhook

logger = logging.getLogger(__name__)

MAX_WEBHOOKS = 20
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret

TOO_MANY_WEBHOOKS = f"An account may have at most {MAX_WEBHOOKS} webhooks."
NO_EVENTS = "can't be blank"
DUPLICATE_URL = "has already been taken"
UNKNOWN_EVENT_TYPE = "is not an event type"


@dataclass(frozen=True)
class WithSecret:
    """A webhook and its signing secret in clear: shown once (at creation, at rotation)."""

    webhook: Webhook
    secret: str


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def validate_url(url: str) -> str:
    """The rules a receiver's URL must meet before anything is sent to it (a name that
    resolves inward is refused when a delivery resolves it: DNS answers change)."""
    try:
        network.check_literal(network.parse(url))
    except network.Refused as error:
        raise ValidationError({"url": [str(error)]}) from error
    return url


def _check_events(event_types: list[str]) -> list[str]:
    unique = list(dict.fromkeys(event_types))
    if not unique:
        raise ValidationError({"events": [NO_EVENTS]})
    unknown = [name for name in unique if name not in events.EVENT_TYPES]
    if unknown:
        raise ValidationError({"events": [f"{unknown[0]} {UNKNOWN_EVENT_TYPE}"]})
    return unique


def _check_unique_url(account: Account, url: str, exclude: int | None = None) -> None:
    if Webhook.objects.filter(account=account, url=url).exclude(pk=exclude).exists():
        raise ValidationError({"url": [DUPLICATE_URL]})


@transaction.atomic
def webhook_create(
    *, account: Account, url: str, events: list[str], description: str = "",
    active: bool = True,
) -> WithSecret:
    """A webhook with a new signing secret (stored encrypted; raises crypto.KeyMissing when
    the service has no key to encrypt it with)."""
    validate_url(url)
    event_types = _check_events(events)
    account_lock(account.pk)  # the count is serial
    if Webhook.objects.filter(account=account).count() >= MAX_WEBHOOKS:
        raise ValidationError({"base": [TOO_MANY_WEBHOOKS]})
    _check_unique_url(account, url)
    secret = _new_secret()
    webhook = Webhook.objects.create(
        account=account, url=url, events=event_types, description=description,
        active=active, secret=crypto.encrypt(secret),
    )
    return WithSecret(webhook, secret)


@transaction.atomic
def webhook_update(*, webhook: Webhook, data: dict[str, Any]) -> Webhook:
    """PUT: what is sent changes. `active=true` on a webhook the service switched off turns
    it on again (its failure count starts over)."""
    locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if "url" in data and data["url"] != locked.url:
        validate_url(data["url"])
        _check_unique_url(locked.account, data["url"], exclude=locked.pk)
        locked.url = data["url"]
    if "events" in data:
        locked.events = _check_events(data["events"])
    if data.get("description") is not None:
        locked.description = data["description"]
    if data.get("active") is not None:
        if data["active"] and not locked.active:
            locked.disabled_at = None
            locked.disabled_reason = ""
            locked.consecutive_failures = 0
        locked.active = data["active"]
    locked.save()
    return locked


def webhook_delete(*, webhook: Webhook) -> None:
    """The webhook goes, with its deliveries (their queued tasks find nothing to do)."""
    Webhook.objects.filter(pk=webhook.pk).delete()


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook) -> WithSecret:
    """A new signing secret. The one it replaces keeps signing (a second `v1=`) for
    WEBHOOK_SECRET_GRACE_HOURS, time to deploy the new one on the receiver; a secret
    rotated out before that is dropped at once (two are valid at most)."""
    locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
    secret = _new_secret()
    grace = datetime.timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
    if grace:
        locked.previous_secret = crypto.rotate(locked.secret)
        locked.previous_secret_until = timezone.now() + grace
    else:
        locked.previous_secret, locked.previous_secret_until = "", None
    locked.secret = crypto.encrypt(secret)
    locked.save()
    return WithSecret(locked, secret)


def signing_secrets(webhook: Webhook, now: datetime.datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while its grace period lasts."""
    result = [crypto.decrypt(webhook.secret)]
    if webhook.previous_secret and webhook.previous_secret_until \
            and webhook.previous_secret_until > now:
        result.append(crypto.decrypt(webhook.previous_secret))
    return result


# -- events ---------------------------------------------------------------------------------


def event_emit(*, type: str, instance: Any) -> None:
    """`type` happened to `instance` (an invoice, a payment, a VERI*FACTU record): the
    account's webhooks that want it hear about it once the current transaction commits."""
    events_emit(type=type, account_id=None, instances=[instance])


def events_emit(*, type: str, account_id: int | None, instances: list[Any]) -> None:
    """`event_emit` for many objects of one account at once (the AEAT's answer to a message
    of up to 1000 records): one look for the account's webhooks, not one per object."""
    if type not in events.EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    if not instances:
        return
    occurred_at = timezone.now()
    transaction.on_commit(
        functools.partial(_record_events, type, account_id, list(instances), occurred_at),
        robust=True,
    )


def subscribers(account_id: int, event_type: str) -> list[Webhook]:
    """The account's active webhooks that asked for `event_type` (few per account: filtered
    here, as JSON containment differs between SQLite and PostgreSQL)."""
    hooks = Webhook.objects.filter(account_id=account_id, active=True).only("id", "events")
    return [hook for hook in hooks if event_type in hook.events]


def _record_events(event_type: str, account_id: int | None, instances: list[Any],
                   occurred_at: datetime.datetime) -> None:
    if account_id is None:
        account_id = events.account_id_of(instances[0])
    hooks = subscribers(account_id, event_type)
    if not hooks:
        return
    from webhooks import delivery

    for instance in instances:
        event_id = uuid.uuid4()
        body = events.body(
            event_id=str(event_id), event_type=event_type, created_at=occurred_at,
            data=events.representation(event_type, instance),
        )
        # The event, its deliveries and their tasks commit together.
        with transaction.atomic():
            event = Event.objects.create(uuid=event_id, account_id=account_id,
                                         type=event_type, created_at=occurred_at, body=body)
            for item in Delivery.objects.bulk_create([
                Delivery(webhook_id=hook.pk, event=event, next_attempt_at=occurred_at,
                         task_due_at=occurred_at)
                for hook in hooks
            ]):
                delivery.enqueue(item.pk)
