"""The two documents of an invoice: `…/facturae.xml` (unsigned) and `…/facturae.xsig`
(signed). The suffix names the document, not a representation: an error on either is said in
JSON, as on the invoice's `.pdf`."""

import re

from rest_framework import renderers

from facturae import services
from facturagem.api.renderers import JSONRenderer

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


def filename(invoice, extension: str) -> str:
    """`2026/0041` → `facturae-2026-0041.xsig`: characters safe in a header and a file
    system only."""
    return f"facturae-{_UNSAFE.sub('-', invoice.number) or invoice.pk}.{extension}"


class FacturaeRenderer(renderers.BaseRenderer):
    """The unsigned FacturaE 3.2.2 document. `build` makes it (the view calls the renderer's
    builder, so that the suffix alone picks the document)."""

    media_type = "application/xml"
    format = "xml"
    charset = None  # the document declares its own encoding (UTF-8)
    render_style = "binary"
    extension = "xml"

    @staticmethod
    def build(invoice) -> bytes:
        return services.facturae_xml(invoice=invoice)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code != 200:
            response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)
        return data


class SignedFacturaeRenderer(FacturaeRenderer):
    """The same document signed XAdES-EPES: `.xsig`, the extension FACe and the government's
    tools give a signed FacturaE file (still XML)."""

    format = "xsig"
    extension = "xsig"

    @staticmethod
    def build(invoice) -> bytes:
        return services.facturae_signed(invoice=invoice)
