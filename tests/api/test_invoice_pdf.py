"""The invoice PDF on the wire: `GET …/invoices/:id.pdf` and the admin's download (one
`Content-Disposition`, safe for any number), what a representation's legal-record keys print,
and the input rule that bounds what one line may print (CONTRACT §3, §6, §8)."""

import datetime
import io
import zipfile

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils.http import parse_header_parameters
from pypdf import PdfReader

from invoices import documents
from invoices.models import Invoice
from invoices.pdf import MAX_DESCRIPTION_LINE_BREAKS, render_invoice_pdf
from invoices.renderers import invoice_pdf_from
from invoices.serializers import TOO_MANY_LINE_BREAKS
from tests.factories import line, make_client, make_invoice

QR_URL = (
    "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&numserie=R-2026%2F0001"
    "&fecha=02-03-2026&importe=-121.00"
)


@pytest.fixture
def acme(alice):
    return make_client(alice.account)


def pdf_url(persona, invoice) -> str:
    return f"/api/v1/accounts/{persona.account.pk}/invoices/{invoice.pk}.pdf"


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def downloaded_name(response) -> str:
    """The file name a browser saves: `filename*` when present, else `filename`."""
    value = response["Content-Disposition"]
    assert value.isascii() and value.isprintable(), value
    assert value.count("filename=") == 1 and value.count("filename*=") <= 1, value
    _, params = parse_header_parameters(value)
    return params["filename"]


def legacy_invoice(account, client) -> Invoice:
    """An invoice issued before VERI*FACTU (not frozen), as stored data may hold."""
    account.verifactu = False
    account.save(update_fields=["verifactu"])
    invoice = make_invoice(account, client)
    account.verifactu = True
    account.save(update_fields=["verifactu"])
    return invoice


def with_number(invoice: Invoice, number: str) -> Invoice:
    """A number as stored: the API took any text as a number until numbers were restricted
    to the AEAT's characters, and stored data (issued before VERI*FACTU) keeps it."""
    Invoice.objects.filter(pk=invoice.pk).update(number=number)
    invoice.refresh_from_db()
    return invoice


# -- Content-Disposition ---------------------------------------------------------------------

HOSTILE_NUMBERS = [
    ('2026"; filename*=UTF-8\'\'x.exe', "factura-2026\"; filename*=UTF-8''x.exe.pdf"),
    ("2026\r\n0007", "factura-2026 0007.pdf"),
    ("2026\n0007", "factura-2026 0007.pdf"),
    ("2026\u20280007", "factura-2026 0007.pdf"),
    ("Peña/2026-€", "factura-Peña-2026-€.pdf"),
    ("F" * 40, f"factura-{'F' * 40}.pdf"),
]


@pytest.mark.parametrize(("number", "saved_as"), HOSTILE_NUMBERS)
def test_the_pdf_of_an_invoice_with_any_number_downloads_under_one_safe_name(
    api, alice, acme, number, saved_as
):
    invoice = with_number(legacy_invoice(alice.account, acme), number)

    response = api.send("GET", pdf_url(alice, invoice), key=alice.api_key)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert downloaded_name(response) == saved_as


def test_an_ordinary_number_keeps_its_simple_header(api, alice, acme):
    invoice = make_invoice(alice.account, acme, number="2026/0041")

    response = api.send("GET", pdf_url(alice, invoice), key=alice.api_key)

    assert response["Content-Disposition"] == 'inline; filename="factura-2026-0041.pdf"'


@pytest.mark.parametrize(("number", "saved_as"), HOSTILE_NUMBERS)
def test_the_admins_pdf_of_an_invoice_with_any_number_downloads_under_the_same_name(
    admin_web, alice, acme, number, saved_as
):
    invoice = with_number(legacy_invoice(alice.account, acme), number)

    viewed = admin_web.get(reverse("admin:invoices_invoice_pdf", args=[invoice.pk]))
    downloaded = admin_web.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "download_pdf", "_selected_action": [str(invoice.pk)]},
    )

    assert viewed.status_code == downloaded.status_code == 200
    assert viewed["Content-Disposition"].startswith("inline; ")
    assert downloaded["Content-Disposition"].startswith("attachment; ")
    assert downloaded_name(viewed) == downloaded_name(downloaded) == saved_as


def test_the_admins_zip_names_its_pdfs_with_safe_characters(admin_web, alice, acme):
    first = with_number(legacy_invoice(alice.account, acme), "2026\r\n0001")
    second = with_number(legacy_invoice(alice.account, acme), 'Peña"2026')

    response = admin_web.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "download_pdf", "_selected_action": [str(first.pk), str(second.pk)]},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="facturas.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["factura-2026--0001.pdf", "factura-Pe-a-2026.pdf"]


# -- what a line may hold ----------------------------------------------------------------------


def create(api, persona, client, description: str):
    body = {
        "client_id": client.pk,
        "lines": [{"description": description, "quantity": "1", "unit_price": "10"}],
    }
    return api.send(
        "POST", f"/api/v1/accounts/{persona.account.pk}/invoices.json", body,
        key=persona.api_key,
    )


