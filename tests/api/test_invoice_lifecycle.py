"""Invoices as legal records (CONTRACT §8): the account's VERI*FACTU switch, drafts, issue,
and an issued invoice that no PUT or DELETE can change — with the switch on, which is how
every new account starts. Corrections, voids, series and records have modules of their own.
"""

import datetime
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring

from accounts.services import (
    VERIFACTU_KEEPS_NIF,
    VERIFACTU_NEEDS_NIF,
    VERIFACTU_OFF_WITH_RECORDS,
)
from invoices.models import Invoice, Payment
from invoices.services import (
    CANT_BACK_TO_DRAFT,
    CLIENT_REQUIRED,
    DELETE_REFUSED,
    DRAFT_HAS_NO_NUMBER,
    ISSUED_IS_FINAL,
    NOT_ON_A_DRAFT,
    VOID_THROUGH_ITS_ROUTE,
)
from tests.factories import line, make_client, make_invoice, pay
from verifactu.models import Record
from verifactu.services import (
    ISSUE_DATE_IN_FUTURE,
    ISSUE_DATE_TOO_OLD,
    ISSUER_TAX_ID_REQUIRED,
    NO_LINES,
    RECIPIENT_TAX_ID_REQUIRED,
)

XML = "application/xml"


def invoices_url(persona, suffix=".json") -> str:
    return f"/api/v1/accounts/{persona.account.pk}/invoices{suffix}"


def invoice_url(persona, invoice, suffix=".json") -> str:
    pk = invoice if isinstance(invoice, int) else invoice.pk
    return f"/api/v1/accounts/{persona.account.pk}/invoices/{pk}{suffix}"


def account_url(persona, suffix=".json") -> str:
    return f"/api/v1/accounts/{persona.account.pk}{suffix}"


def json_line(description="Consultoría", quantity="1", unit_price="100", **more):
    return {"description": description, "quantity": quantity, "unit_price": unit_price, **more}


@pytest.fixture
def acme(alice):
    return make_client(alice.account)


def create(api, persona, body, suffix=".json", **options):
    return api.send("POST", invoices_url(persona, suffix), body, key=persona.api_key, **options)


def read(api, persona, invoice) -> dict:
    response = api.send("GET", invoice_url(persona, invoice), key=persona.api_key)
    assert response.status_code == 200, response.content
    return response.json()


def put(api, persona, invoice, body, **options):
    return api.send("PUT", invoice_url(persona, invoice), body, key=persona.api_key, **options)


# -- the switch ---------------------------------------------------------------------------


def test_a_new_account_keeps_records(api, alice):
    body = api.send("GET", account_url(alice), key=alice.api_key).json()

    assert body["verifactu"] is True
    assert body["corrective_series"] == "R"


def test_switching_off_is_allowed_before_the_first_record_of_the_year(api, alice):
    response = api.send("PUT", account_url(alice), {"verifactu": False}, key=alice.api_key)

    assert response.status_code == 200
    alice.account.refresh_from_db()
    assert alice.account.verifactu is False


def test_switching_off_after_a_record_this_year_is_422(api, alice, acme):
    make_invoice(alice.account, acme)

    response = api.send("PUT", account_url(alice), {"verifactu": False}, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"verifactu": [VERIFACTU_OFF_WITH_RECORDS]}
    alice.account.refresh_from_db()
    assert alice.account.verifactu is True


def test_switching_on_needs_a_valid_spanish_nif(api, alice):
    alice.account.verifactu = False
    alice.account.tax_id = ""
    alice.account.save()

    response = api.send("PUT", account_url(alice), {"verifactu": True}, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"verifactu": [VERIFACTU_NEEDS_NIF]}
    ok = api.send("PUT", account_url(alice), {"verifactu": True, "tax_id": "B12345674"},
                  key=alice.api_key)
    assert ok.status_code == 200


