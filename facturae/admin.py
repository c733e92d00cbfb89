"""Staff download an invoice's FacturaE documents from its admin page (the links are in
invoices/admin.py, "FacturaE"); the same services as the API, so the same documents. What the
API answers with a 422 is said here as a message on the invoice's page."""

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from facturae import services
from facturae.renderers import filename
from facturae.views import KEYS_UNAVAILABLE
from facturagem.http import content_disposition
from invoices.models import Invoice
from invoices.selectors import with_representation

KINDS = {"xml": services.facturae_xml, "xsig": services.facturae_signed}


def download(request, invoice_id: int, kind: str) -> HttpResponse:
    invoice_admin = admin.site._registry[Invoice]
    invoice = with_representation(
        invoice_admin.get_queryset(request).select_related("account", "client", "corrects")
    ).filter(pk=invoice_id).first()
    if invoice is None or kind not in KINDS:
        raise Http404
    if not invoice_admin.has_view_permission(request, invoice):
        raise PermissionDenied
    try:
        document = KINDS[kind](invoice=invoice)
    except (ValidationError, ImproperlyConfigured) as error:
        problems = (error.messages if isinstance(error, ValidationError)
                    else [KEYS_UNAVAILABLE])
        for problem in problems:
            messages.error(request, f"FacturaE: {problem}")
        return HttpResponseRedirect(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    response = HttpResponse(document, content_type="application/xml")
    response["Content-Disposition"] = content_disposition(filename(invoice, kind), inline=False)
    return response


urlpatterns = [
    path("<int:invoice_id>/facturae.<str:kind>", admin.site.admin_view(download),
         name="admin-invoice-facturae"),
]
