"""The sender: an issuer's pending records reach the AEAT (CONTRACT §8; Orden HAC/1177/2024
art. 16; the AEAT's web-service description §5–6).

Per issuer (installation), one message at a time:

- **Order and size.** The account's pending records in chain order, at most 1000 per message,
  all of one issuer NIF (one `ObligadoEmision` per message).
- **One in flight.** A lease on the issuer's `SendingState` row, taken with one conditional
  UPDATE and held — without an open transaction — while the message travels: a second worker,
  on this machine or another, finds it taken and leaves. A worker that dies loses the lease
  when it expires (the transport's timeouts plus a margin); a live one renews it while its
  message travels, however slowly the answer dribbles in (the read timeout bounds each
  read, not their sum).
- **Flow control.** After an answer, the next message waits the answer's
  `TiempoEsperaEnvio` (60 s before the first answer); 1000 pending records may go before the
  wait ends (art. 16.2).
- **Late records.** A message says `Incidencia=S` (art. 16.4) when it retries after a failed
  attempt, when it carries a record generated before the last incident ended (a failed
  attempt, or a hold: no certificate, an expired one, a refused message), or when it carries a
  record generated more than 240 s before the send (the AEAT's own window, error 2004).
- **Failures.** No usable answer (connection, timeout, TLS, HTTP error, garbage) and SOAP
  Faults `Server` are retried with exponential backoff (VERIFACTU_RETRY_SECONDS, doubling,
  capped at VERIFACTU_RETRY_MAX_SECONDS ≤ one hour). A SOAP Fault `Client` (4xxx) stops the
  issuer's sending with the reason stored, until what it depends on changes (the certificate,
  the account's NIF or name) or staff send now.
- **Answers.** Each line's state, code and description go on its record (matched by
  operation, issuer and number); a record the AEAT answered is never sent again. Code 3000
  with `RegistroDuplicado` in state Correcta/Anulada (AceptadaConErrores) is a record the AEAT
  already held — an earlier answer was lost — so it is accepted (with errors), its CSV
  unknown. Any other Incorrecto is `rejected`, never retried automatically.
- **No certificate.** `credentials_for(account)` None, or expired: records stay pending with
  the reason stored, and the sweep looks again every VERIFACTU_SWEEP_SECONDS.

Everything sent and received is stored: a `Submission` per message (committed before the
message leaves), and on each record its answer and the link to the message.

Scheduling (the task engine has no cron): each issue queues a send task once its transaction
commits (`after_record`); each task queues the next one when records remain (at the end of
the wait or backoff); `sweep` — run by the worker every VERIFACTU_SWEEP_SECONDS — queues one
for any issuer that has pending records and no task (a task lost with a killed worker, an
issue whose enqueue failed), and releases holds whose cause changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from certificates.credentials import Credentials
from certificates.models import AccountCertificate
from certificates.services import credentials_for, service_credentials
from verifactu import errors, soap, transport
from verifactu.errors import AeatError, SoapFault, TransportError
from verifactu.models import Installation, Record, SendingState, Submission
from webhooks import events
from webhooks.services import events_emit

logger = logging.getLogger(__name__)

MAX_RECORDS = soap.MAX_RECORDS
LATE_AFTER = datetime.timedelta(seconds=240)  # the AEAT's window (error 2004)
LEASE_MARGIN = 60.0  # seconds beyond the transport's own timeouts
BUSY_RETRY = datetime.timedelta(seconds=5)

# Why pending records are not going (SendingState.reason; the account's verifactu_pending).
NO_CERTIFICATE = (
    "no AEAT certificate configured: upload one with PUT "
    "/api/v1/accounts/{account_id}/certificate or configure the service-wide certificate"
)
CERTIFICATE_EXPIRED = (
    "the AEAT certificate ({holder}) expired on {date}: upload a renewed one with PUT "
    "/api/v1/accounts/{account_id}/certificate"
)
CERTIFICATE_UNUSABLE = (
    "the service cannot use its AEAT certificates (a configuration problem of the service, "
    "logged for its operator); next attempt at {at}"
)
REFUSED = (
    "the AEAT refused the last message: {code}{text}. Sending is stopped until the cause is "
    "fixed (the certificate, the account's NIF or name); it resumes by itself then"
)
RETRYING = "the AEAT could not be reached ({error}); attempt {attempt} failed, next at {at}"
SERVER_FAULT = "the AEAT answered with an error of its own ({error}); attempt {attempt} " \
    "failed, next at {at}"
WORKER_LOST = "the worker stopped before the AEAT's answer arrived (its records go again)"

# Outcome kinds
SENT = "sent"  # a message was answered
FAILED = "failed"  # a message got no usable answer, or a Server fault: retried later
REFUSED_KIND = "refused"  # a Client fault: held
HELD = "held"  # nothing sent: no certificate, expired, or refused earlier
WAITING = "waiting"  # nothing sent: the AEAT's wait or a backoff is not over
BUSY = "busy"  # another worker holds the issuer's lease
NOTHING = "nothing"  # no pending records

STATUS_BY_LINE = {
    "Correcto": Record.Status.ACCEPTED,
    "AceptadoConErrores": Record.Status.ACCEPTED_WITH_ERRORS,
    "Incorrecto": Record.Status.REJECTED,
}
OPERATION_BY_KIND = {Record.Kind.ALTA: "Alta", Record.Kind.ANULACION: "Anulacion"}
DUPLICATE = 3000


@dataclasses.dataclass(frozen=True)
class Outcome:
    kind: str
    next_at: datetime.datetime | None = None  # when to look again (None: nothing planned)
    submission: Submission | None = None


# -- time ------------------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _at(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def backoff(failures: int) -> datetime.timedelta:
    """The wait after `failures` failed attempts in a row: base × 2^(n−1), at most the cap."""
    base = settings.VERIFACTU_RETRY_SECONDS
    cap = settings.VERIFACTU_RETRY_MAX_SECONDS
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, min(failures - 1, 30))))


def lease_duration() -> datetime.timedelta:
    connect, read = transport.default_timeout()
    return datetime.timedelta(seconds=connect + read + LEASE_MARGIN)


# -- the issuer's state and lease --------------------------------------------------------------


def state_for(installation_id: int) -> SendingState:
    state, _ = SendingState.objects.get_or_create(
        installation_id=installation_id,
        defaults={"wait_seconds": settings.VERIFACTU_FIRST_WAIT},
    )
    return state


def _take_lease(installation_id: int, owner: str, now: datetime.datetime) -> bool:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return SendingState.objects.filter(free, pk=installation_id).update(
        lease_owner=owner, lease_until=now + lease_duration()
    ) == 1


class _LeaseKeeper(threading.Thread):
    """Renews `owner`'s lease every third of its length until stopped: a message still
    travelling keeps its issuer; a dead worker's lease still expires."""

    def __init__(self, installation_id: int, owner: str) -> None:
        super().__init__(name=f"verifactu-lease-{installation_id}", daemon=True)
        self.installation_id = installation_id
        self.owner = owner
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(lease_duration().total_seconds() / 3):
                renewed = SendingState.objects.filter(
                    pk=self.installation_id, lease_owner=self.owner,
                ).update(lease_until=_now() + lease_duration())
                if not renewed:
                    return  # released meanwhile (or taken over: nothing to keep)
        except Exception:
            logger.exception("VERI*FACTU sender: could not renew the lease of installation "
                             "%s", self.installation_id)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> _LeaseKeeper:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        # Not for ever: a renewal waiting on a row lock the caller holds (a caller inside a
        # transaction, never the worker) finds the lease released and does nothing.
        self.join(timeout=5)


