"""Deliveries on the worker: one attempt per task, signed (CONTRACT §10), logged, retried.

- **One attempt at a time.** A task takes the delivery's lease with one conditional UPDATE
  (pending, due, not leased) before it sends: a duplicate task, or a second worker, finds
  nothing to do. A worker that dies loses the lease when it expires.
- **Retries.** A failed attempt (no answer, a timeout, a refusal, an answer that is not
  2xx — a redirect included, it is never followed) is retried after WEBHOOK_RETRY_SECONDS,
  doubling each time, up to MAX_ATTEMPTS attempts in all; then the delivery has `failed`.
- **Switching off.** Every failed attempt counts against the webhook, every success
  clears the count. A delivery that fails its last attempt while the webhook's count
  reaches MAX_ATTEMPTS (no success in between: the endpoint is down, not one event
  refused) switches the webhook off: `active` false, `disabled_at`, and a
  `disabled_reason` that the webhook and the account show; its pending deliveries are
  cancelled. `PUT active=true` turns it on again.
- **Lost tasks.** The worker's sweep queues again a due delivery whose task has not run
  for LOST_AFTER (a worker killed with it, an enqueue that failed).
"""

from __future__ import annotations

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks import network, signing
from webhooks.models import Attempt, Delivery, Event, Webhook

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
EXCERPT_CHARS = 1000
LEASE_MARGIN = datetime.timedelta(seconds=30)
LOST_AFTER = datetime.timedelta(minutes=10)
EARLY = datetime.timedelta(seconds=1)  # a task may start a moment before its due time

DISABLED = (
    "Switched off on {at}: {attempts} attempts in a row failed (the last: {error}). Fix the "
    "receiver, then turn the webhook on again with PUT active=true."
)
CANCELLED = "the webhook was switched off before this delivery went"
INACTIVE = "the webhook is not active"
NOT_2XX = "the receiver answered {status}"
REFUSED = "refused: the URL {error}"
SECRET_UNUSABLE = "the service cannot read the webhook's signing secret ({error})"  # noqa: S105

# Outcomes (the task's return value)
DELIVERED = "delivered"
RETRYING = "retrying"
FAILED = "failed"
SKIPPED = "skipped"  # not pending, not due, or leased by another worker


def _now() -> datetime.datetime:
    return timezone.now()


def backoff(failures: int) -> datetime.timedelta:
    """The wait after the `failures`-th failed attempt: WEBHOOK_RETRY_SECONDS × 2^(n−1)."""
    return datetime.timedelta(
        seconds=settings.WEBHOOK_RETRY_SECONDS * 2 ** max(0, min(failures - 1, 30))
    )


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT) + LEASE_MARGIN


def schedule(delivery_id: int, *, at: datetime.datetime | None = None) -> None:
    """Queues the attempt of `delivery_id` on the worker at `at` (now by default)."""
    now = _now()
    at = max(at or now, now)
    Delivery.objects.filter(pk=delivery_id).update(task_due_at=at)
    enqueue(delivery_id, at=at, now=now)


def enqueue(delivery_id: int, *, at: datetime.datetime | None = None,
            now: datetime.datetime | None = None) -> None:
    """The task alone (the caller has set the delivery's `task_due_at`)."""
    from webhooks.tasks import deliver_webhook

    task = deliver_webhook.using(run_after=at) if at and at > (now or _now()) \
        else deliver_webhook
    task.enqueue(delivery_id)


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY)
    return Delivery.objects.filter(free, due, pk=delivery_id,
                                   state=Delivery.State.PENDING).update(
        lease_until=now + lease(), task_due_at=None) == 1


def attempt(delivery_id: int) -> str:
    """The task's body: one attempt at the delivery, if it is due and nobody else holds it."""
    now = _now()
    if not _claim(delivery_id, now):
        return SKIPPED
    delivery = Delivery.objects.select_related("webhook", "event").get(pk=delivery_id)
    webhook = delivery.webhook
    if not webhook.active:
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.CANCELLED, lease_until=None, last_error=INACTIVE)
        return SKIPPED
    number = delivery.attempts + 1
    answer = _send(webhook, delivery, delivery.event, now)
    return _record(delivery, webhook, number, now, answer)


