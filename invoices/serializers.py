import functools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify
from rest_framework import serializers

from accounts.serializers import validate_iva_rate
from facturagem.api.links import Linker, url_id
from facturagem.api.serializers import (
    InputSerializer,
    LinksField,
    Representation,
    money_field,
    percent_field,
)
from invoices import numbering, taxes
from invoices.models import ZERO, Invoice, Payment, invoice_url_id
from invoices.pdf import MAX_DESCRIPTION_LINE_BREAKS, line_breaks
from verifactu import services as records

MAX_LINES = 500
ID_REQUIRED = "This field is required."
TOO_MANY_LINE_BREAKS = "has too many line breaks (maximum is {max})"


def validate_description_line_breaks(value: str) -> None:
    """What one line may print is bounded: the PDF prints each break as a new text line."""
    if line_breaks(value) > MAX_DESCRIPTION_LINE_BREAKS:
        raise serializers.ValidationError(
            TOO_MANY_LINE_BREAKS.format(max=MAX_DESCRIPTION_LINE_BREAKS)
        )


def invoice_path(account, invoice) -> str:
    return f"/accounts/{account.url_id}/invoices/{invoice.url_id}"


# -- representations ----------------------------------------------------------------------


class LineOutput(Representation):
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    discount_percent = percent_field()
    iva_percent = percent_field()
    treatment = serializers.CharField()
    surcharge_percent = percent_field()
    total = money_field()


class TaxOutput(Representation):
    treatment = serializers.CharField()
    iva_percent = percent_field()
    base = money_field()
    iva = money_field()
    surcharge_percent = percent_field()
    surcharge = money_field()


class CorrectedOutput(Representation):
    """What a corrective invoice corrects: enough to name it (RD 1619/2012 art. 15.4)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()


class VerifactuOutput(Representation):
    """The invoice's record, as CONTRACT §8 shows it on the invoice."""

    hash = serializers.CharField()
    generated_at = serializers.CharField()
    status = serializers.CharField()
    qr_url = serializers.SerializerMethodField()
    csv = serializers.CharField()

    def get_qr_url(self, record) -> str:
        return records.qr_url(record)


class PaymentOutput(Representation):
    id = serializers.IntegerField()
    # ActiveResource's URL prefix: /accounts/:account_id/invoices/:invoice_id (CONTRACT §6).
    account_id = serializers.SerializerMethodField()
    invoice_id = serializers.IntegerField()
    amount = money_field()
    date = serializers.DateField()
    method = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    links = LinksField()

    def get_account_id(self, payment) -> int:
        return self.context["account"].pk

    def get_links(self, payment, links):
        path = invoice_path(self.context["account"], self.context["invoice"])
        return [
            links.link("self", f"{path}/payments/{payment.pk}"),
            links.link("invoice", path),
        ]


def invoice_links(
    links: Linker,
    account,
    *,
    pk: int | None,
    number: str,
    status: str,
    client_id: int | None,
    client_name: str,
    corrects_id: int | None,
    frozen: bool,
    slugs: Callable[[str], str] | None = None,
) -> list[dict[str, str]]:
    """An invoice's `links` (CONTRACT §3), written as plain string joins: a list page
    renders 25 × 11 of them, and `Linker.link` with urlencode for each was a fifth of it.
    `slugs`: slugify, remembered over one page (its invoices often share a client)."""
    base, suffix = links.base, links.suffix
    account_uri = f"{base}/accounts/{account.url_id}"
    if pk is None:  # the unsaved invoice of `new`
        return [
            {"rel": "self", "uri": f"{account_uri}/invoices/new{suffix}"},
            {"rel": "account", "uri": f"{account_uri}{suffix}"},
            {"rel": "create", "uri": f"{account_uri}/invoices{suffix}"},
        ]
    uri = f"{account_uri}/invoices/{invoice_url_id(pk, number)}"
    result = [
        {"rel": "self", "uri": f"{uri}{suffix}"},
        {"rel": "account", "uri": f"{account_uri}{suffix}"},
    ]
    if client_id is not None:
        client_slug = url_id(client_id, slugs(client_name) if slugs else slugify(client_name))
        result.append({"rel": "client", "uri": f"{account_uri}/clients/{client_slug}{suffix}"})
    # `invoice_id=<int>` is what urlencode writes for it.
    result += [
        {"rel": "payments", "uri": f"{uri}/payments{suffix}"},
        {"rel": "pdf", "uri": f"{uri}.pdf"},
        {"rel": "copy", "uri": f"{account_uri}/invoices/new{suffix}?invoice_id={pk}"},
    ]
    if status != Invoice.Status.DRAFT:  # the electronic invoice (facturae/)
        result += [
            {"rel": "facturae", "uri": f"{uri}/facturae.xml"},
            {"rel": "facturae_signed", "uri": f"{uri}/facturae.xsig"},
        ]
    if status == Invoice.Status.ISSUED:
        result += [
            {"rel": "corrections", "uri": f"{uri}/corrections{suffix}"},
            {"rel": "void", "uri": f"{uri}/void{suffix}"},
        ]
    if corrects_id is not None:
        result.append(
            {"rel": "corrects", "uri": f"{account_uri}/invoices/{corrects_id}{suffix}"}
        )
    if frozen:
        result.append({
            "rel": "records",
            "uri": f"{account_uri}/verifactu/records{suffix}?invoice_id={pk}",
        })
    return result


