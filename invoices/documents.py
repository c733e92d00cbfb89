"""Invoice PDFs outside the API (the admin's "download PDF" action), built by the same code
path as `GET …/invoices/:id.pdf`: the `InvoiceOutput` representation → `invoice_pdf_from`
→ `render_invoice_pdf`. One PDF layout, whoever asks for it."""

import io
import re
import zipfile
from collections.abc import Iterable

from django.db.models import QuerySet

from facturagem.api.links import Linker
from facturagem.http import content_disposition
from invoices.models import Invoice
from invoices.pdf import render_invoice_pdf
from invoices.renderers import invoice_pdf_from
from invoices.renderers import pdf_filename as download_filename
from invoices.selectors import with_representation
from invoices.serializers import InvoiceOutput

PDF_CONTENT_TYPE = "application/pdf"
ZIP_CONTENT_TYPE = "application/zip"
_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


def with_details(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """What a representation needs, in a fixed number of queries for any number of invoices
    (the same prefetches as `selectors.invoice_get`)."""
    return with_representation(queryset.select_related("account"))


def invoice_representation(invoice: Invoice, *, request) -> dict:
    """`InvoiceOutput` data, as the API would render it to `request` (links included).

    `invoice` must come from `with_details` (it carries `line_list` and `payment_list`)."""
    context = {"request": request, "links": Linker(request), "account": invoice.account}
    return InvoiceOutput(invoice, context=context).data


def invoice_pdf(invoice: Invoice, *, request, locale: str = "es") -> bytes:
    data = invoice_representation(invoice, request=request)
    return render_invoice_pdf(invoice_pdf_from(data, locale), locale=locale)


def pdf_filename(invoice: Invoice) -> str:
    """A zip entry's name: the API's (`2026/0041` → `factura-2026-0041.pdf`) reduced to
    characters that are safe in any zip tool and file system."""
    return f"factura-{_UNSAFE.sub('-', invoice.number or 'borrador')}.pdf"


def pdf_content_disposition(invoice: Invoice, *, inline: bool) -> str:
    """The same `Content-Disposition` as `GET …/invoices/:id.pdf` gives (any number is safe
    in it: quotes, line breaks and non-ASCII are handled by `content_disposition`)."""
    return content_disposition(download_filename(invoice.number), inline=inline)


def zip_content_disposition() -> str:
    return content_disposition("facturas.zip", inline=False)


def invoices_zip(invoices: Iterable[Invoice], *, request, locale: str = "es") -> bytes:
    """A zip of PDFs. Numbers repeat across accounts and years (`2026/0001`): a repeated
    file name gets the invoice id appended."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            name = pdf_filename(invoice)
            if name in used:
                name = f"{name.removesuffix('.pdf')}-{invoice.pk}.pdf"
            used.add(name)
            archive.writestr(name, invoice_pdf(invoice, request=request, locale=locale))
    return buffer.getvalue()
