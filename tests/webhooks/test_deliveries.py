"""Deliveries (CONTRACT §10, issue 12): a receiver on a real local HTTP server gets every event
type, signed as the contract pins it and verified with the code docs/api.md gives
integrators; events leave only once their operation commits; failed attempts are retried
with exponential backoff up to 8, each one logged; an endpoint that keeps failing is
switched off and the account told."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import ssl
import subprocess
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.services import certificate_upload
from invoices import services as invoicing
from invoices.models import Invoice
from tests.factories import line, make_client, make_invoice, pay
from tests.verifactu import aeat_standin as aeat
from tests.webhooks import receiver as answers
from tests.webhooks.conftest import documented_code, run_worker, subscribe, with_the_worker
from verifactu.models import Record
from webhooks import delivery, events, network, services
from webhooks.models import Attempt, Delivery, Event, Webhook

ALL_TYPES = sorted(events.EVENT_TYPES)
TASK = "webhooks.tasks.deliver_webhook"


def queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK, status="READY"))


def new_delivery(hook: Webhook) -> Delivery:
    event = Event.objects.create(account=hook.account, type=events.INVOICE_ISSUED,
                                 created_at=timezone.now(), body='{"id": "e"}')
    return Delivery.objects.create(webhook=hook, event=event, next_attempt_at=timezone.now())


def signature_parts(header: str) -> tuple[int, list[str]]:
    fields = [part.split("=", 1) for part in header.split(",")]
    return int(dict(fields)["t"]), [value for name, value in fields if name == "v1"]


# -- what a receiver gets -------------------------------------------------------------------


@with_the_worker
def test_a_receiver_gets_every_event_type_signed_with_the_secret_it_was_given(
        alice, receiver, verify, pki, aeat_standin):
    created = subscribe(alice.account, receiver.url)
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    client = make_client(alice.account)
    paid = make_invoice(alice.account, client)                  # invoice.issued
    pay(paid, "21.00")                                          # payment.created
    payment = pay(paid, "100.00")                               # payment.created, invoice.paid
    invoicing.payment_delete(payment=payment)                   # payment.deleted
    corrected = make_invoice(alice.account, client)             # invoice.issued
    invoicing.invoice_correct(invoice=corrected, reason="Precio")  # issued + corrected
    voided = make_invoice(alice.account, client)                # invoice.issued
    invoicing.invoice_void(invoice=voided, reason="Emitida por error")  # invoice.voided
    aeat_standin.script(aeat.partially_correct({voided.number: aeat.rejected()}))
    run_worker()  # the records go to the AEAT (accepted, one rejected), then the deliveries
    run_worker()

    received = receiver.requests
    types = [json.loads(request.body)["type"] for request in received]
    assert sorted(set(types)) == ALL_TYPES
    assert len(types) == Event.objects.count() == Delivery.objects.filter(
        state=Delivery.State.DELIVERED).count()
    for request in received:
        assert request.headers["Content-Type"] == "application/json"
        assert verify(created.secret, request.headers["X-Facturagem-Signature"], request.body)
        assert not verify("whsec_another", request.headers["X-Facturagem-Signature"],
                          request.body)
        event = json.loads(request.body)
        assert list(event) == ["id", "type", "created_at", "data"]
        assert request.headers["X-Facturagem-Event"] == event["type"]
        assert request.headers["X-Facturagem-Event-Id"] == event["id"]


@with_the_worker
def test_an_events_data_is_the_resource_as_the_json_api_shows_it(
        alice, receiver, public_links, api):
    subscribe(alice.account, receiver.url, [events.INVOICE_ISSUED, events.PAYMENT_CREATED])
    invoice = make_invoice(alice.account)
    payment = pay(invoice, "10.00")
    run_worker()

    by_type = {json.loads(r.body)["type"]: json.loads(r.body) for r in receiver.requests}
    base = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}"
    shown_invoice = api.send("GET", f"{base}.json", key=alice.api_key).json()
    shown_payment = api.send("GET", f"{base}/payments/{payment.pk}.json",
                             key=alice.api_key).json()
    issued = by_type[events.INVOICE_ISSUED]["data"]
    # The invoice as it was when issued: the payment came afterwards.
    assert issued == {**shown_invoice, "paid_amount": "0.00", "outstanding": "121.00",
                      "payments": [], "updated_at": issued["updated_at"]}
    assert by_type[events.PAYMENT_CREATED]["data"] == shown_payment
    assert issued["links"][0] == {
        "rel": "self",
        "uri": f"http://testserver/api/v1/accounts/{alice.account.url_id}/invoices/"
               f"{invoice.url_id}.json"}
    assert datetime.datetime.fromisoformat(by_type[events.INVOICE_ISSUED]["created_at"])


@with_the_worker
def test_the_signature_verifies_with_the_documented_openssl_commands(alice, receiver, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    created = subscribe(alice.account, receiver.url)
    make_invoice(alice.account)
    run_worker()
    [request] = receiver.requests
    (tmp_path / "body.json").write_bytes(request.body)
    script = documented_code("sh", "openssl dgst")

    def run(secret: str) -> str:
        env = {"PATH": os.environ["PATH"], "FACTURAGEM_WEBHOOK_SECRET": secret,
               "header": request.headers["X-Facturagem-Signature"]}
        return subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=True).stdout.strip()

    assert run(created.secret) == "valid"
    assert run("whsec_not-the-secret") == "INVALID"


def test_an_old_signature_is_refused_by_the_documented_code(verify):
    body = b'{"id": "x"}'
    from webhooks import signing

    an_hour_ago = int(timezone.now().timestamp()) - 3600
    assert not verify("whsec_s", signing.header(["whsec_s"], an_hour_ago, body), body)
    now = int(timezone.now().timestamp())
    assert verify("whsec_s", signing.header(["whsec_s"], now, body), body)
    assert not verify("whsec_s", signing.header(["whsec_s"], now, body), body + b" ")


@with_the_worker
def test_after_a_rotation_deliveries_carry_both_signatures_until_the_grace_ends(
        alice, receiver, verify, settings):
    first = subscribe(alice.account, receiver.url)
    second = services.webhook_rotate_secret(webhook=first.webhook)
    make_invoice(alice.account)
    run_worker()

    [request] = receiver.requests
    header = request.headers["X-Facturagem-Signature"]
    assert len(signature_parts(header)[1]) == 2
    assert verify(second.secret, header, request.body)
    assert verify(first.secret, header, request.body)  # not yet deployed on the receiver

    Webhook.objects.update(previous_secret_until=timezone.now() - datetime.timedelta(seconds=1))
    make_invoice(alice.account)
    run_worker()
    header = receiver.requests[1].headers["X-Facturagem-Signature"]
    assert len(signature_parts(header)[1]) == 1
    assert verify(second.secret, header, receiver.requests[1].body)
    assert not verify(first.secret, header, receiver.requests[1].body)


# -- when events leave ----------------------------------------------------------------------


def test_events_leave_only_once_the_operation_commits(
        alice, receiver, django_capture_on_commit_callbacks):
    subscribe(alice.account, receiver.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_invoice(alice.account)
        assert Event.objects.count() == 0  # nothing inside the issuing transaction
    for callback in callbacks:
        callback()

    [event] = Event.objects.all()
    assert event.type == events.INVOICE_ISSUED
    assert len(queued()) == 1


def test_an_operation_that_fails_tells_nobody(alice, receiver,
                                              django_capture_on_commit_callbacks):
    subscribe(alice.account, receiver.url)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), \
            transaction.atomic():
        make_invoice(alice.account)
        raise RuntimeError("rolled back")

    assert Event.objects.count() == 0
    assert queued() == []


def test_only_the_types_a_webhook_asked_for_reach_it(alice, receiver,
                                                     django_capture_on_commit_callbacks):
    paid_only = subscribe(alice.account, receiver.url, [events.INVOICE_PAID])
    issued_only = subscribe(alice.account, receiver.url + "?b", [events.INVOICE_ISSUED])
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(alice.account)
        pay(invoice, "121.00")

    assert [(d.webhook_id, d.event.type) for d in Delivery.objects.order_by("id")] == [
        (issued_only.webhook.pk, events.INVOICE_ISSUED),
        (paid_only.webhook.pk, events.INVOICE_PAID),
    ]


def test_an_account_without_webhooks_stores_no_events(alice, bob, receiver,
                                                      django_capture_on_commit_callbacks):
    subscribe(bob.account, receiver.url)
    inactive = subscribe(alice.account, receiver.url)
    services.webhook_update(webhook=inactive.webhook, data={"active": False})
    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(alice.account)

    assert Event.objects.count() == 0


def test_marking_paid_and_unpaid_tells_of_each_payment(alice, receiver,
                                                       django_capture_on_commit_callbacks):
    subscribe(alice.account, receiver.url)
    invoice = make_invoice(alice.account)
    pay(invoice, "21.00")
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.invoice_mark_paid(invoice=invoice, paid=True)
    assert [e.type for e in Event.objects.order_by("id")] == [
        events.PAYMENT_CREATED, events.INVOICE_PAID]

    with django_capture_on_commit_callbacks(execute=True):
        invoicing.invoice_mark_paid(invoice=invoice, paid=False)
    deleted = [json.loads(e.body)["data"] for e in Event.objects.filter(
        type=events.PAYMENT_DELETED)]
    assert sorted(p["amount"] for p in deleted) == ["100.00", "21.00"]


def test_a_draft_issued_later_tells_of_its_issue(alice, receiver,
                                                 django_capture_on_commit_callbacks):
    subscribe(alice.account, receiver.url)
    draft = make_invoice(alice.account, status="draft")
    assert Event.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.invoice_update(invoice=draft, data={"status": "issued"})

    [event] = Event.objects.all()
    assert event.type == events.INVOICE_ISSUED
    assert json.loads(event.body)["data"]["number"] == Invoice.objects.get().number


# -- failures, retries, switching off -------------------------------------------------------


@with_the_worker
def test_a_500_is_retried_and_every_attempt_is_logged(alice, receiver, fast_retries, api):
    hook = subscribe(alice.account, receiver.url).webhook
    receiver.script(answers.status(500, b"Internal Server Error: database down"),
                    answers.status(503))
    make_invoice(alice.account)
    run_worker()

    [delivered] = Delivery.objects.all()
    assert delivered.state == Delivery.State.DELIVERED
    assert delivered.attempts == 3
    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1  # byte for byte the same event
    response = api.send(
        "GET", f"/api/v1/accounts/{alice.account.pk}/webhooks/{hook.pk}/deliveries.json",
        key=alice.api_key)
    [shown] = response.json()
    assert [(a["number"], a["status_code"]) for a in shown["attempts"]] == [
        (1, 500), (2, 503), (3, 200)]
    first = shown["attempts"][0]
    assert first["response_excerpt"] == "Internal Server Error: database down"
    assert first["error"] == "the receiver answered 500"
    assert first["address"] == "127.0.0.1"
    assert first["duration_ms"] >= 0
    assert shown["attempts"][2]["error"] is None
    assert shown["state"] == "delivered"


@with_the_worker
def test_a_receiver_that_does_not_answer_in_time_is_retried(alice, receiver, fast_retries):
    subscribe(alice.account, receiver.url)
    receiver.script(answers.slow(3))
    make_invoice(alice.account)
    run_worker()

    first, second = Attempt.objects.order_by("number")
    assert first.status_code is None
    assert first.error == network.TIMED_OUT.format(seconds=0.5)
    assert 400 <= first.duration_ms < 2500
    assert second.status_code == 200
    assert Delivery.objects.get().state == Delivery.State.DELIVERED


def test_a_failed_attempt_is_retried_after_an_exponential_backoff(alice, receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.5
    item = new_delivery(subscribe(alice.account, receiver.url).webhook)
    waits = []
    for attempt in range(1, delivery.MAX_ATTEMPTS):
        receiver.script(answers.status(500))
        Delivery.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        assert delivery.attempt(item.pk) == delivery.RETRYING
        item.refresh_from_db()
        waits.append(round((item.next_attempt_at - before).total_seconds() / 60))
        assert item.attempts == attempt
        [task] = queued()
        assert task.run_after == item.next_attempt_at
        task.delete()

    assert waits == [1, 2, 4, 8, 16, 32, 64]  # minutes
    assert delivery.attempt(item.pk) == delivery.SKIPPED  # not due yet


@with_the_worker
def test_an_endpoint_that_keeps_failing_is_switched_off_and_the_account_told(
        alice, receiver, fast_retries, api):
    hook = subscribe(alice.account, receiver.url).webhook
    receiver.script(*[answers.status(500)] * delivery.MAX_ATTEMPTS)
    make_invoice(alice.account)
    run_worker()

    assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    assert Delivery.objects.get().state == Delivery.State.FAILED
    shown = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/webhooks/{hook.pk}.json",
                     key=alice.api_key).json()
    assert shown["active"] is False
    assert shown["disabled_reason"].startswith("Switched off on ")
    assert "8 attempts in a row failed (the last: the receiver answered 500)" in \
        shown["disabled_reason"]
    account = api.send("GET", "/api/v1/accounts.json", key=alice.api_key).json()
    assert account["disabled_webhooks"] == [{
        "id": hook.pk, "url": receiver.url, "disabled_at": shown["disabled_at"],
        "reason": shown["disabled_reason"]}]

    make_invoice(alice.account)  # nothing goes to a webhook that is off
    run_worker()
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS

    response = api.send("PUT", f"/api/v1/accounts/{alice.account.pk}/webhooks/{hook.pk}.json",
                        {"active": True}, key=alice.api_key)
    assert response.status_code == 200
    hook.refresh_from_db()
    assert (hook.active, hook.disabled_at, hook.disabled_reason, hook.consecutive_failures) \
        == (True, None, "", 0)
    assert api.send("GET", "/api/v1/accounts.json",
                    key=alice.api_key).json()["disabled_webhooks"] == []


def test_one_event_the_receiver_refuses_does_not_switch_a_working_endpoint_off(
        alice, receiver, fast_retries):
    hook = subscribe(alice.account, receiver.url).webhook
    refused = new_delivery(hook)
    receiver.script(*[answers.status(422)] * 7)
    for _ in range(7):
        assert delivery.attempt(refused.pk) == delivery.RETRYING
    assert delivery.attempt(new_delivery(hook).pk) == delivery.DELIVERED  # the endpoint works
    receiver.script(answers.status(422))

    assert delivery.attempt(refused.pk) == delivery.FAILED

    hook.refresh_from_db()
    assert (hook.active, hook.consecutive_failures) == (True, 1)


# -- server-side request forgery ------------------------------------------------------------


def attempt_to(account, url: str):
    """One delivery to `url`, attempted now; its logged attempt."""
    hook = Webhook.objects.create(account=account, url=url, events=[events.INVOICE_ISSUED],
                                  secret=services.crypto.encrypt("whsec_x"))
    item = new_delivery(hook)
    delivery.attempt(item.pk)
    return Attempt.objects.get(delivery=item)


@pytest.mark.parametrize("url, address", [
    ("https://127.0.0.1:9/", "127.0.0.1"),
    ("https://10.1.2.3/hook", "10.1.2.3"),
    ("https://192.168.1.10/hook", "192.168.1.10"),
    ("https://172.16.0.1/hook", "172.16.0.1"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://100.64.0.1/", "100.64.0.1"),
    ("https://0.0.0.0/", "0.0.0.0"),  # noqa: S104 - refused
    ("https://[::1]/hook", "::1"),
    ("https://[fe80::1]/hook", "fe80::1"),
    ("https://[fd00::1]/hook", "fd00::1"),
    ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"),
    ("https://[2002:7f00:1::]/hook", "2002:7f00:1::"),
    ("https://[64:ff9b::a00:1]/hook", "64:ff9b::a00:1"),
])
def test_a_delivery_to_a_non_public_address_is_refused_without_a_connection(alice, url,
                                                                           address):
    logged = attempt_to(alice.account, url)

    assert logged.status_code is None
    assert logged.error == delivery.REFUSED.format(
        error=network.PRIVATE_ADDRESS.format(host=address))


def test_a_host_name_that_resolves_inward_is_refused(alice, receiver, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    resolved = []

    def resolve(host: str, port: int) -> list[str]:
        resolved.append(host)
        return ["93.184.215.14", "10.0.0.7"]  # one public answer, one inward

    monkeypatch.setattr(network, "resolve", resolve)
    logged = attempt_to(alice.account, "https://hooks.example.com/in")

    assert resolved == ["hooks.example.com"]
    assert logged.error == delivery.REFUSED.format(error=network.RESOLVES_INWARD.format(
        host="hooks.example.com", address="10.0.0.7"))
    assert receiver.requests == []


def test_the_name_is_resolved_once_and_the_connection_goes_to_the_checked_address(
        alice, receiver, monkeypatch):
    # Allowed here (the receiver is local), to see where the connection goes: the answer
    # of the one resolution, never a second lookup of the name.
    answers_given = iter([["127.0.0.1"], ["10.9.9.9"]])
    monkeypatch.setattr(network, "resolve", lambda host, port: next(answers_given))
    url = receiver.url.replace("127.0.0.1", "receiver.test")

    logged = attempt_to(alice.account, url)

    assert (logged.status_code, logged.address) == (200, "127.0.0.1")
    assert receiver.requests[0].headers["Host"] == f"receiver.test:{receiver.port}"
    assert next(answers_given) == ["10.9.9.9"]  # never asked for


def test_localhost_by_name_is_refused(alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    logged = attempt_to(alice.account, "https://localhost/hook")

    assert logged.error == delivery.REFUSED.format(
        error=network.PRIVATE_ADDRESS.format(host="localhost"))


def test_a_redirect_is_never_followed_not_even_to_an_allowed_address(alice, receiver):
    inner = answers.Receiver().start()
    try:
        receiver.script(answers.redirect(inner.url))
        logged = attempt_to(alice.account, receiver.url)
    finally:
        inner.stop()

    assert logged.status_code == 302
    assert logged.error == network.REDIRECTED.format(status=302, location=inner.url)
    assert inner.requests == []


@pytest.mark.parametrize("address, public", [
    ("93.184.215.14", True), ("8.8.8.8", True), ("2606:4700:4700::1111", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("172.31.255.255", False),
    ("192.168.0.1", False), ("169.254.0.1", False), ("100.100.100.100", False),
    ("192.0.2.1", False), ("198.18.0.1", False), ("224.0.0.1", False),
    ("255.255.255.255", False), ("::", False), ("::1", False), ("fe80::1", False),
    ("fc00::1", False), ("ff02::1", False), ("::ffff:10.0.0.1", False),
    ("::ffff:8.8.8.8", False), ("2001:db8::1", False),
])
def test_which_addresses_count_as_public(address, public):
    assert network.is_public(address) is public


# -- the sweep ------------------------------------------------------------------------------


def test_the_sweep_queues_again_a_delivery_whose_task_was_lost(
        alice, receiver, django_capture_on_commit_callbacks):
    subscribe(alice.account, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(alice.account)
    DBTaskResult.objects.all().delete()  # a worker killed with it
    long_ago = timezone.now() - delivery.LOST_AFTER - datetime.timedelta(minutes=1)
    Delivery.objects.update(task_due_at=long_ago, next_attempt_at=long_ago)

    assert delivery.sweep() == 1
    assert delivery.sweep() == 0  # queued again: not lost
    assert len(queued()) == 1


def test_the_sweep_forgets_old_events_and_rotated_secrets_past_their_grace(
        alice, receiver, settings):
    hook = subscribe(alice.account, receiver.url).webhook
    services.webhook_rotate_secret(webhook=hook)
    old = Event.objects.create(account=alice.account, type=events.INVOICE_ISSUED, body="{}",
                               created_at=timezone.now() - datetime.timedelta(days=31))
    Delivery.objects.create(webhook=hook, event=old, state=Delivery.State.DELIVERED)
    recent = Event.objects.create(account=alice.account, type=events.INVOICE_ISSUED, body="{}",
                                  created_at=timezone.now())

    delivery.sweep(now=timezone.now() + datetime.timedelta(hours=25))

    assert list(Event.objects.all()) == [recent]
    assert Delivery.objects.count() == 0
    hook.refresh_from_db()
    assert (hook.previous_secret, hook.previous_secret_until) == ("", None)


def test_a_payment_of_the_whole_outstanding_amount_tells_the_invoice_is_paid(
        alice, receiver, django_capture_on_commit_callbacks):
    subscribe(alice.account, receiver.url, [events.INVOICE_PAID])
    invoice = make_invoice(alice.account, lines=[line(unit_price="100")])
    with django_capture_on_commit_callbacks(execute=True):
        pay(invoice, "100.00")
        assert Event.objects.count() == 0
        pay(invoice, "21.00")

    [event] = Event.objects.all()
    data = json.loads(event.body)["data"]
    assert (data["paid"], Decimal(data["outstanding"])) == (True, Decimal("0"))


@with_the_worker
def test_records_answered_by_the_aeat_are_told(alice, receiver, pki, aeat_standin):
    subscribe(alice.account, receiver.url,
              [events.RECORD_ACCEPTED, events.RECORD_REJECTED])
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    accepted = make_invoice(alice.account)
    rejected = make_invoice(alice.account)
    aeat_standin.script(aeat.partially_correct({rejected.number: aeat.rejected(1100)}))
    run_worker()
    run_worker()

    told = {json.loads(r.body)["data"]["invoice_number"]: json.loads(r.body)
            for r in receiver.requests}
    assert told[accepted.number]["type"] == events.RECORD_ACCEPTED
    assert told[accepted.number]["data"]["status"] == Record.Status.ACCEPTED
    assert told[rejected.number]["type"] == events.RECORD_REJECTED
    assert told[rejected.number]["data"]["error_code"] == 1100


@with_the_worker
def test_the_workers_sweep_queues_lost_deliveries_and_purges_expired_keys(alice, receiver):
    from facturagem.models import IdempotencyKey
    from verifactu.management.commands.worker import Sweeper

    subscribe(alice.account, receiver.url)
    make_invoice(alice.account)  # its delivery queued as the issue commits
    DBTaskResult.objects.all().delete()  # … and lost
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Delivery.objects.update(task_due_at=long_ago, next_attempt_at=long_ago)
    IdempotencyKey.objects.create(account=alice.account, key_digest="k" * 64,
                                  fingerprint="f" * 64, method="POST", path="/api/v1/x",
                                  created_at=long_ago, expires_at=long_ago)

    sweeper = Sweeper(every=3600)
    sweeper.start()
    try:
        deadline = time.monotonic() + 20
        while IdempotencyKey.objects.exists() or not queued():
            assert time.monotonic() < deadline, "the sweep did not run"
            time.sleep(0.05)
    finally:
        sweeper.stopped.set()
        sweeper.join(10)

    assert len(queued()) == 1
    run_worker()
    assert Delivery.objects.get().state == Delivery.State.DELIVERED


# -- TLS to the checked address -------------------------------------------------------------


@pytest.fixture
def tls_receiver(pki, settings, monkeypatch, tmp_path):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pki.server.write_pem(tmp_path, "receiver"))  # localhost
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.ca_file))
    server = answers.Receiver(tls=context).start()
    yield server
    server.stop()


def test_https_goes_to_the_checked_address_and_verifies_the_name(alice, tls_receiver):
    logged = attempt_to(alice.account, tls_receiver.url)

    assert (logged.status_code, logged.address, logged.error) == (200, "127.0.0.1", "")
    assert tls_receiver.requests[0].headers["Host"] == f"localhost:{tls_receiver.port}"


def test_https_to_a_name_the_certificate_does_not_carry_fails(alice, tls_receiver,
                                                              monkeypatch):
    # The name resolves to the receiver's address, but its certificate is not for that name:
    # the check is against the name, never the address connected to.
    monkeypatch.setattr(network, "resolve", lambda host, port: ["127.0.0.1"])
    logged = attempt_to(alice.account, tls_receiver.url.replace("localhost", "hooks.test"))

    assert logged.status_code is None
    assert logged.error.startswith("TLS failed:")
    assert "hooks.test" in logged.error
    assert tls_receiver.requests == []


def test_https_to_an_untrusted_certificate_fails(alice, tls_receiver, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    logged = attempt_to(alice.account, tls_receiver.url)

    assert logged.error.startswith("TLS failed:")
    assert "certificate verify failed" in logged.error


@pytest.mark.parametrize("url", ["https://2130706433/hook", "https://0x7f.1/hook",
                                 "https://017700000001/hook"])
def test_loopback_spelt_as_a_number_is_refused_once_resolved(alice, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    host = url.split("/")[2]
    logged = attempt_to(alice.account, url)

    assert logged.error == delivery.REFUSED.format(error=network.RESOLVES_INWARD.format(
        host=host, address="127.0.0.1"))
