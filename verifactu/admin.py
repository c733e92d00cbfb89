"""The records for staff: read-only, by state, each with its XML, the AEAT's answer and the
message that carried it; the messages themselves with their envelopes and answers; a "send
now" action that lifts a hold or a backoff (never the AEAT's own wait); and "send again" for
records the AEAT rejected (a new record each, as the API's resend)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from facturagem.admin import ConstantQueriesAdmin, ReadOnlyMixin, local_datetime
from verifactu import errors, sending, services
from verifactu.models import Installation, Record, SendingState, Submission

SENT_NOW = "Envío encolado para {count} emisor(es)."
RESENT = "{count} registro(s) rechazado(s) generado(s) de nuevo para su envío."
NOT_RESENT = "Registro {position} no reenviado: {reason}"


class SendNowMixin:
    def has_send_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def _send_now(self, request, installation_ids) -> None:
        count = sending.send_now(Installation.objects.filter(pk__in=set(installation_ids)))
        self.message_user(request, SENT_NOW.format(count=count), messages.SUCCESS)


def _pre(text: str) -> str:
    return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">'
                       "{}</pre>", text or "")


def _submission_link(submission_id: int | None) -> str:
    if submission_id is None:
        return "-"
    url = reverse("admin:verifactu_submission_change", args=[submission_id])
    return format_html('<a href="{}">envío {}</a>', url, submission_id)


@admin.register(Record)
class RecordAdmin(SendNowMixin, ReadOnlyMixin, ConstantQueriesAdmin):
    list_display = ("position", "account", "kind", "invoice_type", "invoice_number",
                    "issue_date", "total_amount", "status", "error_code", "generated_at")
    list_select_related = ("account",)
    changelist_only = ("id", "position", "account__id", "account__name", "kind",
                       "invoice_type", "invoice_number", "issue_date", "total_amount",
                       "status", "error_code", "generated_at")
    list_filter = ("status", "kind", "invoice_type")
    search_fields = ("invoice_number", "issuer_tax_id", "hash", "csv")
    search_help_text = "Número de factura, NIF del emisor, huella o CSV."
    list_per_page = 50
    actions = ["send_now", "resend"]
    fields = ("position", "account", "invoice_link", "kind", "invoice_type", "issuer_tax_id",
              "invoice_number", "issue_date", "total_tax", "total_amount", "generated_at",
              "previous_hash", "hash", "status", "error_code", "error_description",
              "error_text", "csv", "answered", "submission_link", "pending_reason", "xml")
    readonly_fields = fields

    @admin.display(description="factura")
    def invoice_link(self, record: Record) -> str:
        url = reverse("admin:invoices_invoice_change", args=[record.invoice_id])
        return format_html('<a href="{}">{}</a>', url, record.invoice_number)

    @admin.display(description="respuesta de la AEAT")
    def answered(self, record: Record) -> str:
        return local_datetime(record.answered_at)

    @admin.display(description="texto de la AEAT para el código")
    def error_text(self, record: Record) -> str:
        return errors.describe(record.error_code) if record.error_code is not None else "-"

    @admin.display(description="último envío")
    def submission_link(self, record: Record) -> str:
        return _submission_link(record.submission_id)

    @admin.display(description="por qué sigue pendiente")
    def pending_reason(self, record: Record) -> str:
        if record.status != Record.Status.PENDING:
            return "-"
        state = SendingState.objects.filter(pk=record.installation_id).first()
        return (state.reason if state else "") or "-"

    @admin.action(description="Enviar ahora a la AEAT (levanta bloqueo y espera por fallo)",
                  permissions=["send"])
    def send_now(self, request, queryset) -> None:
        self._send_now(request, queryset.values_list("installation_id", flat=True))

    @admin.action(description="Generar de nuevo los rechazados (subsanación / RechazoPrevio)",
                  permissions=["send"])
    def resend(self, request, queryset) -> None:
        count = 0
        for record in queryset.order_by("position"):
            try:
                services.record_resend(record=record)
            except ValidationError as error:
                reason = " ".join(message for message in error.message_dict.get("base", []))
                self.message_user(request, NOT_RESENT.format(position=record.position,
                                                             reason=reason), messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, RESENT.format(count=count), messages.SUCCESS)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyMixin, ConstantQueriesAdmin):
    list_display = ("id", "account", "sent_at", "state", "status", "record_count", "attempt",
                    "incidencia", "csv", "error_code", "wait_seconds")
    list_select_related = ("account",)
    changelist_only = ("id", "account__id", "account__name", "sent_at", "state", "status",
                       "record_count", "attempt", "incidencia", "csv", "error_code",
                       "wait_seconds")
    list_filter = ("state", "status", "incidencia")
    search_fields = ("csv", "account__name")
    list_per_page = 50
    fields = ("account", "installation", "attempt", "incidencia", "record_count", "endpoint",
              "presenter_nif", "representative", "state", "status", "csv", "wait_seconds",
              "presented_at", "error_kind", "error_code", "error_text", "error", "sent",
              "finished", "envelope_text", "response_text")
    readonly_fields = fields

    @admin.display(description="enviado")
    def sent(self, submission: Submission) -> str:
        return local_datetime(submission.sent_at)

    @admin.display(description="terminado")
    def finished(self, submission: Submission) -> str:
        return local_datetime(submission.finished_at)

    @admin.display(description="texto de la AEAT para el código")
    def error_text(self, submission: Submission) -> str:
        code = submission.error_code
        return errors.describe(code) if code is not None else "-"

    @admin.display(description="mensaje enviado")
    def envelope_text(self, submission: Submission) -> str:
        return _pre(submission.envelope)

    @admin.display(description="respuesta (tal cual)")
    def response_text(self, submission: Submission) -> str:
        return _pre(submission.response)


@admin.register(Installation)
class InstallationAdmin(SendNowMixin, ReadOnlyMixin, ConstantQueriesAdmin):
    list_display = ("number", "account", "created_at")
    list_select_related = ("account",)
    search_fields = ("number", "account__name")
    actions = ["send_now"]
    fields = ("number", "account", "created_at", "sending_reason", "sending_hold",
              "sending_not_before", "sending_wait", "sending_failures", "sending_last")
    readonly_fields = fields

    def _state(self, installation: Installation) -> SendingState | None:
        return SendingState.objects.filter(pk=installation.pk).first()

    @admin.display(description="por qué no se envía")
    def sending_reason(self, installation: Installation) -> str:
        state = self._state(installation)
        return (state.reason if state else "") or "-"

    @admin.display(description="bloqueo")
    def sending_hold(self, installation: Installation) -> str:
        state = self._state(installation)
        return state.get_hold_display() if state and state.hold else "-"

    @admin.display(description="próximo envío no antes de")
    def sending_not_before(self, installation: Installation) -> str:
        state = self._state(installation)
        return local_datetime(state.not_before) if state else "-"

    @admin.display(description="TiempoEsperaEnvio (s)")
    def sending_wait(self, installation: Installation) -> str:
        state = self._state(installation)
        return str(state.wait_seconds) if state else "-"

    @admin.display(description="fallos seguidos")
    def sending_failures(self, installation: Installation) -> str:
        state = self._state(installation)
        return str(state.failures) if state else "-"

    @admin.display(description="último envío")
    def sending_last(self, installation: Installation) -> str:
        state = self._state(installation)
        return local_datetime(state.last_sent_at) if state else "-"

    @admin.action(description="Enviar ahora a la AEAT (levanta bloqueo y espera por fallo)",
                  permissions=["send"])
    def send_now(self, request, queryset) -> None:
        self._send_now(request, queryset.values_list("pk", flat=True))
