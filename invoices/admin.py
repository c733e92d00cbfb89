"""Invoices for staff: search, filters, "mark as paid" and "download PDF".

Totals and the fiscal data frozen at issue are read-only; lines and payments too, because
only the services (through the API) recompute totals. The few header fields staff may
change are saved through `services.invoice_update`, which recomputes and validates.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.models import Account
from facturagem.admin import ConstantQueriesAdmin, ReadOnlyMixin, local_datetime
from facturagem.validators import normalize_tax_id
from invoices import documents, services
from invoices.models import PAID, Invoice, InvoiceLine, Payment

EDITABLE_FIELDS = (
    "number", "issue_date", "operation_date", "due_date", "discount_percent", "irpf_percent",
    "notes", "footer",
)
TOTAL_FIELDS = (
    "subtotal", "discount", "tax_base", "iva", "surcharge", "irpf", "total", "paid_amount",
)
READ_ONLY_HELP = (
    "Las líneas y los cobros son de solo lectura aquí: se cambian a través de la API (o de "
    "su consola, /playground/), que recalcula los importes con el motor de impuestos. "
    "Para cobrar lo pendiente use la acción «Marcar como pagadas» de la lista."
)
KEPT_ON_DELETE = (
    "{count} factura(s) emitida(s) no se han borrado: se rectifican o se anulan, "
    "no se borran (VERI*FACTU)."
)
MAX_PDFS_PER_DOWNLOAD = 200
TOO_MANY_PDFS = "Seleccione como mucho {max} facturas para descargar sus PDF."


def _party(invoice: Invoice, prefix: str, iban: str = "") -> str:
    """The frozen fiscal data of one party, as it would be printed."""

    def field(name: str) -> str:
        return getattr(invoice, f"{prefix}_{name}")

    place = " ".join(part for part in (field("postal_code"), field("city")) if part)
    if field("province") and field("province") != field("city"):
        place = f"{place} ({field('province')})" if place else field("province")
    lines = [
        field("name"),
        f"NIF {field('tax_id')}" if field("tax_id") else "",
        field("street1"), field("street2"), place, field("country"),
        f"IBAN {iban}" if iban else "",
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines if line))


class PaidListFilter(admin.SimpleListFilter):
    title = "pagada"
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("yes", "Sí"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(PAID)
        if self.value() == "no":
            return queryset.exclude(PAID)
        return queryset


class AccountListFilter(admin.SimpleListFilter):
    """The accounts that have invoices, by name: one two-column query."""

    title = "cuenta"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        has_invoices = Exists(Invoice.objects.filter(account=OuterRef("pk")))
        return list(
            Account.objects.filter(has_invoices).order_by("name").values_list("pk", "name")
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(account_id=int(value))
        return queryset


class _DryRun(Exception):
    """Rolls back the validation run of the service."""


class InvoiceAdminForm(forms.ModelForm):
    """Validated by a dry run of `services.invoice_update` (rolled back), so that number
    clashes and totals below what was paid are form errors, not a 500 at save time."""

    class Meta:
        model = Invoice
        fields = EDITABLE_FIELDS
        labels = {"discount_percent": "Descuento (%)", "irpf_percent": "IRPF (%)"}

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data
                if name in EDITABLE_FIELDS}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.errors or not self.changed_data:
            return cleaned
        try:
            with transaction.atomic():
                services.invoice_update(invoice=self.instance, data=self.service_data())
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, field_messages)
        return cleaned


class LineInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ("line_number", "description", "quantity", "unit_price", "discount_percent",
              "iva_percent", "surcharge_percent", "total")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "líneas (solo lectura: se cambian a través de la API)"

    @admin.display(description="nº")
    def line_number(self, line: InvoiceLine) -> int:
        return line.position



class PaymentInline(LineInline):
    model = Payment
    fields = ("date", "amount", "method", "notes", "registered")
    readonly_fields = fields
    verbose_name_plural = "cobros (solo lectura: «Marcar como pagadas» o la API)"

    @admin.display(description="registrado")
    def registered(self, payment: Payment) -> str:
        return local_datetime(payment.created_at)


@admin.register(Invoice)
class InvoiceAdmin(ConstantQueriesAdmin):
    form = InvoiceAdminForm
    list_display = ("number", "status", "invoice_type", "issue_date", "client_column",
                    "issuer_column", "total", "paid_amount", "is_paid")
    changelist_only = ("id", "number", "status", "invoice_type", "issue_date", "client_name",
                       "client_tax_id", "account_name", "total", "paid_amount")
    list_select_related = False  # no relation is shown: the parties' names are frozen columns
    list_filter = ("status", "invoice_type", PaidListFilter, "year", AccountListFilter)
    search_fields = ("number", "client_name", "client_tax_id")
    search_help_text = "Número de factura, nombre o NIF del cliente."
    date_hierarchy = "issue_date"
    list_per_page = 50
    actions = ["mark_paid", "download_pdf"]
    inlines = [LineInline, PaymentInline]
    readonly_fields = ("account_link", "client_link", "year", "pdf_link", "issuer", "recipient",
                       "equivalence_surcharge", *TOTAL_FIELDS, "outstanding", "is_paid",
                       "currency_code", "created", "updated", "status", "invoice_type",
                       "series", "corrects_link", "correction_method", "correction_reason",
                       "void_reason", "records_link", "facturae_links")
    fieldsets = (
        (None, {"fields": ("number", "series", "status", "invoice_type", "year", "issue_date",
                           "operation_date", "due_date", "account_link", "client_link",
                           "pdf_link", "facturae_links")}),
        ("Rectificación y anulación", {
            "fields": ("corrects_link", "correction_method", "correction_reason",
                       "void_reason", "records_link"),
        }),
        ("Datos fiscales tal como se emitió", {
            "description": "Copiados de la cuenta y del cliente al emitir la factura: los "
                           "cambios posteriores de esas fichas no la reescriben.",
            "fields": ("issuer", "recipient", "equivalence_surcharge"),
        }),
        ("Importes", {
            "description": READ_ONLY_HELP,
            "fields": ("discount_percent", "irpf_percent", *TOTAL_FIELDS, "outstanding",
                       "is_paid", "currency_code"),
        }),
        ("Notas", {"fields": ("notes", "footer")}),
        ("Registro", {"fields": ("created", "updated")}),
    )

    # -- columns ---------------------------------------------------------------------------

    @admin.display(boolean=True, description="pagada")
    def is_paid(self, invoice: Invoice) -> bool:
        return invoice.paid

    @admin.display(description="cliente", ordering="client_name")
    def client_column(self, invoice: Invoice) -> str:
        if not invoice.client_tax_id:
            return invoice.client_name
        return format_html("{}<br><small>{}</small>", invoice.client_name, invoice.client_tax_id)

    @admin.display(description="emisor", ordering="account_name")
    def issuer_column(self, invoice: Invoice) -> str:
        return invoice.account_name

    @admin.display(description="pendiente")
    def outstanding(self, invoice: Invoice) -> str:
        return number_format(invoice.outstanding, 2, use_l10n=True)

    @admin.display(description="cuenta")
    def account_link(self, invoice: Invoice) -> str:
        url = reverse("admin:accounts_account_change", args=[invoice.account_id])
        return format_html('<a href="{}">{}</a>', url, invoice.account)

    @admin.display(description="cliente")
    def client_link(self, invoice: Invoice) -> str:
        if invoice.client_id is None:
            return "-"
        url = reverse("admin:clients_client_change", args=[invoice.client_id])
        return format_html('<a href="{}">{}</a>', url, invoice.client)

    @admin.display(description="rectifica a")
    def corrects_link(self, invoice: Invoice) -> str:
        if invoice.corrects_id is None:
            return "-"
        url = reverse("admin:invoices_invoice_change", args=[invoice.corrects_id])
        return format_html('<a href="{}">{}</a>', url, invoice.corrects)

    @admin.display(description="registros VERI*FACTU")
    def records_link(self, invoice: Invoice) -> str:
        if not invoice.frozen:
            return "-"
        url = reverse("admin:verifactu_record_changelist")
        return format_html('<a href="{}?invoice__id__exact={}">Ver registros</a>', url,
                           invoice.pk)

    @admin.display(description="emisor")
    def issuer(self, invoice: Invoice) -> str:
        return _party(invoice, "account", iban=invoice.account_iban)

    @admin.display(description="cliente")
    def recipient(self, invoice: Invoice) -> str:
        return _party(invoice, "client")

    @admin.display(description="moneda")
    def currency_code(self, invoice: Invoice) -> str:
        return invoice.currency

    @admin.display(description="creada")
    def created(self, invoice: Invoice) -> str:
        return local_datetime(invoice.created_at)

    @admin.display(description="modificada")
    def updated(self, invoice: Invoice) -> str:
        return local_datetime(invoice.updated_at)

    @admin.display(description="PDF")
    def pdf_link(self, invoice: Invoice) -> str:
        if invoice.pk is None:
            return "-"
        url = reverse("admin:invoices_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Ver PDF</a>', url)

    @admin.display(description="FacturaE")
    def facturae_links(self, invoice: Invoice) -> str:
        # The electronic invoice, unsigned and signed (facturae/admin.py serves them).
        if invoice.pk is None or invoice.status == Invoice.Status.DRAFT:
            return "-"
        urls = [reverse("admin-invoice-facturae", args=[invoice.pk, kind])
                for kind in ("xml", "xsig")]
        return format_html('<a href="{}">XML</a> · <a href="{}">XML firmado (.xsig)</a>', *urls)

    # -- permissions -----------------------------------------------------------------------

    def has_add_permission(self, request) -> bool:
        # An invoice is its lines: it is created through the API, which computes it.
        return False

    @staticmethod
    def is_final(invoice: Invoice | None) -> bool:
        """Issued under VERI*FACTU (or voided): nothing printed on it may change any more."""
        return invoice is not None and invoice.status != Invoice.Status.DRAFT and (
            invoice.frozen or invoice.status == Invoice.Status.VOIDED
            or invoice.account.verifactu
        )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *EDITABLE_FIELDS) if self.is_final(obj) else fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self.is_final(obj) and super().has_delete_permission(request, obj)

    # -- search: a tax id as typed (`b-87.654.323`) finds the stored `B87654323` ----------

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        normalized = normalize_tax_id(search_term)
        if normalized and normalized != search_term.strip():
            results = results | queryset.filter(client_tax_id__icontains=normalized)
        return results, may_have_duplicates

    # -- saving through the services -------------------------------------------------------

    def save_model(self, request, obj, form, change) -> None:
        if change and form.changed_data:
            services.invoice_update(invoice=obj, data=form.service_data())

    def delete_model(self, request, obj) -> None:
        services.invoice_delete(invoice=obj)

    def delete_queryset(self, request, queryset) -> None:
        kept = 0
        for invoice in queryset.select_related("account"):
            try:
                services.invoice_delete(invoice=invoice)
            except ValidationError:
                kept += 1
        if kept:
            self.message_user(request, KEPT_ON_DELETE.format(count=kept), messages.WARNING)

    # -- actions ---------------------------------------------------------------------------

    @admin.action(description="Marcar como pagadas", permissions=["change"])
    def mark_paid(self, request, queryset) -> None:
        marked = skipped = 0
        for invoice in queryset:
            if invoice.outstanding > 0 and invoice.status == Invoice.Status.ISSUED:
                services.invoice_mark_paid(invoice=invoice, paid=True)
                marked += 1
            else:
                skipped += 1
        if marked:
            self.message_user(request, f"{marked} factura(s) marcada(s) como pagada(s).",
                              messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} factura(s) sin importe pendiente: sin cambios.",
                              messages.WARNING)

    @admin.action(description="Descargar PDF", permissions=["view"])
    def download_pdf(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True)[: MAX_PDFS_PER_DOWNLOAD + 1])
        if len(pks) > MAX_PDFS_PER_DOWNLOAD:
            self.message_user(request, TOO_MANY_PDFS.format(max=MAX_PDFS_PER_DOWNLOAD),
                              messages.ERROR)
            return None
        invoices = list(
            documents.with_details(Invoice.objects.filter(pk__in=pks))
            .order_by("account_id", "issue_date", "id")
        )
        if len(invoices) == 1:
            return self._pdf_response(request, invoices[0], disposition="attachment")
        response = HttpResponse(
            documents.invoices_zip(invoices, request=request),
            content_type=documents.ZIP_CONTENT_TYPE,
        )
        response["Content-Disposition"] = documents.zip_content_disposition()
        return response

    # -- one invoice's PDF, linked from its change page --------------------------------------

    def get_urls(self):
        return [
            path("<int:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view),
                 name="invoices_invoice_pdf"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, object_id: int) -> HttpResponse:
        invoice = documents.with_details(self.get_queryset(request)).filter(pk=object_id).first()
        if invoice is None:
            raise Http404
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return self._pdf_response(request, invoice, disposition="inline")

    @staticmethod
    def _pdf_response(request, invoice: Invoice, *, disposition: str) -> HttpResponse:
        response = HttpResponse(
            documents.invoice_pdf(invoice, request=request),
            content_type=documents.PDF_CONTENT_TYPE,
        )
        response["Content-Disposition"] = documents.pdf_content_disposition(
            invoice, inline=disposition == "inline"
        )
        return response
