"""Corrective invoices: POST /api/v1/accounts/:account_id/invoices/:id/corrections.:fmt
(CONTRACT §8, RD 1619/2012 art. 15): by differences or by substitution, R1–R5, in the
account's corrective series, each with its own record; correctives of correctives."""

import datetime
import io

import pytest
from defusedxml.ElementTree import fromstring
from pypdf import PdfReader

from facturagem.api.params import UNEXPECTED_PARAM
from invoices.models import Invoice
from invoices.services import (
    CORRECT_A_DRAFT,
    CORRECTION_TYPE_SIMPLIFIED,
    NOT_ISSUED,
    invoice_create,
)
from tests.factories import line, make_client, make_invoice
from verifactu import schema
from verifactu.models import Record

XML = "application/xml"
YEAR = datetime.date.today().year


def corrections_url(persona, invoice, suffix=".json", account_id=None) -> str:
    account = account_id or persona.account.pk
    return f"/api/v1/accounts/{account}/invoices/{invoice.pk}/corrections{suffix}"


def correct(api, persona, invoice, body, suffix=".json", **options):
    return api.send("POST", corrections_url(persona, invoice, suffix), body,
                    key=persona.api_key, **options)


@pytest.fixture
def original(alice):
    """2 × 100.00 at 21 % and 1 × 50.00 at 10 %, under recargo: 200 + 42 + 10.40 + 50 + 5
    + 0.70 = 308.10."""
    client = make_client(alice.account, equivalence_surcharge=True)
    return make_invoice(alice.account, client, lines=[
        line("Tornillos", "2", "100"), line("Pan", "1", "50", iva_percent="10"),
    ])


def record_of(invoice_id: int) -> Record:
    return Record.objects.get(invoice_id=invoice_id, kind="alta")


