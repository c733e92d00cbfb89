"""`GET …/invoices/:id.pdf`: the invoice's own representation, rendered as a PDF."""

import dataclasses
import datetime

from rest_framework import renderers

from countries.data import country_name
from facturagem.api.renderers import JSONRenderer
from facturagem.http import content_disposition
from invoices.pdf import (
    InvoicePdf,
    PdfCorrected,
    PdfLine,
    PdfParty,
    PdfTaxRow,
    render_invoice_pdf,
)

PARTY_FIELDS = ("name", "tax_id", "street1", "street2", "postal_code", "city", "province")
LINE_FIELDS = tuple(field.name for field in dataclasses.fields(PdfLine))
TAX_FIELDS = tuple(field.name for field in dataclasses.fields(PdfTaxRow))
FIGURES = (
    "subtotal", "discount_percent", "discount", "tax_base", "iva", "surcharge",
    "irpf_percent", "irpf", "total", "paid", "paid_amount", "outstanding",
)


def party(data: dict, prefix: str, locale: str) -> PdfParty:
    return PdfParty(
        **{name: data.get(f"{prefix}_{name}") or "" for name in PARTY_FIELDS},
        country=country_name(data.get(f"{prefix}_country") or "", locale),
    )


def _known(item: dict, names: tuple[str, ...]) -> dict:
    """The keys the renderer knows: a representation may carry more, or fewer (then the
    dataclass's default applies, e.g. a line's `treatment`)."""
    return {name: item[name] for name in names if name in item}


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _corrected(value: dict | None) -> PdfCorrected | None:
    if not value:
        return None
    return PdfCorrected(number=value.get("number") or "", issue_date=_date(value.get("issue_date")))


def invoice_pdf_from(data: dict, locale: str) -> InvoicePdf:
    """The wire representation (InvoiceOutput data) → the PDF renderer's input.

    The legal record's keys (status, series, invoice_type, corrects…, verifactu) are read
    with defaults, so that a representation without them prints an ordinary issued invoice.
    """
    corrects = _corrected(data.get("corrects"))
    invoice_type = data.get("invoice_type") or (
        (data.get("correction_type") or "R1") if corrects else "F1"
    )
    has_client = "client_id" not in data or data["client_id"] is not None
    verifactu = data.get("verifactu") or {}
    return InvoicePdf(
        number=data.get("number") or "",
        series=data.get("series") or "",
        issue_date=_date(data.get("issue_date")),
        operation_date=_date(data.get("operation_date")),
        due_date=_date(data.get("due_date")),
        issuer=party(data, "account", locale),
        client=party(data, "client", locale) if has_client else None,
        lines=[PdfLine(**_known(line, LINE_FIELDS)) for line in data["lines"]],
        taxes=[PdfTaxRow(**_known(row, TAX_FIELDS)) for row in data["taxes"]],
        **{name: data[name] for name in FIGURES},
        currency=data.get("currency") or "EUR",
        notes=data.get("notes") or "",
        footer=data.get("footer") or "",
        iban=data.get("account_iban") or "",
        invoice_type=invoice_type,
        status=data.get("status") or "issued",
        void_reason=data.get("void_reason") or "",
        corrects=corrects,
        correction_type=data.get("correction_type") or "",
        correction_method=data.get("correction_method") or "",
        correction_reason=data.get("correction_reason") or "",
        qr_url=verifactu.get("qr_url") or None,
    )


def pdf_filename(number: str | None) -> str:
    """`2026/0041` → `factura-2026-0041.pdf` (content_disposition makes any number safe)."""
    return f"factura-{number}.pdf" if number else "factura-borrador.pdf"


class InvoicePDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code != 200:
            # An error on a .pdf URL is said in JSON, not as a broken PDF.
            response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)  # the same bytes as every other JSON error
        request = context.get("request")
        locale = request.query_params.get("locale", "es") if request is not None else "es"
        pdf = render_invoice_pdf(invoice_pdf_from(data, locale), locale=locale)
        if response is not None:
            response["Content-Disposition"] = content_disposition(pdf_filename(data.get("number")))
        return pdf
