"""The sender against the stand-in AEAT (real HTTPS with client certificates, the real
transport): every answer the AEAT can give lands on the records and is kept; flow control,
backoff, holds, Incidencia and the duplicate path (CONTRACT §8 "Sending to the AEAT")."""

from __future__ import annotations

import base64
import datetime
import threading
import time

import pytest
from django.utils import timezone

from certificates.models import AccountCertificate
from certificates.services import certificate_upload
from tests.factories import make_client, make_invoice
from tests.verifactu import aeat_standin as aeat
from verifactu import errors, sending
from verifactu.models import Record, SendingState, Submission

ACCEPTED, WITH_ERRORS, REJECTED, PENDING = (
    Record.Status.ACCEPTED, Record.Status.ACCEPTED_WITH_ERRORS, Record.Status.REJECTED,
    Record.Status.PENDING)


@pytest.fixture
def issuer(alice, pki, aeat_standin):
    """Alice's account (B12345674) with its own certificate, the stand-in listening."""
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    return alice.account


def issue(account, count: int = 1) -> list[Record]:
    client = make_client(account)
    invoices = [make_invoice(account, client) for _ in range(count)]
    return list(Record.objects.filter(invoice__in=invoices).order_by("position"))


def installation_id(account) -> int:
    return account.verifactu_installation.pk


def send(account) -> sending.Outcome:
    return sending.send_next(installation_id=installation_id(account))


def state(account) -> SendingState:
    return SendingState.objects.get(pk=installation_id(account))


def let_the_wait_pass(account) -> None:
    """Time passes: the AEAT's wait, or the backoff, is over."""
    SendingState.objects.filter(pk=installation_id(account)).update(
        not_before=timezone.now() - datetime.timedelta(seconds=1))


def fresh(records: list[Record]) -> list[Record]:
    return list(Record.objects.filter(pk__in=[r.pk for r in records]).order_by("position"))


# -- answers --------------------------------------------------------------------------------


def test_a_correct_answer_accepts_every_record_with_the_messages_csv(issuer, aeat_standin):
    records = issue(issuer, 3)
    aeat_standin.script(aeat.correct(csv="A-5LDM92G53JYSRM"))

    outcome = send(issuer)

    assert outcome.kind == sending.SENT
    assert [(r.status, r.csv, r.error_code) for r in fresh(records)] == [
        (ACCEPTED, "A-5LDM92G53JYSRM", None)] * 3
    assert all(r.answered_at is not None and r.submission_id == outcome.submission.pk
               for r in fresh(records))
    [request] = aeat_standin.requests
    assert [r.number for r in request.records] == [r.invoice_number for r in records]
    assert request.valid and request.incidencia == ""


def test_every_message_and_its_answer_are_kept_byte_for_byte(issuer, aeat_standin):
    issue(issuer, 2)
    send(issuer)

    submission = Submission.objects.get()
    [request] = aeat_standin.requests
    assert submission.envelope.encode() == request.body
    assert "<tikR:EstadoEnvio>Correcto</tikR:EstadoEnvio>" in submission.response
    assert (submission.state, submission.status, submission.record_count,
            submission.attempt, submission.wait_seconds) == ("answered", "Correcto", 2, 1, 60)
    assert submission.csv.startswith("A-") and submission.presented_at
    assert submission.presenter_nif == "B12345674" and not submission.representative
    assert submission.sent_at <= submission.finished_at


def test_partially_correct_rejects_only_the_refused_record(issuer, aeat_standin):
    first, second, third = issue(issuer, 3)
    aeat_standin.script(aeat.partially_correct({second.invoice_number: aeat.rejected(1105)}))

    send(issuer)

    first, second, third = fresh([first, second, third])
    assert (first.status, third.status) == (ACCEPTED, ACCEPTED)
    assert (second.status, second.error_code, second.csv) == (REJECTED, 1105, "")
    assert second.error_description == errors.describe(1105)
    assert Submission.objects.get().status == "ParcialmenteCorrecto"


