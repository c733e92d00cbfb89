from facturagem.api.exceptions import UnprocessableEntity
from facturagem.api.views import AccountScopedView
from verifactu import selectors, serializers, services
from verifactu.models import Record

FILTER_PARAMS = ("invoice_id", "status", "kind", "submission_id")
NOT_AN_ID = "must be a positive integer"
NOT_A_CHOICE = "is not included in the list ({choices})"


class RecordView(AccountScopedView):
    resource_name = "record"
    collection_name = "records"
    output_serializer = serializers.RecordOutput


class RecordListView(RecordView):
    """GET …/verifactu/records: the account's chain, oldest first, paginated (CONTRACT §8)."""

    paginated_methods = ("GET",)
    list_params = FILTER_PARAMS

    def get(self, request, account_id, format=None):
        records = selectors.record_list(account=self.get_account())
        filters = {name: str(self.params[name]).strip() for name in FILTER_PARAMS
                   if self.params.get(name) not in (None, "")}
        errors = {}
        for name in ("invoice_id", "submission_id"):
            if name in filters:
                if not filters[name].isascii() or not filters[name].isdigit():
                    errors[name] = [NOT_AN_ID]
                else:
                    records = records.filter(**{name: int(filters[name])})
        for name, choices in (("status", Record.Status.values), ("kind", Record.Kind.values)):
            if name in filters:
                if filters[name] not in choices:
                    errors[name] = [NOT_A_CHOICE.format(choices=", ".join(choices))]
                else:
                    records = records.filter(**{name: filters[name]})
        if errors:
            raise UnprocessableEntity(errors)
        return self.page(records, serializers.RecordOutput)


class RecordDetailView(RecordView):
    def get(self, request, account_id, id, format=None):
        return self.ok(selectors.record_get(account=self.get_account(), record_id=id))


class RecordResendView(RecordView):
    """POST …/verifactu/records/:id/resend: a rejected record appended again, with the
    AEAT's flags for a record sent after a rejection (a new record; 200 + Location)."""

    http_method_names = ["post", "options"]

    def post(self, request, account_id, id, format=None):
        account = self.get_account()
        record = services.record_resend(
            record=selectors.record_get(account=account, record_id=id))
        return self.created(selectors.record_get(account=account, record_id=record.pk))


class SubmissionView(AccountScopedView):
    resource_name = "submission"
    collection_name = "submissions"
    output_serializer = serializers.SubmissionOutput


class SubmissionListView(SubmissionView):
    """GET …/verifactu/submissions: the account's messages to the AEAT, newest first."""

    paginated_methods = ("GET",)

    def get(self, request, account_id, format=None):
        submissions = selectors.submission_list(account=self.get_account())
        return self.page(submissions, serializers.SubmissionListOutput)


class SubmissionDetailView(SubmissionView):
    """GET …/verifactu/submissions/:id: one message, its envelope and the raw answer."""

    def get(self, request, account_id, id, format=None):
        return self.ok(selectors.submission_get(account=self.get_account(), submission_id=id))