class InvoiceLinks:
    def get_links(self, invoice, links):
        return invoice_links(
            links, self.context["account"], pk=invoice.pk, number=invoice.number,
            status=invoice.status, client_id=invoice.client_id, client_name=invoice.client_name,
            corrects_id=invoice.corrects_id, frozen=invoice.frozen,
        )


# What a list item reads: a list may hand rows (`.values(*SUMMARY_FIELDS)`) or invoices.
SUMMARY_FIELDS = (
    "id", "number", "status", "issue_date", "client_id", "client_name", "total", "paid_amount",
    "corrects_id", "frozen",
)
_CENT = Decimal("0.01")


class InvoiceSummary(InvoiceLinks, Representation):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    client_name = serializers.CharField()
    total = money_field()
    paid = serializers.BooleanField()
    status = serializers.CharField()
    links = LinksField()

    row_fields = SUMMARY_FIELDS

    def to_representation(self, invoice) -> dict:
        """The declared fields, in their order, without a getter call for each (a list
        renders 25 to 100 of these; tests/api/test_invoice_summary.py holds it to the
        generic Representation, for invoices and for rows)."""
        if isinstance(invoice, dict):
            row = invoice
        else:
            row = {name: getattr(invoice, name) for name in SUMMARY_FIELDS}
        try:
            links, account, slugs = self._page_context
        except AttributeError:  # the first item: DRF's `context` walks to the root each time
            context = self.context
            links, account = context["links"], context["account"]
            slugs = functools.lru_cache(maxsize=256)(slugify)
            self._page_context = links, account, slugs
        total, paid_amount = row["total"], row["paid_amount"]
        return {
            "id": row["id"],
            "number": row["number"],
            "issue_date": row["issue_date"],
            "client_name": row["client_name"],
            "total": None if total is None else total.quantize(_CENT, ROUND_HALF_UP),
            "paid": total > ZERO and paid_amount >= total,
            "status": row["status"],
            "links": invoice_links(
                links, account, pk=row["id"], number=row["number"], status=row["status"],
                client_id=row["client_id"], client_name=row["client_name"],
                corrects_id=row["corrects_id"], frozen=row["frozen"], slugs=slugs,
            ),
        }


class InvoiceOutput(InvoiceLinks, Representation):
    id = serializers.IntegerField()
    number = serializers.CharField()
    series = serializers.CharField()
    status = serializers.CharField()
    invoice_type = serializers.CharField()
    simplified = serializers.BooleanField(source="is_simplified")
    issue_date = serializers.DateField()
    operation_date = serializers.DateField()
    due_date = serializers.DateField()
    account_id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    account_name = serializers.CharField()
    account_tax_id = serializers.CharField()
    account_street1 = serializers.CharField()
    account_street2 = serializers.CharField()
    account_city = serializers.CharField()
    account_province = serializers.CharField()
    account_postal_code = serializers.CharField()
    account_country = serializers.CharField()
    account_iban = serializers.CharField()
    client_name = serializers.CharField()
    client_tax_id = serializers.CharField()
    client_street1 = serializers.CharField()
    client_street2 = serializers.CharField()
    client_city = serializers.CharField()
    client_province = serializers.CharField()
    client_postal_code = serializers.CharField()
    client_country = serializers.CharField()
    equivalence_surcharge = serializers.BooleanField()
    lines = LineOutput(many=True, source="line_list")
    discount_percent = percent_field()
    irpf_percent = percent_field()
    subtotal = money_field()
    discount = money_field()
    tax_base = money_field()
    taxes = serializers.SerializerMethodField()
    iva = money_field()
    surcharge = money_field()
    irpf = money_field()
    total = money_field()
    paid_amount = money_field()
    outstanding = money_field()
    paid = serializers.BooleanField()
    notes = serializers.CharField()
    footer = serializers.CharField()
    description = serializers.CharField()
    currency = serializers.CharField()
    payments = serializers.SerializerMethodField()
    corrects = serializers.SerializerMethodField()
    correction_type = serializers.SerializerMethodField()
    correction_method = serializers.SerializerMethodField()
    correction_reason = serializers.SerializerMethodField()
    void_reason = serializers.SerializerMethodField()
    voided_at = serializers.DateTimeField()
    verifactu = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = LinksField()

    def get_taxes(self, invoice) -> list:
        # The service's own breakdown when it just computed the invoice's figures.
        breakdown = getattr(invoice, "tax_breakdown", None) or invoice.breakdown(
            invoice.line_list)
        return TaxOutput.nested(self.context).render_many(breakdown.taxes)

    def get_corrects(self, invoice) -> dict | None:
        original = invoice.corrects
        return CorrectedOutput.nested(self.context).render(original)

    def get_correction_type(self, invoice) -> str | None:
        return invoice.invoice_type if invoice.is_corrective else None

    def get_correction_method(self, invoice) -> str | None:
        return invoice.correction_method or None

    def get_correction_reason(self, invoice) -> str | None:
        return invoice.correction_reason if invoice.is_corrective else None

    def get_void_reason(self, invoice) -> str | None:
        return invoice.void_reason if invoice.status == Invoice.Status.VOIDED else None

    def get_verifactu(self, invoice) -> dict | None:
        # The latest: a record sent again after a rejection stands for the invoice.
        alta = (getattr(invoice, "alta_records", None) or [None])[-1]
        return VerifactuOutput.nested(self.context).render(alta)

    def get_payments(self, invoice) -> list:
        context = {**self.context, "invoice": invoice}
        return PaymentOutput.nested(context).render_many(invoice.payment_list)