def test_accepted_with_errors_keeps_the_code_the_text_and_the_csv(issuer, aeat_standin):
    [record] = issue(issuer)
    aeat_standin.script(aeat.accepted_with_errors(2000, csv="A-ERRORS00000001"))

    send(issuer)

    [record] = fresh([record])
    assert (record.status, record.error_code, record.csv) == (
        WITH_ERRORS, 2000, "A-ERRORS00000001")
    assert record.error_description == "El cálculo de la huella suministrada es incorrecta."


def test_incorrect_rejects_and_a_rejected_record_is_never_sent_again(issuer, aeat_standin):
    records = issue(issuer, 2)
    aeat_standin.script(aeat.incorrect(1100))

    send(issuer)
    let_the_wait_pass(issuer)
    [later] = issue(issuer)
    send(issuer)

    assert [r.status for r in fresh(records)] == [REJECTED, REJECTED]
    assert [[r.number for r in request.records] for request in aeat_standin.requests] == [
        [r.invoice_number for r in records], [later.invoice_number]]


def test_a_record_the_aeat_answered_is_never_sent_again(issuer, aeat_standin):
    issue(issuer, 2)
    send(issuer)
    let_the_wait_pass(issuer)

    assert send(issuer).kind == sending.NOTHING
    assert len(aeat_standin.requests) == 1


# -- faults ---------------------------------------------------------------------------------


def test_a_client_fault_stops_sending_and_the_reason_is_stored(issuer, aeat_standin, api,
                                                                alice):
    records = issue(issuer, 2)
    aeat_standin.script(aeat.fault("client", 4104))

    outcome = send(issuer)
    let_the_wait_pass(issuer)
    again = send(issuer)

    assert (outcome.kind, again.kind) == (sending.REFUSED_KIND, sending.HELD)
    assert len(aeat_standin.requests) == 1
    assert [r.status for r in fresh(records)] == [PENDING, PENDING]
    submission = Submission.objects.get()
    assert (submission.state, submission.error_kind, submission.error_code) == (
        "refused", "client", 4104)
    assert "Codigo[4104]" in submission.response
    reason = state(issuer).reason
    assert reason == sending.REFUSED.format(code="4104 ", text=errors.describe(4104))
    account = api.send("GET", f"/api/v1/accounts/{issuer.pk}.json", key=alice.api_key).json()
    assert account["verifactu_pending"]["reason"] == reason


def test_after_a_client_fault_sending_resumes_when_its_cause_changes(issuer, aeat_standin,
                                                                       pki):
    [record] = issue(issuer)
    aeat_standin.script(aeat.fault("client", 4112))
    send(issuer)
    assert sending.sweep() == 0  # nothing changed: still held

    renewed = pki.ca.issue_entity_representative()
    certificate_upload(account=issuer, data=renewed.pkcs12("pw"), password="pw")
    assert sending.sweep() == 1
    outcome = send(issuer)

    assert outcome.kind == sending.SENT
    assert fresh([record])[0].status == ACCEPTED
    assert aeat_standin.requests[-1].incidencia == "S"  # late because of the refusal
    assert state(issuer).reason == ""


def test_staff_send_now_lifts_a_hold(issuer, aeat_standin):
    [record] = issue(issuer)
    aeat_standin.script(aeat.fault("client", 4104))
    send(issuer)

    sending.send_now([issuer.verifactu_installation])

    assert state(issuer).hold == ""
    assert send(issuer).kind == sending.SENT
    assert fresh([record])[0].status == ACCEPTED


def test_a_server_fault_is_retried_with_exponential_backoff(issuer, aeat_standin, settings):
    settings.VERIFACTU_RETRY_SECONDS = 60
    [record] = issue(issuer)
    aeat_standin.script(*[aeat.fault("server", None, text="Error interno")] * 3)

    delays = []
    for _attempt in (1, 2, 3):
        before = timezone.now()
        outcome = send(issuer)
        after = timezone.now()
        assert outcome.kind == sending.FAILED
        # the wait counts from the failure, somewhere between before and after the call
        # (a slow machine may take a second over the exchange)
        [delay] = {round((outcome.next_at - moment).total_seconds() / 60) * 60
                   for moment in (before, after)}
        delays.append(delay)
        assert send(issuer).kind == sending.WAITING  # the backoff holds
        let_the_wait_pass(issuer)
    outcome = send(issuer)

    assert delays == [60, 120, 240]
    assert outcome.kind == sending.SENT and fresh([record])[0].status == ACCEPTED
    attempts = list(Submission.objects.order_by("id").values_list("attempt", "state",
                                                                  "error_kind"))
    assert attempts == [(1, "failed", "server"), (2, "failed", "server"),
                        (3, "failed", "server"), (4, "answered", "")]
    assert state(issuer).failures == 0


