"""Reads of the account's records, their messages to the AEAT, and what is still pending."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Account
from facturagem.api.views import resolve_id
from verifactu.models import Record, SendingState, Submission

# A message's envelope and raw answer run to megabytes: only its own page shows them.
_HEAVY = ("submission__envelope", "submission__response")


def record_list(*, account: Account) -> QuerySet[Record]:
    """Oldest first: the chain's order. Each with its last message and the issuer's sending
    state (why it is still pending) in the same query."""
    return (Record.objects.filter(account=account).order_by("id")
            .select_related("submission", "installation__sending").defer(*_HEAVY))


def record_get(*, account: Account, record_id: str | int) -> Record:
    record = record_list(account=account).filter(pk=resolve_id(record_id)).first()
    if record is None:
        raise Http404
    return record


def pending_reason(record: Record) -> str | None:
    """Why a pending record has not gone yet (None: nothing wrong, it goes with the next
    message; or the record is not pending)."""
    if record.status != Record.Status.PENDING:
        return None
    try:
        state = record.installation.sending
    except SendingState.DoesNotExist:
        return None
    return state.reason or None


def pending_summary(*, account: Account) -> dict:
    """The warning the law wants visible while records remain unsent (Orden HAC/1177/2024
    art. 16.4): how many, since when (the oldest one's FechaHoraHusoGenRegistro), and why
    (None while nothing is wrong)."""
    pending = Record.objects.filter(account=account, status=Record.Status.PENDING)
    oldest = pending.order_by("position").values_list("generated_at", "installation_id").first()
    if oldest is None:
        return {"count": 0, "since": None, "reason": None}
    since, installation_id = oldest
    reason = SendingState.objects.filter(pk=installation_id).values_list(
        "reason", flat=True).first()
    return {"count": pending.count(), "since": since, "reason": reason or None}


def submission_list(*, account: Account) -> QuerySet[Submission]:
    """Newest first, without their envelopes and answers."""
    return (Submission.objects.filter(account=account).order_by("-id")
            .defer("envelope", "response"))


def submission_get(*, account: Account, submission_id: str | int) -> Submission:
    submission = Submission.objects.filter(account=account,
                                           pk=resolve_id(submission_id)).first()
    if submission is None:
        raise Http404
    return submission