def test_a_full_reversal_by_differences_is_the_default(api, alice, original):
    response = correct(api, alice, original, {"reason": "Devolución de toda la mercancía"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert response["Location"].endswith(f"/invoices/{body['id']}-r{YEAR}-0001.json")
    assert body["number"] == f"R{YEAR}/0001"
    assert body["series"] == "R"
    assert (body["invoice_type"], body["correction_type"], body["correction_method"]) == (
        "R1", "R1", "differences")
    assert body["correction_reason"] == "Devolución de toda la mercancía"
    assert body["corrects"] == {"id": original.pk, "number": original.number,
                                "issue_date": original.issue_date.isoformat()}
    assert [(li["quantity"], li["total"]) for li in body["lines"]] == [
        ("-2.000", "-200.00"), ("-1.000", "-50.00")]
    assert (body["iva"], body["surcharge"], body["total"]) == ("-47.00", "-11.10", "-308.10")


def test_the_reversals_record_is_an_r1_by_differences_naming_the_original(api, alice, original):
    body = correct(api, alice, original, {"reason": "Devolución"}).json()

    record = record_of(body["id"])
    assert (record.invoice_type, record.total_tax, record.total_amount) == (
        "R1", "-58.10", "-308.10")
    xml = record.xml
    schema.validate(xml.encode())
    assert "<sum1:TipoRectificativa>I</sum1:TipoRectificativa>" in xml
    assert f"<sum1:NumSerieFactura>{original.number}</sum1:NumSerieFactura>" in xml
    assert "ImporteRectificacion" not in xml
    assert record.previous.invoice_id == original.pk


def test_a_partial_correction_by_differences_sends_the_amounts_to_add_or_take(
    api, alice, original
):
    response = correct(api, alice, original, {
        "reason": "Descuento por pronto pago no aplicado",
        "lines": [{"description": "Descuento", "quantity": "1", "unit_price": "-20"}],
    })

    assert response.status_code == 200, response.content
    assert response.json()["total"] == "-25.24"  # −20 − 4.20 IVA − 1.04 recargo


def test_a_correction_by_substitution_carries_the_right_amounts_and_the_originals(
    api, alice, original
):
    response = correct(api, alice, original, {
        "reason": "Precio mal aplicado",
        "method": "substitution",
        "correction_type": "R4",
        "lines": [
            {"description": "Tornillos", "quantity": "2", "unit_price": "90"},
            {"description": "Pan", "quantity": "1", "unit_price": "50", "iva_percent": "10"},
        ],
    })

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["correction_type"], body["correction_method"], body["total"]) == (
        "R4", "substitution", "282.86")
    xml = record_of(body["id"]).xml
    schema.validate(xml.encode())
    assert "<sum1:TipoRectificativa>S</sum1:TipoRectificativa>" in xml
    assert ("<sum1:ImporteRectificacion><sum1:BaseRectificada>250.00</sum1:BaseRectificada>"
            "<sum1:CuotaRectificada>47.00</sum1:CuotaRectificada>"
            "<sum1:CuotaRecargoRectificado>11.10</sum1:CuotaRecargoRectificado>") in xml


def test_correctives_are_numbered_in_their_own_gap_free_series(api, alice, original):
    other = make_invoice(alice.account, original.client)
    numbers = [
        correct(api, alice, invoice, {"reason": "Error"}).json()["number"]
        for invoice in (original, other, original)
    ]
    ordinary = make_invoice(alice.account, original.client)

    assert numbers == [f"R{YEAR}/0001", f"R{YEAR}/0002", f"R{YEAR}/0003"]
    assert ordinary.number == f"{YEAR}/0003"


def test_the_account_names_its_corrective_series(api, alice, original):
    api.send("PUT", f"/api/v1/accounts/{alice.account.pk}.json", {"corrective_series": "RECT"},
             key=alice.api_key)

    body = correct(api, alice, original, {"reason": "Error"}).json()

    assert (body["series"], body["number"]) == ("RECT", f"RECT{YEAR}/0001")


def test_a_corrective_may_itself_be_corrected(api, alice, original):
    first = correct(api, alice, original, {"reason": "Devolución"}).json()
    corrective = Invoice.objects.get(pk=first["id"])

    response = correct(api, alice, corrective, {"reason": "La devolución no llegó"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["corrects"]["number"] == first["number"]
    assert body["total"] == "308.10"


@pytest.mark.parametrize("kind", ["R1", "R2", "R3", "R4"])
def test_every_corrective_type_of_a_full_invoice_is_accepted(api, alice, original, kind):
    response = correct(api, alice, original, {"reason": "Motivo", "correction_type": kind})

    assert response.status_code == 200, response.content
    assert record_of(response.json()["id"]).invoice_type == kind


def test_a_simplified_invoice_is_corrected_by_an_r5_without_recipient(api, alice):
    ticket = make_simplified(alice)

    response = correct(api, alice, ticket, {"reason": "Devolución del ticket"})

    assert response.status_code == 200, response.content
    record = record_of(response.json()["id"])
    assert record.invoice_type == "R5" and "Destinatarios" not in record.xml
    refused = correct(api, alice, ticket, {"reason": "Otra", "correction_type": "R1"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"correction_type": [CORRECTION_TYPE_SIMPLIFIED]}


def make_simplified(persona) -> Invoice:
    return invoice_create(account=persona.account, client=None,
                          lines=[line("Café", "2", "1.5", iva_percent="10")],
                          data={"simplified": True})


def test_r5_is_refused_for_a_full_invoice(api, alice, original):
    response = correct(api, alice, original, {"reason": "x", "correction_type": "R5"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"correction_type": [CORRECTION_TYPE_SIMPLIFIED]}


def test_a_draft_is_not_corrected(api, alice, original):
    draft = make_invoice(alice.account, original.client, draft=True)

    response = correct(api, alice, draft, {"reason": "x"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [CORRECT_A_DRAFT]}


def test_a_voided_invoice_is_not_corrected(api, alice, original):
    api.send("POST", corrections_url(alice, original).replace("corrections", "void"),
             {"reason": "Emitida por error"}, key=alice.api_key)

    response = correct(api, alice, original, {"reason": "x"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [NOT_ISSUED.format(action="corrected")]}


def test_a_reason_is_required_and_unknown_parameters_are_422(api, alice, original):
    missing = correct(api, alice, original, {})
    unknown = correct(api, alice, original, {"reason": "x", "bogus": "1"})

    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["reason"]
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"bogus": [UNEXPECTED_PARAM]}
    assert "method" in unknown.json()["allowed_params"]
    assert not Invoice.objects.filter(corrects=original).exists()


def test_a_correction_in_xml_answers_in_xml(api, alice, original):
    body = (b'<?xml version="1.0" encoding="UTF-8"?><correction><reason>Devolucion</reason>'
            b'<method>differences</method></correction>')

    response = correct(api, alice, original, body, ".xml", content_type=XML)

    assert response.status_code == 200, response.content
    root = fromstring(response.content)
    assert root.tag == "invoice"
    assert root.findtext("correction-type") == "R1"
    assert root.find("corrects/number").text == original.number


def test_the_corrective_pdf_says_what_it_corrects(api, alice, original):
    body = correct(api, alice, original, {"reason": "Devolución"}).json()
    pdf = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/invoices/{body['id']}.pdf",
                   key=alice.api_key)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Factura rectificativa" in text
    assert f"Factura rectificada {original.number}, expedida el" in " ".join(text.split())


def test_corrections_of_the_legacy_kind_work_with_verifactu_off(api, alice, original):
    alice.account.verifactu = False
    alice.account.save()
    legacy = make_invoice(alice.account, original.client)

    response = correct(api, alice, legacy, {"reason": "Error"})

    assert response.status_code == 200, response.content
    assert response.json()["verifactu"] is None
    assert not Record.objects.filter(invoice_id=response.json()["id"]).exists()


def test_bob_cannot_correct_alices_invoice(api, alice, bob, original):
    response = api.send("POST", corrections_url(bob, original), {"reason": "Mía"},
                        key=bob.api_key)
    through_alice = api.send("POST", corrections_url(alice, original), {"reason": "Mía"},
                             key=bob.api_key)

    assert response.status_code == 404
    assert through_alice.status_code == 404
    assert not Invoice.objects.filter(corrects=original).exists()


def test_corrections_is_post_only(api, alice, original):
    response = api.send("GET", corrections_url(alice, original), key=alice.api_key)

    assert response.status_code == 405
