from rest_framework import serializers

from facturagem.api.serializers import LinksField, Representation
from verifactu import errors, selectors


def record_path(account, record) -> str:
    return f"/accounts/{account.url_id}/verifactu/records/{record.pk}"


def submission_path(account, submission_id: int) -> str:
    return f"/accounts/{account.url_id}/verifactu/submissions/{submission_id}"


def error_text(code: int | None) -> str | None:
    return errors.describe(code) if code is not None else None


class RecordLinks:
    def get_links(self, record, links):
        account = self.context["account"]
        result = [
            links.link("self", record_path(account, record)),
            links.link("invoice", f"/accounts/{account.url_id}/invoices/{record.invoice_id}"),
        ]
        if record.submission_id is not None:
            result.append(links.link("submission",
                                     submission_path(account, record.submission_id)))
        if record.status == record.Status.REJECTED:
            result.append(links.link("resend", f"{record_path(account, record)}/resend"))
        return result


class SubmissionSummary(Representation):
    """A message to the AEAT, without its envelope and raw answer."""

    id = serializers.IntegerField()
    state = serializers.CharField()
    attempt = serializers.IntegerField()
    incidencia = serializers.BooleanField()
    record_count = serializers.IntegerField()
    sent_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    csv = serializers.SerializerMethodField()
    wait_seconds = serializers.IntegerField()
    error_kind = serializers.SerializerMethodField()
    error_code = serializers.IntegerField()
    error = serializers.SerializerMethodField()
    error_text = serializers.SerializerMethodField()

    def get_status(self, submission) -> str | None:
        return submission.status or None

    def get_csv(self, submission) -> str | None:
        return submission.csv or None

    def get_error_kind(self, submission) -> str | None:
        return submission.error_kind or None

    def get_error(self, submission) -> str | None:
        return submission.error or None

    def get_error_text(self, submission) -> str | None:
        return error_text(submission.error_code)


class RecordOutput(RecordLinks, Representation):
    """A record as CONTRACT §8 shows it: the literals it hashed, its chain link, the AEAT's
    answer (with the AEAT's text for its code, and the message that carried it), why it is
    still pending if it is, and its XML as it is sent."""

    id = serializers.IntegerField()
    account_id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    invoice_id = serializers.IntegerField()
    invoice_type = serializers.SerializerMethodField()
    issuer_tax_id = serializers.CharField()
    invoice_number = serializers.CharField()
    issue_date = serializers.CharField()
    total_tax = serializers.CharField()
    total_amount = serializers.CharField()
    previous_hash = serializers.CharField()
    hash = serializers.CharField()
    generated_at = serializers.CharField()
    status = serializers.CharField()
    error_code = serializers.IntegerField()
    error_description = serializers.CharField()
    error_text = serializers.SerializerMethodField()
    csv = serializers.CharField()
    answered_at = serializers.DateTimeField()
    pending_reason = serializers.SerializerMethodField()
    submission = serializers.SerializerMethodField()
    aeat_xml = serializers.CharField(source="xml")
    links = LinksField()

    def get_invoice_type(self, record) -> str | None:
        return record.invoice_type or None

    def get_error_text(self, record) -> str | None:
        return error_text(record.error_code)

    def get_pending_reason(self, record) -> str | None:
        return selectors.pending_reason(record)

    def get_submission(self, record) -> dict | None:
        if record.submission_id is None:
            return None
        return SubmissionSummary(record.submission, context=self.context).data


class SubmissionLinks:
    def get_links(self, submission, links):
        account = self.context["account"]
        return [
            links.link("self", submission_path(account, submission.pk)),
            links.link("account", f"/accounts/{account.url_id}"),
            links.link("records", f"/accounts/{account.url_id}/verifactu/records",
                       query={"submission_id": submission.pk}),
        ]


class SubmissionListOutput(SubmissionLinks, SubmissionSummary):
    account_id = serializers.IntegerField()
    presenter_nif = serializers.CharField()
    representative = serializers.BooleanField()
    links = LinksField()


class SubmissionOutput(SubmissionListOutput):
    """A message to the AEAT: what was sent, and what came back, byte for byte."""

    presented_at = serializers.SerializerMethodField()
    envelope = serializers.CharField()
    response = serializers.SerializerMethodField()
    links = LinksField()

    def get_presented_at(self, submission) -> str | None:
        return submission.presented_at or None

    def get_response(self, submission) -> str | None:
        return submission.response or None