# -- input --------------------------------------------------------------------------------


class LineInput(InputSerializer):
    description = serializers.CharField(
        max_length=2000, validators=[validate_description_line_breaks]
    )
    # At most 12 integer digits (max_digits − decimal_places): one request cannot overflow.
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    discount_percent = percent_field(required=False, default=Decimal("0"))
    iva_percent = percent_field(required=False, validators=[validate_iva_rate])
    treatment = serializers.ChoiceField(choices=taxes.TREATMENTS, required=False)

    plain_inputs = True


class LinesInput(InputSerializer):
    """An input with `lines`, which hand-written XML may send without type="array"."""

    def to_internal_value(self, data):
        # XML without type="array": <lines><line>…</line><line>…</line></lines>.
        if isinstance(data, dict) and isinstance(data.get("lines"), dict):
            inner = data["lines"].get("line", [])
            data = {**data, "lines": inner if isinstance(inner, list) else [inner]}
        return super().to_internal_value(data)

    to_internal_value.plain_inputs_unchanged = True  # `lines` a list: as it came


class InvoiceInput(LinesInput):
    plain_inputs = True
    number = serializers.CharField(
        max_length=numbering.MAX_LENGTH, allow_blank=True, required=False,
        validators=[numbering.validate_number],
    )
    series = serializers.CharField(
        max_length=numbering.SERIES_MAX_LENGTH, allow_blank=True, required=False,
        validators=[numbering.validate_series],
    )
    status = serializers.ChoiceField(choices=Invoice.Status.values, required=False)
    draft = serializers.BooleanField(required=False, allow_null=True)
    simplified = serializers.BooleanField(required=False, allow_null=True)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    issue_date = serializers.DateField(required=False, allow_null=True)
    operation_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    client_id = serializers.IntegerField(required=False, min_value=1)
    discount_percent = percent_field(required=False)
    irpf_percent = percent_field(required=False)
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    footer = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    lines = LineInput(many=True, required=False, max_length=MAX_LINES, allow_empty=True)
    paid = serializers.BooleanField(required=False, allow_null=True)



class CorrectionInput(LinesInput):
    plain_inputs = True
    reason = serializers.CharField(max_length=2000)
    correction_type = serializers.ChoiceField(
        choices=("R1", "R2", "R3", "R4", "R5"), required=False, allow_blank=True
    )
    method = serializers.ChoiceField(choices=Invoice.Method.values, required=False,
                                     allow_blank=True)
    lines = LineInput(many=True, required=False, max_length=MAX_LINES, allow_empty=False)
    issue_date = serializers.DateField(required=False, allow_null=True)


class VoidInput(InputSerializer):
    plain_inputs = True
    reason = serializers.CharField(max_length=2000)


class PaymentInput(InputSerializer):
    plain_inputs = True
    amount = money_field(max_digits=14)
    date = serializers.DateField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=Payment.Method.choices, required=False)
    notes = serializers.CharField(max_length=2000, allow_blank=True, required=False)