def test_the_backoff_doubles_up_to_one_hour(settings):
    settings.VERIFACTU_RETRY_SECONDS = 60
    settings.VERIFACTU_RETRY_MAX_SECONDS = 3600
    assert [sending.backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 8, 50)] == [
        60, 120, 240, 1920, 3600, 3600, 3600]


def test_a_failed_attempt_says_why_and_when_the_next_one_is(issuer, aeat_standin):
    issue(issuer)
    aeat_standin.stop()

    outcome = send(issuer)

    assert outcome.kind == sending.FAILED
    reason = state(issuer).reason
    assert reason.startswith("the AEAT could not be reached (connection failed:")
    assert "attempt 1 failed, next at" in reason
    submission = Submission.objects.get()
    assert (submission.state, submission.error_kind, submission.response) == (
        "failed", "connection", "")


# -- lost answers ---------------------------------------------------------------------------


def test_a_lost_answer_is_recovered_through_the_duplicate_answer(issuer, aeat_standin):
    records = issue(issuer, 2)
    aeat_standin.script(aeat.drop(), aeat.duplicates("Correcta"))

    assert send(issuer).kind == sending.FAILED  # the AEAT registered them; the answer is lost
    let_the_wait_pass(issuer)
    assert send(issuer).kind == sending.SENT

    assert [(r.status, r.error_code, r.csv) for r in fresh(records)] == [
        (ACCEPTED, 3000, "")] * 2  # accepted; the CSV was in the lost answer
    assert aeat_standin.requests[-1].incidencia == "S"
    assert [r.number for r in aeat_standin.requests[0].records] == \
        [r.number for r in aeat_standin.requests[1].records]


def test_a_duplicate_accepted_with_errors_is_accepted_with_errors(issuer, aeat_standin):
    [record] = issue(issuer)
    aeat_standin.script(aeat.duplicates("AceptadaConErrores"))

    send(issuer)

    [record] = fresh([record])
    assert (record.status, record.error_code) == (WITH_ERRORS, 3000)


def test_a_duplicate_without_what_the_aeat_holds_is_a_rejection(issuer, aeat_standin):
    [record] = issue(issuer)
    aeat_standin.script(aeat.incorrect(3000))

    send(issuer)

    assert fresh([record])[0].status == REJECTED


def test_a_slow_answer_times_out_is_retried_and_recovered_as_a_duplicate(
        issuer, aeat_standin, settings):
    settings.AEAT_READ_TIMEOUT = 0.5
    [record] = issue(issuer)
    aeat_standin.script(aeat.slow(2), aeat.duplicates("Correcta"))

    first = send(issuer)
    let_the_wait_pass(issuer)
    second = send(issuer)

    assert first.kind == sending.FAILED
    assert first.submission.error_kind == "timeout"
    assert second.kind == sending.SENT
    assert fresh([record])[0].status == ACCEPTED


def test_a_dropped_connection_is_retried(issuer, aeat_standin):
    [record] = issue(issuer)
    aeat_standin.script(aeat.drop())

    first = send(issuer)
    let_the_wait_pass(issuer)
    second = send(issuer)

    assert (first.kind, first.submission.error_kind) == (sending.FAILED, "connection")
    assert second.kind == sending.SENT and fresh([record])[0].status == ACCEPTED


def test_garbage_with_a_200_is_kept_and_retried(issuer, aeat_standin):
    issue(issuer)
    aeat_standin.script(aeat.Raw(status=200, body=b"<html>maintenance</html>"))

    outcome = send(issuer)

    assert (outcome.kind, outcome.submission.error_kind) == (sending.FAILED, "garbage")
    assert Submission.objects.get().response == "<html>maintenance</html>"


