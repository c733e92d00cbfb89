"""The records for staff: read-only, by state, each with its XML and the AEAT's answer."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from facturagem.admin import ConstantQueriesAdmin, ReadOnlyMixin, local_datetime
from verifactu.models import Installation, Record


@admin.register(Record)
class RecordAdmin(ReadOnlyMixin, ConstantQueriesAdmin):
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
    fields = ("position", "account", "invoice_link", "kind", "invoice_type", "issuer_tax_id",
              "invoice_number", "issue_date", "total_tax", "total_amount", "generated_at",
              "previous_hash", "hash", "status", "error_code", "error_description", "csv",
              "answered", "xml")
    readonly_fields = fields

    @admin.display(description="factura")
    def invoice_link(self, record: Record) -> str:
        url = reverse("admin:invoices_invoice_change", args=[record.invoice_id])
        return format_html('<a href="{}">{}</a>', url, record.invoice_number)

    @admin.display(description="respuesta de la AEAT")
    def answered(self, record: Record) -> str:
        return local_datetime(record.answered_at)


@admin.register(Installation)
class InstallationAdmin(ReadOnlyMixin, ConstantQueriesAdmin):
    list_display = ("number", "account", "created_at")
    list_select_related = ("account",)
    search_fields = ("number", "account__name")