def test_while_on_the_tax_id_stays_a_spanish_nif(api, alice):
    response = api.send("PUT", account_url(alice), {"tax_id": "FR40303265045", "country": "FR"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"tax_id": [VERIFACTU_KEEPS_NIF]}


# -- issuing with a record -------------------------------------------------------------------------


def test_a_legacy_create_issues_the_invoice_with_its_record_in_one_go(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "lines": [json_line()]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "issued"
    assert body["number"] == f"{datetime.date.today().year}/0001"
    record = Record.objects.get(invoice_id=body["id"])
    assert body["verifactu"] == {
        "hash": record.hash,
        "generated_at": record.generated_at,
        "status": "pending",
        "qr_url": body["verifactu"]["qr_url"],
        "csv": "",
    }
    assert record.kind == "alta" and record.invoice_type == "F1"
    assert record.total_amount == "121.00" and record.total_tax == "21.00"
    assert Invoice.objects.get(pk=body["id"]).frozen


def test_the_qr_url_carries_exactly_the_records_literals(api, alice, acme):
    body = create(api, alice, {"client_id": acme.pk, "lines": [json_line()]}).json()
    record = Record.objects.get(invoice_id=body["id"])

    assert body["verifactu"]["qr_url"] == (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?"
        f"nif=B12345674&numserie={record.invoice_number.replace('/', '%2F')}"
        f"&fecha={record.issue_date}&importe=121.00"
    )


def test_an_issued_invoice_in_xml_shows_its_status_and_record(api, alice, acme):
    invoice = make_invoice(alice.account, acme)

    response = api.send("GET", invoice_url(alice, invoice, ".xml"), key=alice.api_key)

    root = fromstring(response.content)
    assert root.findtext("status") == "issued"
    assert root.find("verifactu/hash").text == Record.objects.get(invoice=invoice).hash
    assert root.find("corrects").get("nil") == "true"


def test_an_account_without_a_nif_cannot_issue_under_verifactu(api, alice, acme):
    alice.account.tax_id = ""
    alice.account.save()

    response = create(api, alice, {"client_id": acme.pk, "lines": [json_line()]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [ISSUER_TAX_ID_REQUIRED]}
    assert not Invoice.objects.exists() and not Record.objects.exists()


def test_a_full_invoice_to_a_client_without_tax_id_is_422(api, alice):
    nameless = make_client(alice.account, tax_id="")

    response = create(api, alice, {"client_id": nameless.pk, "lines": [json_line()]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"client_id": [RECIPIENT_TAX_ID_REQUIRED]}


def test_an_issued_invoice_has_at_least_one_line(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk})

    assert response.status_code == 422
    assert response.json()["errors"] == {"lines": [NO_LINES]}


@pytest.mark.parametrize(
    ("issue_date", "message"),
    [
        (datetime.date.today() + datetime.timedelta(days=1), ISSUE_DATE_IN_FUTURE),
        (datetime.date(2024, 10, 27), ISSUE_DATE_TOO_OLD),
    ],
)
def test_issue_dates_the_aeat_refuses_are_422(api, alice, acme, issue_date, message):
    response = create(api, alice, {"client_id": acme.pk, "issue_date": issue_date.isoformat(),
                                   "lines": [json_line()]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"issue_date": [message]}


def test_a_temporary_rate_of_2024_is_refused_for_a_sale_of_today(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk,
                                   "lines": [json_line(iva_percent="5")]})

    assert response.status_code == 422
    assert "TipoImpositivo" in response.json()["errors"]["base"][0]


def test_a_temporary_rate_is_accepted_for_an_operation_of_its_time(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "operation_date": "2024-05-10",
                                   "lines": [json_line(iva_percent="5")]})

    assert response.status_code == 200, response.content
    assert response.json()["iva"] == "5.00"


# -- drafts ---------------------------------------------------------------------------


def test_a_draft_has_no_number_and_no_record(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "draft": True,
                                   "lines": [json_line()]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["number"], body["verifactu"]) == ("draft", "", None)
    assert not Record.objects.exists()


@pytest.mark.parametrize("flag", [{"status": "draft"}, {"draft": "true"}, {"draft": "1"}])
def test_status_draft_or_draft_true_make_a_draft(api, alice, acme, flag):
    response = create(api, alice, {"client_id": acme.pk, "lines": [json_line()], **flag})

    assert response.json()["status"] == "draft"


def test_a_draft_takes_any_change_and_may_have_no_lines(api, alice, acme):
    draft = create(api, alice, {"client_id": acme.pk, "draft": True}).json()

    response = put(api, alice, draft["id"], {"lines": [json_line("Nueva", "3", "10")],
                                             "notes": "Pendiente de revisar"})

    assert response.status_code == 200
    body = read(api, alice, draft["id"])
    assert (body["total"], body["notes"], body["status"]) == ("36.30", "Pendiente de revisar",
                                                              "draft")


def test_a_draft_is_issued_by_put_status_issued(api, alice, acme):
    draft = create(api, alice, {"client_id": acme.pk, "draft": True,
                                "lines": [json_line()]}).json()

    response = put(api, alice, draft["id"], {"status": "issued"})

    assert response.status_code == 200, response.content
    body = read(api, alice, draft["id"])
    assert body["status"] == "issued"
    assert body["number"] == f"{datetime.date.today().year}/0001"
    assert body["issue_date"] == datetime.date.today().isoformat()
    assert body["verifactu"]["status"] == "pending"


def test_a_draft_issued_with_changes_issues_what_was_sent(api, alice, acme):
    draft = create(api, alice, {"client_id": acme.pk, "draft": True}).json()

    response = put(api, alice, draft["id"], {"status": "issued", "number": "A-7",
                                             "lines": [json_line(unit_price="50")]})

    assert response.status_code == 200, response.content
    body = read(api, alice, draft["id"])
    assert (body["number"], body["total"]) == ("A-7", "60.50")
    assert Record.objects.get(invoice_id=draft["id"]).invoice_number == "A-7"


def test_a_draft_that_cannot_be_issued_stays_a_draft(api, alice, acme):
    draft = create(api, alice, {"client_id": acme.pk, "draft": True}).json()

    response = put(api, alice, draft["id"], {"status": "issued"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"lines": [NO_LINES]}
    assert read(api, alice, draft["id"])["status"] == "draft"


def test_a_draft_takes_no_number(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "draft": True, "number": "X-1"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [DRAFT_HAS_NO_NUMBER]}


def test_a_draft_is_deleted(api, alice, acme):
    draft = create(api, alice, {"client_id": acme.pk, "draft": True,
                                "lines": [json_line()]}).json()

    response = api.send("DELETE", invoice_url(alice, draft["id"]), key=alice.api_key)

    assert response.status_code == 200
    assert not Invoice.objects.filter(pk=draft["id"]).exists()


def test_a_draft_takes_no_payments(api, alice, acme):
    draft = make_invoice(alice.account, acme, draft=True)

    response = api.send("POST", invoice_url(alice, draft, "/payments.json"),
                        {"amount": "10"}, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [NOT_ON_A_DRAFT]}


def test_numbers_are_given_at_issue_so_drafts_leave_no_gaps(api, alice, acme):
    first_draft = make_invoice(alice.account, acme, draft=True)
    issued = make_invoice(alice.account, acme)
    put(api, alice, first_draft, {"status": "issued"})

    year = datetime.date.today().year
    assert issued.number == f"{year}/0001"
    assert Invoice.objects.get(pk=first_draft.pk).number == f"{year}/0002"


# -- an issued invoice does not change -------------------------------------------------------------


@pytest.fixture
def issued(alice, acme):
    return make_invoice(alice.account, acme, lines=[line(), line("Soporte", "2", "50")],
                        notes="Gracias")


@pytest.mark.parametrize(
    "change",
    [
        {"notes": "Otra nota"},
        {"number": "2026/9999"},
        {"issue_date": "2026-01-01"},
        {"due_date": "2027-01-01"},
        {"discount_percent": "5"},
        {"irpf_percent": "15"},
        {"lines": []},
        {"lines": [{"description": "Otra", "quantity": "1", "unit_price": "1"}]},
        {"footer": "Otro pie"},
        {"series": "B"},
        {"simplified": True},
    ],
)
def test_any_change_to_an_issued_invoice_is_422_and_changes_nothing(
    api, alice, issued, change
):
    before = read(api, alice, issued)

    response = put(api, alice, issued, change)

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {"base": [ISSUED_IS_FINAL]}
    assert read(api, alice, issued) == before


def test_changing_an_issued_invoices_client_is_422(api, alice, issued):
    other = make_client(alice.account, name="Otro SL", tax_id="A58818501")

    response = put(api, alice, issued, {"client_id": other.pk})

    assert response.status_code == 422
    assert Invoice.objects.get(pk=issued.pk).client_id == issued.client_id


def test_an_issued_invoice_read_and_put_back_whole_is_accepted(api, alice, issued):
    body = read(api, alice, issued)

    response = put(api, alice, issued, body)

    assert response.status_code == 200, response.content
    assert read(api, alice, issued)["updated_at"] == body["updated_at"]


def test_an_issued_invoice_read_in_xml_and_put_back_is_accepted(api, alice, issued):
    xml = api.send("GET", invoice_url(alice, issued, ".xml"), key=alice.api_key).content

    response = api.send("PUT", invoice_url(alice, issued, ".xml"), xml, key=alice.api_key,
                        content_type=XML)

    assert response.status_code == 200, response.content


def test_paid_is_what_a_put_may_still_change(api, alice, issued):
    response = put(api, alice, issued, {"paid": True})

    assert response.status_code == 200, response.content
    assert read(api, alice, issued)["paid"] is True
    assert put(api, alice, issued, {"paid": False}).status_code == 200
    assert not Payment.objects.filter(invoice=issued).exists()


def test_payments_are_registered_and_deleted_on_an_issued_invoice(api, alice, issued):
    payment = pay(issued, "50.00")

    response = api.send("DELETE", invoice_url(alice, issued, f"/payments/{payment.pk}.json"),
                        key=alice.api_key)

    assert response.status_code == 200
    assert read(api, alice, issued)["paid_amount"] == "0.00"


@pytest.mark.parametrize(("status", "message"), [("draft", CANT_BACK_TO_DRAFT),
                                                   ("voided", VOID_THROUGH_ITS_ROUTE)])
def test_an_issued_invoice_does_not_change_status_by_put(api, alice, issued, status, message):
    response = put(api, alice, issued, {"status": status})

    assert response.status_code == 422
    assert response.json()["errors"] == {"status": [message]}


@pytest.mark.parametrize("verb", ["DELETE", "DESTROY"])
def test_an_issued_invoice_is_not_deleted(api, alice, issued, verb):
    pay(issued, "10.00")

    response = api.send(verb, invoice_url(alice, issued), key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [DELETE_REFUSED]}
    assert Invoice.objects.filter(pk=issued.pk).exists()
    assert Payment.objects.filter(invoice=issued).count() == 1


def test_the_delete_refusal_says_so_in_rails_xml(api, alice, issued):
    response = api.send("DELETE", invoice_url(alice, issued, ".xml"), key=alice.api_key)

    assert response.status_code == 422
    assert b"corrections" in response.content


def test_switching_off_later_does_not_unfreeze_what_was_issued_under_it(api, alice, issued):
    Invoice.objects.filter(pk=issued.pk).update()  # nothing changes by merely touching it
    alice.account.verifactu = False
    alice.account.save()

    assert put(api, alice, issued, {"notes": "Ahora sí"}).status_code == 422
    assert api.send("DELETE", invoice_url(alice, issued), key=alice.api_key).status_code == 422


# -- simplified invoices (F2) ----------------------------------------------------------------------


def test_a_simplified_invoice_needs_no_client(api, alice):
    response = create(api, alice, {"simplified": True,
                                   "lines": [json_line("Café", "2", "1.50", iva_percent="10")]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["invoice_type"], body["simplified"], body["client_id"]) == ("F2", True, None)
    record = Record.objects.get(invoice_id=body["id"])
    assert record.invoice_type == "F2" and b"Destinatarios" not in record.xml.encode()
    assert "client" not in {link["rel"] for link in body["links"]}


def test_a_full_invoice_still_needs_its_client(api, alice):
    response = create(api, alice, {"lines": [json_line()]})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["client_id"]


def test_a_simplified_invoice_over_its_legal_limit_is_422(api, alice):
    response = create(api, alice, {"simplified": True,
                                   "lines": [json_line(unit_price="400")]})  # 484.00

    assert response.status_code == 422
    assert "400.00" in response.json()["errors"]["base"][0]
    alice.account.simplified_invoice_limit = Decimal("3000.00")
    alice.account.save()
    assert create(api, alice, {"simplified": True,
                               "lines": [json_line(unit_price="400")]}).status_code == 200


# -- tax treatments ---------------------------------------------------------------------------


def test_exempt_and_reverse_charged_lines_carry_no_iva(api, alice, acme):
    response = create(api, alice, {
        "client_id": acme.pk,
        "lines": [
            json_line("Formación reglada", treatment="E1"),
            json_line("Obra", "1", "300", treatment="S2"),
            json_line("Licencia", "1", "50"),
        ],
    })

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(row["treatment"], row["iva_percent"], row["base"], row["iva"])
            for row in body["taxes"]] == [
        ("S1", "21.00", "50.00", "10.50"),
        ("S2", "0.00", "300.00", "0.00"),
        ("E1", "0.00", "100.00", "0.00"),
    ]
    xml = Record.objects.get(invoice_id=body["id"]).xml
    assert "<sum1:OperacionExenta>E1</sum1:OperacionExenta>" in xml
    assert "<sum1:CalificacionOperacion>S2</sum1:CalificacionOperacion>" in xml


def test_an_untaxed_line_with_an_iva_rate_is_422(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk,
                                   "lines": [json_line(treatment="E1", iva_percent="21")]})

    assert response.status_code == 422
    assert "iva_percent must be 0" in response.json()["errors"]["lines"][0]


def test_a_service_to_an_eu_business_is_not_subject_and_names_its_vat_number(api, alice):
    berlin = make_client(alice.account, name="Bücher GmbH", tax_id="DE136695976", country="DE",
                         city="Berlin", province="", postal_code="10115")

    response = create(api, alice, {"client_id": berlin.pk,
                                   "lines": [json_line("Consultoría", treatment="N2")]})

    assert response.status_code == 200, response.content
    xml = Record.objects.get(invoice_id=response.json()["id"]).xml
    assert "<sum1:IDType>02</sum1:IDType><sum1:ID>DE136695976</sum1:ID>" in xml
    assert response.json()["total"] == "100.00"


def test_a_client_outside_the_eu_is_named_by_its_country_and_id(api, alice):
    boston = make_client(alice.account, name="Acme Inc", tax_id="12-3456789", country="US",
                         city="Boston", province="MA", postal_code="02110")

    response = create(api, alice, {"client_id": boston.pk,
                                   "lines": [json_line(treatment="N2")]})

    assert response.status_code == 200, response.content
    xml = Record.objects.get(invoice_id=response.json()["id"]).xml
    assert "<sum1:CodigoPais>US</sum1:CodigoPais><sum1:IDType>04</sum1:IDType>" in xml


# -- outsiders ---------------------------------------------------------------------------


def test_bob_cannot_issue_alices_draft(api, alice, bob, acme):
    draft = make_invoice(alice.account, acme, draft=True)

    response = api.send("PUT", f"/api/v1/accounts/{bob.account.pk}/invoices/{draft.pk}.json",
                        {"status": "issued"}, key=bob.api_key)

    assert response.status_code == 404
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_client_id_on_a_draft_must_be_the_accounts_own(api, alice, bob):
    bobs = make_client(bob.account, name="De Bob SL")

    response = create(api, alice, {"client_id": bobs.pk, "draft": True})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["client_id"]


def test_client_required_message_is_the_rails_fragment(api, alice):
    response = create(api, alice, {"draft": True})

    assert response.json()["errors"]["client_id"] in (["This field is required."],
                                                      [CLIENT_REQUIRED])


# -- the QR on the PDF ----------------------------------------------------------------------


def test_the_pdfs_qr_code_decodes_to_the_invoices_qr_url(api, alice, acme, tmp_path):
    from tests.unit.test_pdf import page_png, qr_codes

    body = create(api, alice, {"client_id": acme.pk,
                               "lines": [json_line("Diseño", "1", "1234.56")]}).json()
    pdf = api.send("GET", invoice_url(alice, body["id"], ".pdf"), key=alice.api_key)

    codes = qr_codes(page_png(pdf.content, 1, tmp_path))

    assert [code.text for code in codes] == [body["verifactu"]["qr_url"]]
    assert "importe=1493.82" in body["verifactu"]["qr_url"]


def test_a_draft_created_as_paid_is_refused_whole(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "draft": True, "paid": True,
                                   "lines": [json_line()]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [NOT_ON_A_DRAFT]}
    assert not Invoice.objects.exists()
