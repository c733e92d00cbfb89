"""Staff download an invoice's FacturaE documents from its admin page."""

from django.urls import reverse

from facturae.services import NO_CERTIFICATE
from tests.factories import make_invoice
from tests.facturae.conftest import valid_document


def test_an_invoice_page_links_to_both_documents_and_they_download(admin_web, signer):
    invoice = make_invoice(signer.account)
    page = admin_web.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    for kind in ("xml", "xsig"):
        url = reverse("admin-invoice-facturae", args=[invoice.pk, kind])
        assert url in page.content.decode()
        response = admin_web.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/xml"
        assert response["Content-Disposition"].endswith(f'.{kind}"')
        valid_document(response.content)


def test_what_the_api_refuses_is_a_message_on_the_invoice_page(admin_web, seller):
    invoice = make_invoice(seller.account)
    response = admin_web.get(reverse("admin-invoice-facturae", args=[invoice.pk, "xsig"]),
                             follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:invoices_invoice_change",
                                                     args=[invoice.pk])
    assert f"FacturaE: {NO_CERTIFICATE}" in [str(m) for m in response.context["messages"]]


def test_the_documents_are_for_staff_only(client, seller):
    invoice = make_invoice(seller.account)
    client.force_login(seller.user)
    response = client.get(reverse("admin-invoice-facturae", args=[invoice.pk, "xml"]))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_unknown_invoice_or_kind_is_404(admin_web, seller):
    invoice = make_invoice(seller.account)
    assert admin_web.get(reverse("admin-invoice-facturae", args=[999999, "xml"])
                         ).status_code == 404
    assert admin_web.get(reverse("admin-invoice-facturae", args=[invoice.pk, "pdf"])
                         ).status_code == 404
