"""Webhooks for staff: the webhooks without their secrets, each delivery with every attempt
and the body it sends, and "try now" for a delivery that failed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.webhooks.conftest import subscribe
from webhooks import crypto, delivery, events
from webhooks.admin import RETRIED
from webhooks.models import Attempt, Delivery, Event


@pytest.fixture
def failed(alice):
    hook = subscribe(alice.account, "https://hooks.example.com/in").webhook
    event = Event.objects.create(account=alice.account, type=events.INVOICE_PAID,
                                 created_at=timezone.now(), body='{"type": "invoice.paid"}')
    item = Delivery.objects.create(webhook=hook, event=event, state=Delivery.State.FAILED,
                                   attempts=delivery.MAX_ATTEMPTS, last_status_code=502)
    for number in range(1, delivery.MAX_ATTEMPTS + 1):
        Attempt.objects.create(delivery=item, number=number, started_at=timezone.now(),
                               duration_ms=30, url=hook.url, address="203.0.113.9",
                               status_code=502, response_excerpt="Bad Gateway from nginx",
                               error="the receiver answered 502")
    return item


def test_a_delivery_page_shows_every_attempt_and_the_body(admin_web, failed):
    page = admin_web.get(reverse("admin:webhooks_delivery_change", args=[failed.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert content.count("Bad Gateway from nginx") == delivery.MAX_ATTEMPTS
    assert "{&quot;type&quot;: &quot;invoice.paid&quot;}" in content


def test_deliveries_are_listed_by_state(admin_web, failed):
    url = reverse("admin:webhooks_delivery_changelist")

    assert admin_web.get(url, {"state__exact": "failed"}).context["cl"].result_count == 1
    assert admin_web.get(url, {"state__exact": "pending"}).context["cl"].result_count == 0


def test_try_now_queues_a_failed_delivery_with_its_attempts_anew(admin_web, failed):
    response = admin_web.post(reverse("admin:webhooks_delivery_changelist"), {
        "action": "retry_now", "_selected_action": [failed.pk]}, follow=True)

    assert RETRIED.format(count=1) in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (Delivery.State.PENDING, 0)
    assert failed.task_due_at is not None


def test_the_webhook_page_never_shows_a_secret(admin_web, failed):
    webhook = failed.webhook
    page = admin_web.get(reverse("admin:webhooks_webhook_change", args=[webhook.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert webhook.url in content
    assert crypto.decrypt(webhook.secret) not in content
    assert webhook.secret not in content