def test_a_description_with_more_line_breaks_than_allowed_is_422_on_the_line(api, alice, acme):
    description = "\n".join(["renglón"] * (MAX_DESCRIPTION_LINE_BREAKS + 2))

    response = create(api, alice, acme, description)

    assert response.status_code == 422
    assert TOO_MANY_LINE_BREAKS == "has too many line breaks (maximum is {max})"
    assert response.json()["errors"] == {
        "lines[0].description": [TOO_MANY_LINE_BREAKS.format(max=MAX_DESCRIPTION_LINE_BREAKS)]
    }
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("separator", ["\n", "\r\n", "\u2028"])
def test_the_line_breaks_a_description_may_hold_are_counted_as_printed(
    api, alice, acme, separator
):
    allowed = separator.join(["renglón"] * (MAX_DESCRIPTION_LINE_BREAKS + 1))
    too_many = separator.join(["renglón"] * (MAX_DESCRIPTION_LINE_BREAKS + 2))

    assert create(api, alice, acme, too_many).status_code == 422
    response = create(api, alice, acme, allowed)

    assert response.status_code == 200, response.content
    invoice = Invoice.objects.get(pk=response.json()["id"])
    pdf = api.send("GET", pdf_url(alice, invoice), key=alice.api_key)
    assert pdf_text(pdf.content).count("renglón") == MAX_DESCRIPTION_LINE_BREAKS + 1


def test_a_stored_description_with_too_many_line_breaks_still_prints_every_word(
    api, alice, acme
):
    invoice = make_invoice(
        alice.account, acme, lines=[line("\n".join(f"r{i}" for i in range(1000)))]
    )

    response = api.send("GET", pdf_url(alice, invoice), key=alice.api_key)

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert all(f"r{i} " in text for i in range(999))
    assert len(PdfReader(io.BytesIO(response.content)).pages) <= 3


# -- a representation's legal-record keys ----------------------------------------------------


def representation(invoice: Invoice) -> dict:
    request = RequestFactory().get("/")
    invoice = documents.with_details(Invoice.objects.filter(pk=invoice.pk)).get()
    return dict(documents.invoice_representation(invoice, request=request))


def test_a_representation_without_the_legal_record_keys_prints_an_ordinary_invoice(
    alice, acme
):
    data = representation(make_invoice(alice.account, acme, number="2026/0041"))
    for key in ("status", "series", "invoice_type", "corrects", "verifactu"):
        data.pop(key, None)

    pdf = invoice_pdf_from(data, "es")

    assert (pdf.status, pdf.invoice_type, pdf.series, pdf.qr_url) == ("issued", "F1", "", None)
    assert pdf.client is not None
    assert "FACTURA" in pdf_text(render_invoice_pdf(pdf))


def test_a_corrective_voided_representation_prints_what_its_keys_say(alice, acme):
    invoice = make_invoice(
        alice.account, acme, number="2026/0001", issue_date=datetime.date(2026, 3, 2),
        lines=[line("Devolución", "-1", "100")],
    )
    data = representation(invoice)
    data.update(
        status="voided",
        void_reason="Emitida por error",
        series="R",
        invoice_type="R2",
        corrects={"id": 7, "number": "2026/0007", "issue_date": datetime.date(2026, 2, 1)},
        correction_type="R2",
        correction_method="substitution",
        correction_reason="Concurso del cliente",
        verifactu={"hash": "AB12", "status": "pending", "qr_url": QR_URL, "csv": None},
    )
    data["lines"] = [{**data["lines"][0], "treatment": "S1", "position": 1}]
    data["taxes"] = [{**data["taxes"][0], "treatment": "S1"}]

    text = pdf_text(render_invoice_pdf(invoice_pdf_from(data, "es")))

    assert "FACTURA RECTIFICATIVA" in text
    assert "Serie R" in text
    assert "Factura rectificada 2026/0007, expedida el 1/2/2026" in text
    assert "R2 · Art. 80.3 LIVA (concurso de acreedores)" in text
    assert "Método Por sustitución" in text
    assert "Motivo Concurso del cliente" in text
    assert "Motivo de la anulación Emitida por error" in text
    assert "QR tributario:" in text and "VERI*FACTU" in text


def test_a_representation_with_iso_dates_and_treatments_prints_them(alice, acme):
    data = representation(make_invoice(alice.account, acme, lines=[line(iva_percent="0")]))
    data.update(
        issue_date="2026-03-02", corrects={"id": 1, "number": "A-1", "issue_date": "2026-01-31"},
        invoice_type=None,
    )
    data["lines"] = [{**data["lines"][0], "treatment": "E5"}]
    data["taxes"] = [{**data["taxes"][0], "treatment": "E5"}]

    pdf = invoice_pdf_from(data, "es")
    text = pdf_text(render_invoice_pdf(pdf))

    assert pdf.invoice_type == "R1"  # corrects without a type: the default correction
    assert "Factura rectificada A-1, expedida el 31/1/2026" in text
    assert "Exenta (art. 25)" in text
    assert "Entrega intracomunitaria exenta por el art. 25 LIVA" in text


def test_a_representation_without_a_client_prints_no_client_box(alice, acme):
    data = representation(make_invoice(alice.account, acme))
    data.update(client_id=None, invoice_type="F2")

    text = pdf_text(render_invoice_pdf(invoice_pdf_from(data, "es")))

    assert "FACTURA SIMPLIFICADA" in text
    assert "CLIENTE" not in text
    assert acme.name not in text


def test_a_draft_representation_downloads_as_a_draft(alice, acme):
    data = representation(make_invoice(alice.account, acme))
    data.update(status="draft", number=None)

    text = pdf_text(render_invoice_pdf(invoice_pdf_from(data, "es")))

    assert "BORRADOR" in text
    assert "Número —" in text