def _release(installation_id: int, owner: str) -> None:
    released = SendingState.objects.filter(pk=installation_id, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )
    if not released:
        logger.warning("VERI*FACTU sender: the lease of installation %s expired while it "
                       "was held", installation_id)


def _update(installation_id: int, **fields) -> None:
    SendingState.objects.filter(pk=installation_id).update(updated_at=_now(), **fields)


def signature(*, fingerprint: str, account) -> str:
    """What a hold depends on: the certificate in use and the taxpayer's NIF and name."""
    text = "\x1f".join((fingerprint, account.tax_id or "", account.name or ""))
    return hashlib.sha256(text.encode()).hexdigest()


# -- sending one message ---------------------------------------------------------------------


def send_next(*, installation_id: int) -> Outcome:
    """Sends the issuer's next message if it may go now; what happened, and when to look
    again."""
    state_for(installation_id)
    owner = secrets.token_hex(8)
    if not _take_lease(installation_id, owner, _now()):
        return Outcome(BUSY, _now() + BUSY_RETRY)
    try:
        with _LeaseKeeper(installation_id, owner):
            return _send_under_lease(installation_id)
    finally:
        _release(installation_id, owner)


def _pending(account_id: int):
    return Record.objects.filter(account_id=account_id, status=Record.Status.PENDING)