# -- flow control ---------------------------------------------------------------------------


def test_the_next_message_waits_the_aeats_tiempo_espera_envio(issuer, aeat_standin):
    issue(issuer)
    aeat_standin.script(aeat.correct(wait=5))
    before = timezone.now()
    send(issuer)
    issue(issuer)

    waiting = send(issuer)

    assert waiting.kind == sending.WAITING
    assert 4 <= (waiting.next_at - before).total_seconds() <= 6
    assert state(issuer).wait_seconds == 5
    assert len(aeat_standin.requests) == 1
    let_the_wait_pass(issuer)
    assert send(issuer).kind == sending.SENT


def test_the_first_wait_is_sixty_seconds_until_the_aeat_says_otherwise(issuer):
    issue(issuer)
    assert sending.state_for(installation_id(issuer)).wait_seconds == 60


def test_at_most_1000_records_go_in_a_message_and_a_full_one_needs_no_wait(
        issuer, aeat_standin):
    issue(issuer)
    send(issuer)  # the wait starts
    issue(issuer, 1001)

    full = send(issuer)  # 1000 pending: they may go before the wait ends (art. 16.2)
    rest = send(issuer)

    assert full.kind == sending.SENT and full.submission.record_count == 1000
    assert rest.kind == sending.WAITING  # one left: it waits
    assert [len(r.records) for r in aeat_standin.requests] == [1, 1000]
    assert Record.objects.filter(status=PENDING).count() == 1
    first_of_batch = Record.objects.filter(submission=full.submission).order_by("position")
    assert first_of_batch.first().position == 2  # in chain order


# -- incidents ------------------------------------------------------------------------------


def test_records_sent_after_an_outage_carry_incidencia(issuer, aeat_standin):
    issue(issuer)
    aeat_standin.stop()
    assert send(issuer).kind == sending.FAILED
    during = issue(issuer, 2)
    aeat_standin.start()
    let_the_wait_pass(issuer)

    assert send(issuer).kind == sending.SENT
    let_the_wait_pass(issuer)
    after = issue(issuer)
    send(issuer)

    back, normal = aeat_standin.requests
    assert back.incidencia == "S" and len(back.records) == 3
    assert normal.incidencia == ""
    assert all(r.status == ACCEPTED for r in fresh(during + after))
    assert Submission.objects.order_by("id").first().incidencia is False
    assert list(Submission.objects.order_by("id").values_list("incidencia", flat=True)) == [
        False, True, False]


def test_records_that_waited_behind_an_outage_still_carry_incidencia(issuer, aeat_standin):
    """After the outage, records generated before it ended go flagged even in a later
    message (the first one back took only part of them)."""
    issue(issuer)
    aeat_standin.stop()
    send(issuer)
    aeat_standin.start()
    let_the_wait_pass(issuer)
    send(issuer)  # back: its records are flagged; the incident ended now
    state_now = state(issuer)

    assert state_now.late_until is not None
    assert state_now.failures == 0


# -- no certificate -------------------------------------------------------------------------


def test_without_a_certificate_records_stay_pending_with_the_reason(alice, aeat_standin, api):
    records = issue(alice.account, 2)

    outcome = send(alice.account)

    assert outcome.kind == sending.HELD
    assert aeat_standin.requests == []
    reason = sending.NO_CERTIFICATE.format(account_id=alice.account.pk)
    assert state(alice.account).reason == reason
    assert reason.startswith("no AEAT certificate configured: upload one with PUT "
                             f"/api/v1/accounts/{alice.account.pk}/certificate")
    account = api.send("GET", f"/api/v1/accounts/{alice.account.pk}.json",
                       key=alice.api_key).json()
    assert account["verifactu_pending"] == {
        "count": 2, "since": records[0].generated_at, "reason": reason}
    record = api.send(
        "GET", f"/api/v1/accounts/{alice.account.pk}/verifactu/records/{records[0].pk}.json",
        key=alice.api_key).json()
    assert (record["status"], record["pending_reason"], record["submission"]) == (
        "pending", reason, None)


