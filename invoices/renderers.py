"""`GET …/invoices/:id.pdf`: the invoice's own representation, rendered as a PDF."""

from rest_framework import renderers

from countries.data import country_name
from facturagem.api.renderers import JSONRenderer
from invoices.pdf import InvoicePdf, PdfLine, PdfParty, PdfTaxRow, render_invoice_pdf

PARTY_FIELDS = ("name", "tax_id", "street1", "street2", "postal_code", "city", "province")


def party(data: dict, prefix: str, locale: str) -> PdfParty:
    return PdfParty(
        **{name: data[f"{prefix}_{name}"] or "" for name in PARTY_FIELDS},
        country=country_name(data[f"{prefix}_country"], locale),
    )


def invoice_pdf_from(data: dict, locale: str) -> InvoicePdf:
    """The wire representation (InvoiceOutput data) → the PDF renderer's input."""
    return InvoicePdf(
        number=data["number"],
        series="",
        issue_date=data["issue_date"],
        operation_date=data["operation_date"],
        due_date=data["due_date"],
        issuer=party(data, "account", locale),
        client=party(data, "client", locale),  # (a simplified invoice may have none)
        lines=[PdfLine(**{k: v for k, v in line.items() if k != "treatment"})
               for line in data["lines"]],
        taxes=[PdfTaxRow(**{k: v for k, v in row.items() if k != "treatment"})
               for row in data["taxes"]],
        **{
            name: data[name]
            for name in (
                "subtotal", "discount_percent", "discount", "tax_base", "iva", "surcharge",
                "irpf_percent", "irpf", "total", "paid", "paid_amount", "outstanding",
                "currency", "notes", "footer",
            )
        },
        iban=data.get("account_iban") or "",
    )


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
            response["Content-Disposition"] = (
                f'inline; filename="factura-{data["number"].replace("/", "-")}.pdf"'
            )
        return pdf