def _hold(state: SendingState, *, hold: str, reason: str, fingerprint: str,
          now: datetime.datetime) -> Outcome:
    account = state.installation.account
    if state.reason != reason:
        logger.warning("VERI*FACTU sender: installation %s (account %s): %s", state.pk,
                       account.pk, reason)
    _update(state.pk, hold=hold, reason=reason, late_until=now,
            hold_signature=signature(fingerprint=fingerprint, account=account))
    return Outcome(HELD)


def _send_under_lease(installation_id: int) -> Outcome:
    now = _now()
    state = SendingState.objects.select_related("installation__account").get(
        pk=installation_id)
    account = state.installation.account
    ids = list(_pending(account.pk).order_by("position")
               .values_list("id", flat=True)[:MAX_RECORDS])
    if not ids:
        if state.reason or state.hold:
            _update(installation_id, reason="", hold="")
        return Outcome(NOTHING)

    try:
        credentials = credentials_for(account)
    except ImproperlyConfigured as error:
        logger.error("VERI*FACTU sender: installation %s: %s", installation_id, error)
        failures = state.failures + 1
        next_at = now + backoff(failures)
        _update(installation_id, failures=failures, not_before=next_at, flow_control=False,
                late_until=now, reason=CERTIFICATE_UNUSABLE.format(at=_at(next_at)))
        return Outcome(FAILED, next_at)
    fingerprint = credentials.fingerprint if credentials is not None else ""

    if state.hold:
        if state.hold_signature == signature(fingerprint=fingerprint, account=account):
            return Outcome(HELD)
        _update(installation_id, hold="")  # what it depended on changed: try again
        state.hold = ""

    if credentials is None:
        return _hold(state, hold=SendingState.Hold.NO_CERTIFICATE, fingerprint=fingerprint,
                     now=now, reason=NO_CERTIFICATE.format(account_id=account.pk))
    if credentials.expired(now):
        return _hold(state, hold=SendingState.Hold.EXPIRED_CERTIFICATE, fingerprint=fingerprint,
                     now=now, reason=CERTIFICATE_EXPIRED.format(
                         holder=credentials.holder_nif, account_id=account.pk,
                         date=credentials.not_after.date().isoformat()))

    full = len(ids) >= MAX_RECORDS
    if state.not_before is not None and now < state.not_before \
            and not (state.flow_control and full):
        return Outcome(WAITING, state.not_before)

    return _send(state, credentials, ids, now)


def _batch(ids: list[int]) -> list[Record]:
    """The records in chain order, cut where the issuer NIF changes (one ObligadoEmision)."""
    records = list(
        Record.objects.filter(id__in=ids).order_by("position")
        .only("id", "position", "kind", "issuer_tax_id", "invoice_number", "issue_date",
              "generated_at", "created_at", "xml")
    )
    nif = records[0].issuer_tax_id
    for index, record in enumerate(records):
        if record.issuer_tax_id != nif:
            return records[:index]
    return records


