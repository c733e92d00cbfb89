from django.core.exceptions import ImproperlyConfigured
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from facturae.renderers import FacturaeRenderer, SignedFacturaeRenderer, filename
from facturagem.api.views import AccountScopedView
from facturagem.http import content_disposition
from invoices import selectors

KEYS_UNAVAILABLE = (
    "This service cannot open stored certificates: its CERTIFICATE_ENCRYPTION_KEY is "
    "missing or wrong (contact its operator)"
)


class KeysUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = KEYS_UNAVAILABLE


class FacturaeView(AccountScopedView):
    """The invoice as a FacturaE 3.2.2 electronic invoice: `.xml` unsigned, `.xsig` signed
    XAdES-EPES with the account's certificate (CONTRACT §9). Drafts have none."""

    resource_name = "facturae"
    renderer_classes = [FacturaeRenderer, SignedFacturaeRenderer]
    http_method_names = ["get", "head", "options"]

    def get(self, request, account_id, invoice_id, format=None):
        invoice = selectors.invoice_get(account=self.get_account(), invoice_id=invoice_id)
        renderer = request.accepted_renderer
        try:
            document = renderer.build(invoice)
        except ImproperlyConfigured as error:  # crypto.KeyMissing, or a key that does not fit
            raise KeysUnavailable from error
        name = filename(invoice, renderer.extension)
        return Response(document, headers={"Content-Disposition": content_disposition(
            name, inline=False)})