def _send(webhook: Webhook, delivery: Delivery, event: Event,
          now: datetime.datetime) -> network.Answer:
    from webhooks.services import signing_secrets

    started = time.monotonic()
    try:
        secrets = signing_secrets(webhook, now)
    except Exception as error:  # no key, or a key that does not fit: the operator's to fix
        logger.error("webhook %s: %s", webhook.pk, error)
        return network.Answer(None, "", SECRET_UNUSABLE.format(error=type(error).__name__), "",
                              int((time.monotonic() - started) * 1000))
    body = event.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        signing.HEADER: signing.header(secrets, int(time.time()), body),
        "X-Facturagem-Event": event.type,
        "X-Facturagem-Event-Id": str(event.uuid),
        "X-Facturagem-Delivery": str(delivery.pk),
    }
    try:
        return network.post(webhook.url, body, headers,
                            connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
                            timeout=settings.WEBHOOK_TIMEOUT)
    except network.Refused as error:
        return network.Answer(None, "", REFUSED.format(error=error), "",
                              int((time.monotonic() - started) * 1000))


def _record(delivery: Delivery, webhook: Webhook, number: int, started_at: datetime.datetime,
            answer: network.Answer) -> str:
    now = _now()
    error = answer.error
    if not error and not answer.succeeded:
        error = NOT_2XX.format(status=answer.status)
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery, number=number, started_at=started_at,
            duration_ms=answer.duration_ms, url=webhook.url[:2000], address=answer.address,
            status_code=answer.status, response_excerpt=answer.excerpt[:EXCERPT_CHARS],
            error=error[:2000],
        )
        fields = {"attempts": number, "last_status_code": answer.status,
                  "last_error": error[:2000], "lease_until": None}
        if answer.succeeded:
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.DELIVERED, delivered_at=now, next_attempt_at=None,
                **fields)
            Webhook.objects.filter(pk=webhook.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0)
            return DELIVERED
        Webhook.objects.filter(pk=webhook.pk).update(
            consecutive_failures=F("consecutive_failures") + 1)
        if number < MAX_ATTEMPTS:
            next_at = now + backoff(number)
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=next_at, **fields)
        else:
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.FAILED, next_attempt_at=None, **fields)
            _maybe_switch_off(webhook, error, now)
    logger.warning("webhook %s: delivery %s attempt %s failed: %s", webhook.pk, delivery.pk,
                   number, error)
    if number < MAX_ATTEMPTS:
        schedule(delivery.pk, at=next_at)
        return RETRYING
    return FAILED


def _maybe_switch_off(webhook: Webhook, error: str, now: datetime.datetime) -> None:
    failures = Webhook.objects.filter(pk=webhook.pk).values_list(
        "consecutive_failures", flat=True).first() or 0
    if failures < MAX_ATTEMPTS:
        return
    at = timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S %Z")
    reason = DISABLED.format(at=at, attempts=failures, error=error[:300])
    switched = Webhook.objects.filter(pk=webhook.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason)
    if switched:
        Delivery.objects.filter(webhook_id=webhook.pk, state=Delivery.State.PENDING).update(
            state=Delivery.State.CANCELLED, last_error=CANCELLED, next_attempt_at=None)
        logger.warning("webhook %s (account %s) switched off: %s", webhook.pk,
                       webhook.account_id, reason)


def sweep(now: datetime.datetime | None = None) -> int:
    """Queues again the due deliveries whose task was lost; drops rotated-out secrets past
    their grace; deletes events past WEBHOOK_RETENTION_DAYS (their deliveries with them).
    How many deliveries it queued."""
    now = now or _now()
    lost = Delivery.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        Q(task_due_at__isnull=True) | Q(task_due_at__lt=now - LOST_AFTER),
        state=Delivery.State.PENDING, next_attempt_at__lte=now,
    ).values_list("pk", flat=True)[:1000]
    queued = 0
    for delivery_id in list(lost):
        schedule(delivery_id)
        queued += 1
    Webhook.objects.filter(previous_secret_until__lt=now).exclude(previous_secret="").update(
        previous_secret="", previous_secret_until=None)
    retention = datetime.timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    Event.objects.filter(created_at__lt=now - retention).delete()
    return queued