def _taxpayer_name(account, record: Record) -> str:
    if account.name:
        return account.name[:120]
    return record.invoice.account_name[:120]


def _send(state: SendingState, credentials: Credentials, ids: list[int],
          now: datetime.datetime) -> Outcome:
    account = state.installation.account
    records = _batch(ids)
    # created_at: the moment of generation to the microsecond (FechaHoraHusoGenRegistro has
    # whole seconds).
    late = state.failures > 0 or any(
        (state.late_until is not None and r.created_at <= state.late_until)
        or now - r.created_at > LATE_AFTER
        for r in records
    )
    envelope = soap.build_envelope(
        taxpayer_name=_taxpayer_name(account, records[0]),
        taxpayer_nif=records[0].issuer_tax_id,
        representative=credentials.representative,
        incidencia=late,
        records=[record.xml.encode("utf-8") for record in records],
    )
    url = transport.endpoint_url(credentials)
    with transaction.atomic():
        submission = Submission.objects.create(
            installation_id=state.pk, account=account, attempt=state.failures + 1,
            incidencia=late, record_count=len(records), endpoint=url,
            presenter_nif=credentials.holder_nif,
            representative=credentials.representative is not None,
            envelope=envelope.decode("utf-8"), sent_at=now,
        )
        Record.objects.filter(id__in=[r.id for r in records]).update(submission=submission)
        _update(state.pk, last_sent_at=now)

    body = b""
    try:
        body = transport.post(url, envelope, credentials, timeout=transport.default_timeout())
        response = soap.parse_response(body)
    except AeatError as error:
        # What came back, if anything: a fault's envelope, or a body that did not parse.
        return _failed(state, submission, error, body=error.body or body,
                       fingerprint=credentials.fingerprint)
    return _answered(state, submission, records, body, response)


def _failed(state: SendingState, submission: Submission, error: AeatError, *,
            body: bytes, fingerprint: str) -> Outcome:
    now = _now()
    client_fault = isinstance(error, SoapFault) and not error.retryable
    kind = error.kind if isinstance(error, SoapFault | TransportError) else ""
    submission_fields = {
        "state": Submission.State.REFUSED if client_fault else Submission.State.FAILED,
        "response": body.decode("utf-8", "replace"),
        "error_kind": kind,
        "error_code": getattr(error, "code", None),
        "error": str(error)[:5000],
        "finished_at": now,
    }
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(**submission_fields)
        if client_fault:
            code = f"{error.code} " if error.code is not None else ""
            text = error.description
            _update(state.pk, hold=SendingState.Hold.REFUSED, late_until=now,
                    hold_signature=signature(fingerprint=fingerprint,
                                             account=state.installation.account),
                    reason=REFUSED.format(code=code, text=text)[:2000])
            outcome = Outcome(REFUSED_KIND)
        else:
            failures = state.failures + 1
            next_at = now + backoff(failures)
            template = SERVER_FAULT if isinstance(error, SoapFault) else RETRYING
            _update(state.pk, failures=failures, not_before=next_at, flow_control=False,
                    late_until=now, reason=template.format(
                        error=str(error)[:500], attempt=failures, at=_at(next_at)))
            outcome = Outcome(FAILED, next_at)
    logger.warning("VERI*FACTU sender: message %s (installation %s, %s records) %s: %s",
                   submission.pk, state.pk, submission.record_count,
                   "refused" if client_fault else "failed", error)
    for field, value in submission_fields.items():
        setattr(submission, field, value)
    return dataclasses.replace(outcome, submission=submission)