def test_once_a_certificate_is_uploaded_the_sweep_sends(alice, aeat_standin, pki):
    [record] = issue(alice.account)
    send(alice.account)
    assert sending.sweep() == 0

    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    assert sending.sweep() == 1
    send(alice.account)

    assert fresh([record])[0].status == ACCEPTED
    assert aeat_standin.requests[0].incidencia == "S"  # it waited for the certificate


def test_an_expired_certificate_holds_the_records_with_the_reason(issuer, aeat_standin):
    issue(issuer)
    expired = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    AccountCertificate.objects.filter(account=issuer).update(not_after=expired)

    outcome = send(issuer)

    assert outcome.kind == sending.HELD and aeat_standin.requests == []
    assert state(issuer).reason == sending.CERTIFICATE_EXPIRED.format(
        holder="B12345674", date="2025-01-01", account_id=issuer.pk)


def test_the_service_wide_certificate_presents_as_representative(
        alice, aeat_standin, pki, settings):
    asesor = pki.ca.issue_entity_representative(entity_nif="A58818501")
    settings.AEAT_CERTIFICATE_BASE64 = base64.b64encode(asesor.pkcs12("s3")).decode()
    settings.AEAT_CERTIFICATE_PASSWORD = "s3"
    [record] = issue(alice.account)

    send(alice.account)

    [request] = aeat_standin.requests
    assert request.taxpayer_nif == "B12345674"
    assert request.representative[1] == "A58818501"
    assert Submission.objects.get().representative
    assert fresh([record])[0].status == ACCEPTED


# -- one message in flight ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_racing_never_put_two_messages_in_flight(alice, pki, aeat_standin):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency: PostgreSQL")
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    issue(alice.account, 5)
    aeat_standin.script(aeat.slow(0.5))
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def racer():
        start.wait()
        try:
            outcomes.append(send(alice.account).kind)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == [sending.BUSY] * 3 + [sending.SENT]
    assert aeat_standin.max_in_flight == {"B12345674": 1}
    assert len(aeat_standin.requests) == 1
    assert Record.objects.filter(status=ACCEPTED).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_longer_than_the_lease_keeps_it(alice, pki, aeat_standin, settings,
                                                  monkeypatch):
    """An answer dribbled in pieces, each within the read timeout, the whole longer than the
    lease: the sender renews its lease while the message travels, and a second sender still
    finds the issuer busy — never two messages in flight."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two senders' connections at once: PostgreSQL")
    settings.AEAT_CONNECT_TIMEOUT = 1
    settings.AEAT_READ_TIMEOUT = 3  # each piece comes within it, with room for a busy machine
    monkeypatch.setattr(sending, "LEASE_MARGIN", 0.5)  # a lease of 4.5 s
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    issue(alice.account, 3)
    aeat_standin.script(aeat.Trickle(aeat.correct(wait=0), every=1.0))  # ~8 s in all
    first: list = []

    def sender():
        try:
            first.append(send(alice.account))
        finally:
            connection.close()

    thread = threading.Thread(target=sender)
    thread.start()
    time.sleep(6)  # past the lease as first taken
    second = send(alice.account)
    thread.join(30)

    assert second.kind == sending.BUSY
    assert [outcome.kind for outcome in first] == [sending.SENT]
    assert aeat_standin.max_in_flight == {"B12345674": 1}
    assert Record.objects.filter(status=ACCEPTED).count() == 3
    assert SendingState.objects.get().lease_until is None  # released at the end


def test_a_lease_left_by_a_dead_worker_expires(issuer, aeat_standin):
    issue(issuer)
    sending.state_for(installation_id(issuer))
    SendingState.objects.filter(pk=installation_id(issuer)).update(
        lease_owner="dead", lease_until=timezone.now() + datetime.timedelta(seconds=30))
    assert send(issuer).kind == sending.BUSY

    SendingState.objects.filter(pk=installation_id(issuer)).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert send(issuer).kind == sending.SENT
