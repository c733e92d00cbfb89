"""Voiding an invoice issued by mistake: POST …/invoices/:id/void.:fmt (CONTRACT §8). The
invoice stays readable, its number stays consumed, its PDF says ANULADA, and a cancellation
record (RegistroAnulacion) joins the chain."""

import datetime
import io

import pytest
from defusedxml.ElementTree import fromstring
from pypdf import PdfReader

from invoices.models import Invoice
from invoices.services import (
    NOT_ISSUED,
    NOT_ON_A_VOIDED,
    VOID_WITH_CORRECTIONS,
    VOID_WITH_PAYMENTS,
    VOIDED_IS_FINAL,
)
from tests.factories import make_client, make_invoice, pay
from verifactu import schema
from verifactu.models import Record

YEAR = datetime.date.today().year


def void_url(persona, invoice, suffix=".json") -> str:
    return f"/api/v1/accounts/{persona.account.pk}/invoices/{invoice.pk}/void{suffix}"


def void(api, persona, invoice, body=None, suffix=".json", **options):
    body = {"reason": "Emitida por error"} if body is None else body
    return api.send("POST", void_url(persona, invoice, suffix), body, key=persona.api_key,
                    **options)


@pytest.fixture
def mistake(alice):
    return make_invoice(alice.account, make_client(alice.account))


def test_a_voided_invoice_stays_readable_and_says_why(api, alice, mistake):
    response = void(api, alice, mistake)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["void_reason"], body["number"]) == (
        "voided", "Emitida por error", mistake.number)
    assert body["voided_at"] is not None
    assert {"corrections", "void"}.isdisjoint(link["rel"] for link in body["links"])


def test_voiding_chains_a_cancellation_record_that_validates(api, alice, mistake):
    void(api, alice, mistake)

    alta, anulacion = Record.objects.filter(invoice=mistake).order_by("position")
    assert (anulacion.kind, anulacion.previous_id) == ("anulacion", alta.pk)
    assert (anulacion.total_tax, anulacion.total_amount, anulacion.invoice_type) == (
        None, None, "")
    schema.validate(anulacion.xml.encode())
    assert f"<sum1:NumSerieFacturaAnulada>{mistake.number}<" in anulacion.xml


def test_the_number_of_a_voided_invoice_is_never_given_again(api, alice, mistake):
    void(api, alice, mistake)

    following = make_invoice(alice.account, mistake.client)

    assert following.number == f"{YEAR}/0002"


def test_the_pdf_of_a_voided_invoice_says_anulada(api, alice, mistake):
    void(api, alice, mistake)

    pdf = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/invoices/{mistake.pk}.pdf",
                   key=alice.api_key)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "ANULADA" in text


def test_a_voided_invoice_is_final(api, alice, mistake):
    void(api, alice, mistake)
    url = f"/api/v1/accounts/{alice.account.pk}/invoices/{mistake.pk}.json"

    changed = api.send("PUT", url, {"notes": "x"}, key=alice.api_key)
    deleted = api.send("DELETE", url, key=alice.api_key)
    paid = api.send("POST", url.replace(".json", "/payments.json"), {"amount": "1"},
                    key=alice.api_key)
    again = void(api, alice, mistake)

    assert (changed.status_code, changed.json()["errors"]) == (422, {"base": [VOIDED_IS_FINAL]})
    assert deleted.status_code == 422
    assert (paid.status_code, paid.json()["errors"]) == (422, {"base": [NOT_ON_A_VOIDED]})
    assert (again.status_code, again.json()["errors"]) == (
        422, {"base": [NOT_ISSUED.format(action="voided")]})
    assert Record.objects.filter(invoice=mistake).count() == 2


def test_an_invoice_with_payments_was_a_sale_and_is_corrected_not_voided(api, alice, mistake):
    pay(mistake, "10.00")

    response = void(api, alice, mistake)

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [VOID_WITH_PAYMENTS]}
    assert Invoice.objects.get(pk=mistake.pk).status == "issued"


def test_an_invoice_with_corrections_is_not_voided(api, alice, mistake):
    api.send("POST", void_url(alice, mistake).replace("void", "corrections"),
             {"reason": "Devolución"}, key=alice.api_key)

    response = void(api, alice, mistake)

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [VOID_WITH_CORRECTIONS]}


def test_a_draft_is_deleted_not_voided(api, alice, mistake):
    draft = make_invoice(alice.account, mistake.client, draft=True)

    response = void(api, alice, draft)

    assert response.status_code == 422
    assert not Record.objects.filter(invoice=draft).exists()


def test_a_reason_is_required(api, alice, mistake):
    response = void(api, alice, mistake, {})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["reason"]
    assert Invoice.objects.get(pk=mistake.pk).status == "issued"


def test_voiding_in_xml(api, alice, mistake):
    body = b'<?xml version="1.0" encoding="UTF-8"?><void><reason>Duplicada</reason></void>'

    response = void(api, alice, mistake, body, ".xml", content_type="application/xml")

    assert response.status_code == 200, response.content
    root = fromstring(response.content)
    assert (root.tag, root.findtext("status"), root.findtext("void-reason")) == (
        "invoice", "voided", "Duplicada")


def test_with_verifactu_off_a_void_leaves_no_record(api, alice, mistake):
    alice.account.verifactu = False
    alice.account.save()
    legacy = make_invoice(alice.account, mistake.client)

    response = void(api, alice, legacy)

    assert response.status_code == 200
    assert not Record.objects.filter(invoice=legacy).exists()


def test_bob_cannot_void_alices_invoice(api, alice, bob, mistake):
    response = api.send("POST", f"/api/v1/accounts/{bob.account.pk}/invoices/{mistake.pk}"
                        "/void.json", {"reason": "Mía"}, key=bob.api_key)

    assert response.status_code == 404
    assert Invoice.objects.get(pk=mistake.pk).status == "issued"