def _line_answer(line: soap.Line, csv: str) -> dict:
    """A record's answer fields from its line."""
    duplicate = line.duplicate
    if line.error_code == DUPLICATE and duplicate is not None and duplicate.state in (
            "Correcta", "AceptadaConErrores", "Anulada"):
        # The AEAT already holds this record: the answer to an earlier message was lost.
        # Accepted; the CSV of that answer is unknown.
        if duplicate.state == "AceptadaConErrores":
            return {"status": Record.Status.ACCEPTED_WITH_ERRORS,
                    "error_code": duplicate.error_code or DUPLICATE,
                    "error_description": duplicate.error_description
                    or line.error_description, "csv": ""}
        return {"status": Record.Status.ACCEPTED, "error_code": DUPLICATE,
                "error_description": line.error_description or errors.describe(DUPLICATE),
                "csv": ""}
    status = STATUS_BY_LINE.get(line.state, Record.Status.REJECTED)
    return {
        "status": status,
        "error_code": line.error_code,
        "error_description": line.error_description[:1500],
        "csv": csv if status != Record.Status.REJECTED else "",
    }


def _answered(state: SendingState, submission: Submission, records: list[Record],
              body: bytes, response: soap.Response) -> Outcome:
    now = _now()
    by_key: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for record in records:
        key = (OPERATION_BY_KIND[record.kind], record.issuer_tax_id, record.invoice_number)
        by_key[key].append(record)
    groups: dict[tuple, list[int]] = defaultdict(list)
    unmatched = 0
    for line in response.lines:
        candidates = by_key.get((line.operation, line.issuer_nif, line.number))
        if not candidates:
            unmatched += 1
            continue
        record = candidates.pop(0)
        answer = _line_answer(line, response.csv)
        groups[tuple(sorted(answer.items()))].append(record.id)
    if unmatched:
        logger.warning("VERI*FACTU sender: message %s: %s answer lines match no record sent",
                       submission.pk, unmatched)

    wait = datetime.timedelta(seconds=response.wait_seconds)
    sent = {record.id: record for record in records}
    with transaction.atomic():
        for answer, ids in groups.items():
            answered = list(Record.objects.filter(id__in=ids, status=Record.Status.PENDING)
                            .values_list("id", flat=True))
            Record.objects.filter(id__in=answered).update(answered_at=now, **dict(answer))
            # The account's webhooks hear of each answer once this transaction commits.
            rejected = dict(answer)["status"] == Record.Status.REJECTED
            events_emit(type=events.RECORD_REJECTED if rejected else events.RECORD_ACCEPTED,
                        account_id=state.installation.account_id,
                        instances=[sent[record_id] for record_id in answered])
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.ANSWERED, response=body.decode("utf-8", "replace"),
            status=response.status, csv=response.csv, wait_seconds=response.wait_seconds,
            presented_at=response.submitted_at, finished_at=now,
        )
        fields = {"failures": 0, "not_before": now + wait, "flow_control": True,
                  "wait_seconds": response.wait_seconds, "reason": "", "hold": ""}
        if state.failures:
            # The incident ended now: what was generated until now waited because of it.
            fields["late_until"] = submission.sent_at
        _update(state.pk, **fields)
    remaining = _pending(state.installation.account_id)
    if not remaining.exists():
        next_at = None
    elif remaining[MAX_RECORDS - 1:MAX_RECORDS].exists():
        next_at = now  # a full message may go before the wait ends (art. 16.2)
    else:
        next_at = now + wait
    submission.state = Submission.State.ANSWERED
    return Outcome(SENT, next_at, submission)


# -- scheduling ------------------------------------------------------------------------------


def run(installation_id: int, *, due: str | None = None) -> str:
    """The send task's body: sends while messages may go, then queues the next look."""
    if due is not None:
        SendingState.objects.filter(pk=installation_id, task_due_at=due).update(
            task_due_at=None)
    outcome = send_next(installation_id=installation_id)
    while outcome.kind == SENT and outcome.next_at is not None and outcome.next_at <= _now():
        outcome = send_next(installation_id=installation_id)
    if outcome.next_at is not None:
        schedule(installation_id, at=outcome.next_at)
    return outcome.kind


def schedule(installation_id: int, *, at: datetime.datetime | None = None) -> bool:
    """Queues a send task for the issuer at `at` (now by default), unless one is already
    queued to run by then. True when it queued one."""
    from verifactu.tasks import send_records

    now = _now()
    at = max(at or now, now)
    state_for(installation_id)
    claimed = SendingState.objects.filter(
        Q(task_due_at__isnull=True) | Q(task_due_at__gt=at), pk=installation_id
    ).update(task_due_at=at)
    if not claimed:
        return False
    task = send_records.using(run_after=at) if at > now else send_records
    task.enqueue(installation_id, at.isoformat())
    return True


def after_record(installation_id: int) -> None:
    """A record was appended (its transaction committed): make sure a send is queued for
    when the issuer may next send."""
    state = state_for(installation_id)
    if state.hold:
        return  # the sweep looks again when what the hold depends on changes
    now = _now()
    at = now
    if state.not_before is not None and state.not_before > now:
        at = state.not_before
        if state.flow_control and _pending(state.installation.account_id)[
                MAX_RECORDS - 1:MAX_RECORDS].exists():
            at = now
    schedule(installation_id, at=at)


def _signatures(states: Iterable[SendingState]) -> dict[int, str]:
    """The hold signature each held issuer would have now (no private key is decrypted)."""
    states = list(states)
    certificates = dict(AccountCertificate.objects.filter(
        account_id__in=[s.installation.account_id for s in states]
    ).values_list("account_id", "fingerprint"))
    try:
        service = service_credentials()
    except ImproperlyConfigured:
        service = None
    service_fingerprint = service.fingerprint if service is not None else ""
    return {
        state.pk: signature(
            fingerprint=certificates.get(state.installation.account_id, service_fingerprint),
            account=state.installation.account)
        for state in states
    }


def sweep() -> int:
    """Queues a send for every issuer with pending records that has no task queued (or whose
    task was lost), and for every held issuer whose hold's cause changed. How many queued."""
    now = _now()
    # A message whose worker died on the way: it will never get its answer written.
    Submission.objects.filter(state=Submission.State.SENDING,
                              sent_at__lt=now - 2 * lease_duration()).update(
        state=Submission.State.FAILED, error=WORKER_LOST, finished_at=now)
    installation_ids = set(
        Record.objects.filter(status=Record.Status.PENDING)
        .values_list("installation_id", flat=True).distinct()
    )
    for missing in installation_ids - set(
            SendingState.objects.filter(pk__in=installation_ids).values_list("pk", flat=True)):
        state_for(missing)
    states = list(SendingState.objects.filter(pk__in=installation_ids)
                  .select_related("installation__account"))
    held = [state for state in states if state.hold]
    current = _signatures(held) if held else {}
    lost_before = now - lease_duration() - 2 * datetime.timedelta(
        seconds=settings.VERIFACTU_SWEEP_SECONDS)
    queued = 0
    for state in states:
        if state.hold:
            if current[state.pk] == state.hold_signature:
                continue
            _update(state.pk, hold="", reason="")
            state.not_before = None
        if state.task_due_at is not None:
            if state.task_due_at > lost_before:
                continue  # queued (or running): not lost
            SendingState.objects.filter(pk=state.pk, task_due_at=state.task_due_at).update(
                task_due_at=None)
        at = state.not_before if state.not_before and state.not_before > now else now
        queued += schedule(state.pk, at=at)
    return queued


def send_now(installations: Iterable[Installation]) -> int:
    """Staff's "send now": lifts a hold and a backoff (never the AEAT's own wait) and queues
    a send right away for each issuer."""
    count = 0
    for installation in installations:
        state = state_for(installation.pk)
        fields = {"hold": "", "task_due_at": None}
        if not state.flow_control:
            fields["not_before"] = None
        _update(installation.pk, **fields)
        at = state.not_before if state.flow_control and state.not_before else None
        count += schedule(installation.pk, at=at)
    return count


def wait_for_lease(installation_id: int, timeout: float = 10.0) -> None:
    """(For tests and tools) returns when no message of the issuer is in flight."""
    deadline = time.monotonic() + timeout
    while SendingState.objects.filter(pk=installation_id, lease_until__isnull=False).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"installation {installation_id} still sending")
        time.sleep(0.05)
