"""Invoices: /api/v1/accounts/:account_id/invoices(/:id|/new).:fmt and .pdf
(CONTRACT §1, §3–§7): the Spanish tax engine on the wire, numbering, frozen fiscal data,
`new` and copies, filters, limits and the PDF.

These are the legacy rules, those of an account with VERI*FACTU off (CONTRACT §8 "off"):
Alice's account is switched off here. What changes with it on (drafts, frozen invoices,
corrections, voids, records) is specified in test_invoice_lifecycle.py and its neighbours."""

import datetime
import json
from decimal import Decimal
from urllib.parse import unquote, urlencode, urlsplit

import pytest
from defusedxml.ElementTree import fromstring
from django.test.client import BOUNDARY
from django.utils import timezone

from accounts.serializers import INVALID_IVA_RATE
from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.messages import CANT_BE_BLANK
from facturagem.api.params import UNEXPECTED_PARAM
from facturagem.api.serializers import NOT_A_BOOLEAN
from invoices.models import Invoice, InvoiceLine, Payment
from invoices.serializers import MAX_LINES
from invoices.services import (
    AMOUNT_TOO_LARGE,
    MARKED_PAID_NOTE,
    NUMBER_TAKEN,
    TOTAL_BELOW_PAID,
)
from invoices.views import UNKNOWN_CLIENT
from tests.factories import line, make_client, make_invoice, pay

FORM = "application/x-www-form-urlencoded"
XML = "application/xml"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
SUMMARY_FIELDS = {
    "id", "number", "status", "issue_date", "client_name", "total", "paid", "links",
}
FIGURES = ("subtotal", "discount", "tax_base", "iva", "surcharge", "irpf", "total")


def invoices_url(persona, suffix=".json", account_id=None) -> str:
    return f"/api/v1/accounts/{account_id or persona.account.pk}/invoices{suffix}"


def invoice_url(persona, invoice, suffix=".json", account_id=None) -> str:
    pk = invoice if isinstance(invoice, int) else invoice.pk
    return f"/api/v1/accounts/{account_id or persona.account.pk}/invoices/{pk}{suffix}"


def new_url(persona, suffix=".json", **query) -> str:
    url = f"/api/v1/accounts/{persona.account.pk}/invoices/new{suffix}"
    return f"{url}?{urlencode(query)}" if query else url


def links_of(body) -> dict[str, str]:
    return {link["rel"]: link["uri"] for link in body["links"]}


def figures(body) -> dict[str, str]:
    return {name: body[name] for name in FIGURES}


def tax_rows(body) -> list[tuple[str, str, str, str, str]]:
    return [
        (row["iva_percent"], row["base"], row["iva"], row["surcharge_percent"], row["surcharge"])
        for row in body["taxes"]
    ]


def json_line(description="Consultoría", quantity="1", unit_price="100", **more):
    return {"description": description, "quantity": quantity, "unit_price": unit_price, **more}


@pytest.fixture(autouse=True)
def legacy(request, alice):
    """The personas' accounts keep no VERI*FACTU records: the rules of CONTRACT §1-§7."""
    personas = [alice] + ([request.getfixturevalue("bob")] if "bob" in request.fixturenames
                          else [])
    for persona in personas:
        persona.account.verifactu = False
        persona.account.save(update_fields=["verifactu"])


@pytest.fixture
def acme(alice):
    return make_client(alice.account)


def create(api, persona, body, suffix=".json", **options):
    return api.send("POST", invoices_url(persona, suffix), body, key=persona.api_key, **options)


def read(api, persona, invoice, suffix=".json"):
    response = api.send("GET", invoice_url(persona, invoice, suffix), key=persona.api_key)
    assert response.status_code == 200, response.content
    return response.json() if suffix == ".json" else response


# -- the tax engine on the wire (CONTRACT §7) ------------------------------------------------


def test_an_invoice_with_two_iva_rates_and_irpf_has_every_figure_computed(api, alice, acme):
    body = {
        "client_id": acme.pk,
        "issue_date": "2026-03-02",
        "irpf_percent": "15",
        "lines": [
            json_line("Horas de desarrollo", "10", "45", iva_percent="21"),
            json_line("Transporte", "2", "12.35", iva_percent="10"),
            json_line("Licencia", "1", "80", iva_percent="21"),
        ],
    }

    response = create(api, alice, body)

    assert response.status_code == 200, response.content
    invoice = response.json()
    assert [(li["quantity"], li["unit_price"], li["iva_percent"], li["total"])
            for li in invoice["lines"]] == [
        ("10.000", "45.0000", "21.00", "450.00"),
        ("2.000", "12.3500", "10.00", "24.70"),
        ("1.000", "80.0000", "21.00", "80.00"),
    ]
    assert tax_rows(invoice) == [
        ("21.00", "530.00", "111.30", "0.00", "0.00"),
        ("10.00", "24.70", "2.47", "0.00", "0.00"),
    ]
    # irpf = 554.70 × 15 % = 83.205 → 83.21 (half up); total = 554.70 + 113.77 − 83.21
    assert figures(invoice) == {
        "subtotal": "554.70",
        "discount": "0.00",
        "tax_base": "554.70",
        "iva": "113.77",
        "surcharge": "0.00",
        "irpf": "83.21",
        "total": "585.26",
    }
    assert (invoice["irpf_percent"], invoice["discount_percent"]) == ("15.00", "0.00")
    assert (invoice["paid_amount"], invoice["outstanding"], invoice["paid"]) == (
        "0.00", "585.26", False,
    )
    assert invoice["currency"] == "EUR"
    stored = Invoice.objects.get(pk=invoice["id"])
    assert (stored.total, stored.irpf) == (Decimal("585.26"), Decimal("83.21"))


def test_a_client_under_recargo_de_equivalencia_pays_the_surcharge_of_each_rate(api, alice):
    shop = make_client(alice.account, name="Droguería Pepa", tax_id="12345678Z",
                       equivalence_surcharge=True)
    body = {
        "client_id": shop.pk,
        "lines": [
            json_line("Detergente", "10", "10", iva_percent="21"),
            json_line("Agua", "5", "10", iva_percent="10"),
            json_line("Pan", "20", "1", iva_percent="4"),
        ],
    }

    invoice = create(api, alice, body).json()

    assert invoice["equivalence_surcharge"] is True
    assert [li["surcharge_percent"] for li in invoice["lines"]] == ["5.20", "1.40", "0.50"]
    assert tax_rows(invoice) == [
        ("21.00", "100.00", "21.00", "5.20", "5.20"),
        ("10.00", "50.00", "5.00", "1.40", "0.70"),
        ("4.00", "20.00", "0.80", "0.50", "0.10"),
    ]
    assert figures(invoice) == {
        "subtotal": "170.00",
        "discount": "0.00",
        "tax_base": "170.00",
        "iva": "26.80",
        "surcharge": "6.00",
        "irpf": "0.00",
        "total": "202.80",
    }


def test_the_invoice_discount_applies_per_rate_and_the_figures_add_up(api, alice, acme):
    body = {
        "client_id": acme.pk,
        "discount_percent": "10",
        "lines": [
            json_line("Piezas", "3", "33.33", iva_percent="21"),
            json_line("Montaje", "1", "10.01", iva_percent="10"),
        ],
    }

    invoice = create(api, alice, body).json()

    # 99.99 × 0.9 = 89.991 → 89.99 and 10.01 × 0.9 = 9.009 → 9.01 (per rate, then summed)
    assert tax_rows(invoice) == [
        ("21.00", "89.99", "18.90", "0.00", "0.00"),
        ("10.00", "9.01", "0.90", "0.00", "0.00"),
    ]
    assert figures(invoice) == {
        "subtotal": "110.00",
        "discount": "11.00",
        "tax_base": "99.00",
        "iva": "19.80",
        "surcharge": "0.00",
        "irpf": "0.00",
        "total": "118.80",
    }


def test_a_line_discount_is_applied_before_rounding_the_line(api, alice, acme):
    body = {
        "client_id": acme.pk,
        "lines": [json_line("Camisetas", "3", "19.99", discount_percent="15")],
    }

    invoice = create(api, alice, body).json()

    # 59.97 × 0.85 = 50.9745 → 50.97; iva 21 % = 10.7037 → 10.70
    assert invoice["lines"][0]["discount_percent"] == "15.00"
    assert invoice["lines"][0]["total"] == "50.97"
    assert figures(invoice) == {
        "subtotal": "50.97",
        "discount": "0.00",
        "tax_base": "50.97",
        "iva": "10.70",
        "surcharge": "0.00",
        "irpf": "0.00",
        "total": "61.67",
    }


def test_the_invoice_discount_defaults_to_the_clients_and_irpf_to_the_accounts(
    api, alice
):
    api.send("PUT", f"/api/v1/accounts/{alice.account.pk}.json",
             {"default_irpf_percent": "7"}, key=alice.api_key)
    client = make_client(alice.account, discount_percent=Decimal("5"))

    invoice = create(api, alice, {"client_id": client.pk, "lines": [json_line()]}).json()

    assert (invoice["discount_percent"], invoice["irpf_percent"]) == ("5.00", "7.00")
    assert figures(invoice) == {
        "subtotal": "100.00",
        "discount": "5.00",
        "tax_base": "95.00",
        "iva": "19.95",
        "surcharge": "0.00",
        "irpf": "6.65",
        "total": "108.30",
    }


def test_a_line_without_iva_percent_takes_the_accounts_default(api, alice, acme):
    api.send("PUT", f"/api/v1/accounts/{alice.account.pk}.json",
             {"default_iva_percent": "10"}, key=alice.api_key)

    invoice = create(api, alice, {"client_id": acme.pk, "lines": [json_line()]}).json()

    assert invoice["lines"][0]["iva_percent"] == "10.00"
    assert invoice["iva"] == "10.00"


def test_a_new_accounts_default_iva_is_21(api, alice, acme):
    invoice = create(api, alice, {"client_id": acme.pk, "lines": [json_line()]}).json()

    assert invoice["lines"][0]["iva_percent"] == "21.00"


@pytest.mark.parametrize("rate", ["22", "16", "8", "-21", "abc", "21.5"])
def test_an_iva_rate_that_spain_does_not_have_is_422_on_the_line(api, alice, acme, rate):
    body = {"client_id": acme.pk,
            "lines": [json_line(iva_percent="21"), json_line(iva_percent=rate)]}

    response = create(api, alice, body)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["lines[1].iva_percent"]
    if rate in ("22", "16", "8", "21.5"):
        assert response.json()["errors"]["lines[1].iva_percent"] == [INVALID_IVA_RATE]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("rate", ["7.5", "5", "2", "0", "4", "10"])
def test_every_spanish_iva_rate_is_accepted(api, alice, acme, rate):
    body = {"client_id": acme.pk, "lines": [json_line(iva_percent=rate)]}

    response = create(api, alice, body)

    assert response.status_code == 200, response.content
    assert response.json()["lines"][0]["iva_percent"] == f"{Decimal(rate):.2f}"


def test_an_empty_invoice_adds_up_to_zero(api, alice, acme):
    invoice = create(api, alice, {"client_id": acme.pk}).json()

    assert invoice["lines"] == []
    assert invoice["taxes"] == []
    assert set(figures(invoice).values()) == {"0.00"}
    assert invoice["paid"] is False


# -- creating -----------------------------------------------------------------------------


def test_creating_answers_200_with_the_invoice_and_its_location(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "lines": [json_line()]})

    assert response.status_code == 200
    invoice = response.json()
    assert response["Location"] == links_of(invoice)["self"]
    stored = Invoice.objects.get(pk=invoice["id"])
    account = f"http://testserver/api/v1/accounts/{alice.account.url_id}"
    assert links_of(invoice) == {
        "self": f"{account}/invoices/{stored.url_id}.json",
        "account": f"{account}.json",
        "client": f"{account}/clients/{acme.url_id}.json",
        "payments": f"{account}/invoices/{stored.url_id}/payments.json",
        "pdf": f"{account}/invoices/{stored.url_id}.pdf",
        "copy": f"{account}/invoices/new.json?invoice_id={stored.pk}",
        "facturae": f"{account}/invoices/{stored.url_id}/facturae.xml",
        "facturae_signed": f"{account}/invoices/{stored.url_id}/facturae.xsig",
        "corrections": f"{account}/invoices/{stored.url_id}/corrections.json",
        "void": f"{account}/invoices/{stored.url_id}/void.json",
    }
    assert stored.url_id == f"{stored.pk}-{stored.number.replace('/', '-')}"


def test_an_invoice_needs_a_client(api, alice):
    response = create(api, alice, {"lines": [json_line()]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"client_id": [CANT_BE_BLANK]}


def test_an_invoice_created_with_paid_true_is_paid_at_once(api, alice, acme):
    response = create(api, alice, {"client_id": acme.pk, "lines": [json_line()], "paid": True})

    invoice = response.json()
    assert (invoice["paid"], invoice["paid_amount"], invoice["outstanding"]) == (
        True, "121.00", "0.00",
    )
    assert [(p["amount"], p["method"]) for p in invoice["payments"]] == [("121.00", "other")]


def create_through(api, persona, content_type, body):
    return api.send("POST", invoices_url(persona), body, key=persona.api_key,
                    content_type=content_type)


def lines_json(client_id):
    return {
        "invoice": {
            "client_id": client_id,
            "lines": [
                {"description": "Diseño", "quantity": "2", "unit_price": "150.5"},
                {"description": "Hosting", "quantity": "1", "unit_price": "9.99",
                 "iva_percent": "10", "discount_percent": "50"},
            ],
        }
    }


def lines_xml(client_id):
    return (
        f'<invoice><client-id type="integer">{client_id}</client-id><lines type="array">'
        "<line><description>Diseño</description><quantity type=\"decimal\">2</quantity>"
        "<unit-price type=\"decimal\">150.5</unit-price></line>"
        "<line><description>Hosting</description><quantity>1</quantity>"
        "<unit-price>9.99</unit-price><iva-percent>10</iva-percent>"
        "<discount-percent>50</discount-percent></line></lines></invoice>"
    )


def lines_xml_untyped(client_id):
    return lines_xml(client_id).replace('<lines type="array">', "<lines>")


def lines_form_appended(client_id):
    return "&".join([
        f"invoice[client_id]={client_id}",
        "invoice[lines][][description]=Dise%C3%B1o",
        "invoice[lines][][quantity]=2",
        "invoice[lines][][unit_price]=150.5",
        "invoice[lines][][description]=Hosting",  # a repeated key starts the next line
        "invoice[lines][][quantity]=1",
        "invoice[lines][][unit_price]=9.99",
        "invoice[lines][][iva_percent]=10",
        "invoice[lines][][discount_percent]=50",
    ])


def lines_form_indexed(client_id):
    return urlencode([
        ("invoice[client_id]", client_id),
        ("invoice[lines][1][description]", "Hosting"),
        ("invoice[lines][1][quantity]", "1"),
        ("invoice[lines][1][unit_price]", "9.99"),
        ("invoice[lines][1][iva_percent]", "10"),
        ("invoice[lines][1][discount_percent]", "50"),
        ("invoice[lines][0][description]", "Diseño"),
        ("invoice[lines][0][quantity]", "2"),
        ("invoice[lines][0][unit_price]", "150.5"),
    ])


def lines_multipart(client_id):
    """The pairs of the appended form, as a browser or `curl -F` sends them: in order."""
    parts = []
    for pair in lines_form_appended(client_id).split("&"):
        name, value = (unquote(part) for part in pair.split("=", 1))
        parts += [f"--{BOUNDARY}", f'Content-Disposition: form-data; name="{name}"', "", value]
    return "\r\n".join([*parts, f"--{BOUNDARY}--", ""]).encode()


@pytest.mark.parametrize(
    ("content_type", "build"),
    [
        pytest.param("application/json", lines_json, id="json"),
        pytest.param(MULTIPART, lines_multipart, id="multipart-appended"),
        pytest.param(XML, lines_xml, id="xml-typed-array"),
        pytest.param(XML, lines_xml_untyped, id="xml-repeated-elements"),
        pytest.param(FORM, lines_form_appended, id="form-appended"),
        pytest.param(FORM, lines_form_indexed, id="form-indexed"),
    ],
)
def test_lines_are_read_the_same_from_every_format(api, alice, acme, content_type, build):
    response = create_through(api, alice, content_type, build(acme.pk))

    assert response.status_code == 200, response.content
    invoice = response.json()
    assert [
        (li["description"], li["quantity"], li["unit_price"], li["iva_percent"],
         li["discount_percent"], li["total"])
        for li in invoice["lines"]
    ] == [
        ("Diseño", "2.000", "150.5000", "21.00", "0.00", "301.00"),
        ("Hosting", "1.000", "9.9900", "10.00", "50.00", "5.00"),
    ]
    assert invoice["total"] == "369.71"  # 301 + 63.21 + 5 + 0.50


@pytest.mark.parametrize("verb", ["PUT", "POST"])
def test_lines_sent_as_multipart_on_update_keep_their_order(api, alice, acme, verb):
    invoice = make_invoice(alice.account, acme)
    body = lines_multipart(acme.pk)
    if verb == "POST":  # a browser form: POST with _method=put
        body = body.replace(b"--\r\n", f'\r\nContent-Disposition: form-data; name="_method"'
                            f"\r\n\r\nput\r\n--{BOUNDARY}--\r\n".encode())

    response = api.send(verb, invoice_url(alice, invoice), body, key=alice.api_key,
                        content_type=MULTIPART)

    assert (response.status_code, response.content) == (200, b"")
    lines = read(api, alice, invoice)["lines"]
    assert [(li["description"], li["iva_percent"]) for li in lines] == [
        ("Diseño", "21.00"), ("Hosting", "10.00"),
    ]


def test_an_invoice_created_in_xml_is_answered_in_xml(api, alice, acme):
    response = api.send("POST", invoices_url(alice, ".xml"), lines_xml(acme.pk),
                        key=alice.api_key, content_type=XML)

    assert response.status_code == 200, response.content
    root = fromstring(response.content)
    assert root.tag == "invoice"
    assert response["Location"] == root.findtext("links/link[rel='self']/uri")
    assert response["Location"].endswith(".xml")


# -- numbering ----------------------------------------------------------------------------


def test_the_first_invoice_of_a_year_is_number_one_of_that_year(api, alice, acme):
    this_year = create(api, alice, {"client_id": acme.pk}).json()
    last_year = create(api, alice, {"client_id": acme.pk, "issue_date": "2025-06-30"}).json()

    assert this_year["number"] == f"{timezone.localdate().year}/0001"
    assert this_year["issue_date"] == timezone.localdate().isoformat()
    assert last_year["number"] == "2025/0001"


@pytest.mark.parametrize(
    ("latest", "following"),
    [
        ("2026/0041", "2026/0042"),
        ("F4-2026", "F5-2026"),
        ("2026-A-009", "2026-A-010"),
        ("FAC-2026-0999", "FAC-2026-1000"),
        ("R2026/7", "R2026/8"),
    ],
)
def test_the_next_number_follows_the_latest_of_the_year_in_its_pattern(
    api, alice, acme, latest, following
):
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-10", "number": "2026/0001"})
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-02-10", "number": latest})

    response = create(api, alice, {"client_id": acme.pk, "issue_date": "2026-02-11"})

    assert response.json()["number"] == following


def test_numbering_of_one_year_ignores_the_others(api, alice, acme):
    create(api, alice, {"client_id": acme.pk, "issue_date": "2025-12-31", "number": "2025/0077"})

    response = create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-01"})

    assert response.json()["number"] == "2026/0001"


def test_a_number_already_taken_that_year_is_422_on_number(api, alice, acme):
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-10", "number": "2026/0005"})

    response = create(
        api, alice, {"client_id": acme.pk, "issue_date": "2026-09-10", "number": "2026/0005"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [NUMBER_TAKEN]}
    assert response.json()["number"] == "2026/0005"
    assert Invoice.objects.count() == 1


def test_the_same_number_is_allowed_in_a_different_year(api, alice, acme):
    first = create(api, alice, {"client_id": acme.pk, "issue_date": "2025-05-01", "number": "A-1"})
    second = create(api, alice, {"client_id": acme.pk, "issue_date": "2026-05-01", "number": "A-1"})

    assert (first.status_code, second.status_code) == (200, 200)


def test_numbers_are_unique_per_account_so_bob_may_use_alices(api, alice, bob, acme):
    bobs_client = make_client(bob.account, name="Cliente de Bob")
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-04-01", "number": "2026/0100"})

    response = create(api, bob, {"client_id": bobs_client.pk, "issue_date": "2026-04-01",
                                 "number": "2026/0100"})

    assert response.status_code == 200
    assert response.json()["number"] == "2026/0100"


def test_a_generated_number_steps_over_one_typed_ahead_by_hand(api, alice, acme):
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-10"})  # 2026/0001
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-11", "number": "2026/0003"})
    create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-12", "number": "2026/0002"})

    response = create(api, alice, {"client_id": acme.pk, "issue_date": "2026-01-13"})

    assert response.json()["number"] == "2026/0004"


def test_renumbering_onto_a_taken_number_is_422_and_changes_nothing(api, alice, acme):
    make_invoice(alice.account, acme, issue_date="2026-01-10")
    second = make_invoice(alice.account, acme, issue_date="2026-01-11")

    response = api.send("PUT", invoice_url(alice, second), {"number": "2026/0001"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [NUMBER_TAKEN]}
    second.refresh_from_db()
    assert second.number == "2026/0002"


def test_moving_an_invoice_to_another_year_may_reuse_a_number(api, alice, acme):
    make_invoice(alice.account, acme, issue_date="2026-01-10")  # 2026/0001
    old = make_invoice(alice.account, acme, issue_date="2025-12-30", number="2026/0001")

    response = api.send("PUT", invoice_url(alice, old), {"issue_date": "2026-01-01"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [NUMBER_TAKEN]}


# -- fiscal data frozen as issued ----------------------------------------------------------


def test_later_edits_of_the_account_and_client_never_rewrite_an_issued_invoice(api, alice):
    account_url = f"/api/v1/accounts/{alice.account.pk}.json"
    api.send("PUT", account_url, {"street1": "Calle Vieja 1", "city": "Toledo",
                                  "postal_code": "45001", "iban": "ES91 2100 0418 4502 0005 1332"},
             key=alice.api_key)
    client = api.send("POST", f"/api/v1/accounts/{alice.account.pk}/clients.json",
                      {"name": "Cliente Original SL", "tax_id": "A58818501",
                       "street1": "Plaza 2", "city": "Cuenca"}, key=alice.api_key).json()
    invoice = create(api, alice, {"client_id": client["id"], "lines": [json_line()]}).json()

    api.send("PUT", account_url, {"name": "Nombre Nuevo SL", "tax_id": "Q2826000H",
                                  "street1": "Avenida Nueva 9", "city": "Madrid",
                                  "iban": "DE89370400440532013000"}, key=alice.api_key)
    api.send("PUT", f"/api/v1/accounts/{alice.account.pk}/clients/{client['id']}.json",
             {"name": "Cliente Renombrado SA", "tax_id": "12345678Z", "street1": "Otra 3",
              "city": "Soria", "country": "ES"}, key=alice.api_key)
    # Sending the same client again is not a change of client: nothing is refrozen.
    api.send("PUT", invoice_url(alice, invoice["id"]), {"client_id": client["id"]},
             key=alice.api_key)

    issued = read(api, alice, invoice["id"])
    frozen = ("account_", "client_")
    assert {k: issued[k] for k in issued if k.startswith(frozen) and k != "account_id"} == {
        "account_name": "Kovacek Nienow SL",
        "account_tax_id": "B12345674",
        "account_street1": "Calle Vieja 1",
        "account_street2": "",
        "account_city": "Toledo",
        "account_province": "",
        "account_postal_code": "45001",
        "account_country": "ES",
        "account_iban": "ES9121000418450200051332",
        "client_id": client["id"],
        "client_name": "Cliente Original SL",
        "client_tax_id": "A58818501",
        "client_street1": "Plaza 2",
        "client_street2": "",
        "client_city": "Cuenca",
        "client_province": "",
        "client_postal_code": "",
        "client_country": "ES",
    }


def test_changing_the_invoices_client_freezes_the_new_clients_data(api, alice, acme):
    invoice = make_invoice(alice.account, acme)
    api.send("PUT", f"/api/v1/accounts/{alice.account.pk}.json", {"name": "Renombrada SL"},
             key=alice.api_key)
    other = make_client(alice.account, name="Bazar Luna", tax_id="FR40303265045",
                        country="FR", city="Lyon", equivalence_surcharge=True)

    response = api.send("PUT", invoice_url(alice, invoice), {"client_id": other.pk},
                        key=alice.api_key)

    assert response.status_code == 200
    issued = read(api, alice, invoice)
    assert (issued["client_id"], issued["client_name"], issued["client_tax_id"],
            issued["client_city"], issued["client_country"]) == (
        other.pk, "Bazar Luna", "FR40303265045", "Lyon", "FR",
    )
    assert issued["account_name"] == "Kovacek Nienow SL"
    # The new client is under recargo de equivalencia: the kept lines are recomputed.
    assert issued["equivalence_surcharge"] is True
    assert (issued["surcharge"], issued["total"]) == ("5.20", "126.20")


# -- updating -----------------------------------------------------------------------------


def test_an_update_is_200_empty_and_keeps_what_was_not_sent(api, alice, acme):
    invoice = make_invoice(alice.account, acme, notes="Gracias", lines=[line(), line("Extra")])

    response = api.send("PUT", invoice_url(alice, invoice),
                        {"invoice": {"due_date": "2026-12-31"}}, key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    body = read(api, alice, invoice)
    assert body["due_date"] == "2026-12-31"
    assert body["notes"] == "Gracias"
    assert [li["description"] for li in body["lines"]] == ["Consultoría", "Extra"]
    assert body["total"] == "242.00"


def test_lines_sent_on_update_replace_the_lines(api, alice, acme):
    invoice = make_invoice(alice.account, acme, lines=[line(), line("Extra")])

    api.send("PUT", invoice_url(alice, invoice),
             {"lines": [json_line("Nueva", "3", "10", iva_percent="4")]}, key=alice.api_key)

    body = read(api, alice, invoice)
    assert [(li["description"], li["total"]) for li in body["lines"]] == [("Nueva", "30.00")]
    assert (body["iva"], body["total"]) == ("1.20", "31.20")
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1


def test_an_empty_lines_list_on_update_removes_every_line(api, alice, acme):
    invoice = make_invoice(alice.account, acme)

    api.send("PUT", invoice_url(alice, invoice), {"lines": []}, key=alice.api_key)

    body = read(api, alice, invoice)
    assert (body["lines"], body["total"]) == ([], "0.00")


def test_changing_percentages_recomputes_the_kept_lines(api, alice, acme):
    invoice = make_invoice(alice.account, acme, lines=[line(unit_price="200")])

    api.send("PUT", invoice_url(alice, invoice), {"irpf_percent": "15", "discount_percent": "10"},
             key=alice.api_key)

    body = read(api, alice, invoice)
    assert figures(body) == {
        "subtotal": "200.00",
        "discount": "20.00",
        "tax_base": "180.00",
        "iva": "37.80",
        "surcharge": "0.00",
        "irpf": "27.00",
        "total": "190.80",
    }


def test_put_paid_true_records_a_payment_for_what_is_outstanding(api, alice, acme):
    invoice = make_invoice(alice.account, acme)
    pay(invoice, "21.00", method="cash")

    response = api.send("PUT", invoice_url(alice, invoice), {"paid": True}, key=alice.api_key)

    assert response.status_code == 200
    body = read(api, alice, invoice)
    assert (body["paid"], body["paid_amount"], body["outstanding"]) == (True, "121.00", "0.00")
    assert [(p["amount"], p["method"], p["notes"]) for p in body["payments"]] == [
        ("21.00", "cash", ""),
        ("100.00", "other", MARKED_PAID_NOTE),
    ]


def test_put_paid_false_removes_the_payments(api, alice, acme):
    invoice = make_invoice(alice.account, acme)
    pay(invoice, "100.00")
    pay(invoice, "21.00")

    response = api.send("PUT", invoice_url(alice, invoice), "invoice[paid]=false",
                        key=alice.api_key, content_type=FORM)

    assert response.status_code == 200
    body = read(api, alice, invoice)
    assert (body["paid"], body["paid_amount"], body["outstanding"]) == (False, "0.00", "121.00")
    assert body["payments"] == []
    assert not Payment.objects.exists()


def test_put_paid_false_on_a_partly_paid_invoice_keeps_its_payments(api, alice, acme):
    # A partly paid invoice reads `paid: false`; a GET → PUT round-trip sends it back, and
    # that must not delete the payments: `paid` acts only when it changes the state.
    invoice = make_invoice(alice.account, acme)
    pay(invoice, "21.00")

    response = api.send("PUT", invoice_url(alice, invoice), {"paid": False}, key=alice.api_key)

    assert response.status_code == 200
    body = read(api, alice, invoice)
    assert (body["paid_amount"], len(body["payments"])) == ("21.00", 1)


def test_put_paid_true_on_a_paid_invoice_records_nothing_more(api, alice, acme):
    invoice = make_invoice(alice.account, acme)
    pay(invoice, "121.00")

    api.send("PUT", invoice_url(alice, invoice), {"paid": True}, key=alice.api_key)

    assert Payment.objects.count() == 1


def test_lines_that_would_bring_the_total_below_what_was_paid_are_422(api, alice, acme):
    invoice = make_invoice(alice.account, acme)
    pay(invoice, "100.00")

    response = api.send("PUT", invoice_url(alice, invoice),
                        {"lines": [json_line(unit_price="10")]}, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "base": [TOTAL_BELOW_PAID.format(total=Decimal("12.10"), paid=Decimal("100.00"))]
    }
    assert read(api, alice, invoice)["total"] == "121.00"


def test_an_invoice_read_in_json_can_be_put_back_whole_with_one_change(api, alice, acme):
    invoice = make_invoice(alice.account, acme, lines=[line(), line("Otra", iva_percent="10")],
                           irpf_percent="15", notes="Nota")
    pay(invoice, "50.00")
    body = read(api, alice, invoice)
    body["notes"] = "Nota cambiada"

    response = api.send("PUT", invoice_url(alice, invoice), body, key=alice.api_key)

    assert response.status_code == 200, response.content
    again = read(api, alice, invoice)
    assert again["notes"] == "Nota cambiada"
    changing = ("notes", "updated_at")
    assert {k: v for k, v in again.items() if k not in changing} == {
        k: v for k, v in body.items() if k not in changing
    }


def test_an_invoice_read_in_xml_can_be_put_back_whole_with_one_change(api, alice, acme):
    invoice = make_invoice(alice.account, acme, lines=[line(), line("Otra", iva_percent="10")],
                           due_date=datetime.date(2026, 12, 1))
    pay(invoice, "50.00")
    before = read(api, alice, invoice)
    xml = read(api, alice, invoice, ".xml").content
    xml = xml.replace(b"<notes/>", b"<notes>Desde XML</notes>")

    response = api.send("PUT", invoice_url(alice, invoice, ".xml"), xml, key=alice.api_key,
                        content_type=XML)

    assert (response.status_code, response.content) == (200, b""), response.content
    after = read(api, alice, invoice)
    assert after["notes"] == "Desde XML"
    changing = ("notes", "updated_at")
    assert {k: v for k, v in after.items() if k not in changing} == {
        k: v for k, v in before.items() if k not in changing
    }


@pytest.mark.parametrize("method", ["DELETE", "DESTROY"])
def test_an_invoice_is_deleted_with_its_lines_and_payments(api, alice, acme, method):
    invoice = make_invoice(alice.account, acme)
    pay(invoice, "10.00")

    response = api.send(method, invoice_url(alice, invoice), key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    assert api.send("GET", invoice_url(alice, invoice), key=alice.api_key).status_code == 404
    assert not InvoiceLine.objects.exists()
    assert not Payment.objects.exists()


# -- limits: 422, never 500 -----------------------------------------------------------------


def test_more_than_500_lines_is_422(api, alice, acme):
    lines = [json_line(f"Línea {n}") for n in range(MAX_LINES + 1)]

    response = create(api, alice, {"client_id": acme.pk, "lines": lines})

    assert response.status_code == 422
    assert response.json()["errors"] == {"lines": ["is too long (maximum is 500 items)"]}
    assert not Invoice.objects.exists()


def test_500_lines_are_accepted(api, alice, acme):
    lines = [json_line(f"Línea {n}", unit_price="1.10") for n in range(MAX_LINES)]

    response = create(api, alice, {"client_id": acme.pk, "lines": lines})

    assert response.status_code == 200
    assert len(response.json()["lines"]) == MAX_LINES
    assert response.json()["subtotal"] == "550.00"


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("description", "x" * 2000, True),
        ("description", "x" * 2001, False),
        ("description", "", False),
        ("quantity", "123456789012", True),
        ("quantity", "1234567890123", False),
        ("quantity", "0.0001", False),
        ("quantity", "abc", False),
        ("quantity", "NaN", False),
        ("quantity", "1e400", False),
        ("unit_price", "999999999999.9999", True),
        ("unit_price", "1234567890123", False),
        ("unit_price", "0.00001", False),
        ("unit_price", "-Infinity", False),
        ("discount_percent", "100", True),
        ("discount_percent", "100.01", False),
        ("discount_percent", "-5", False),
    ],
)
def test_line_limits(api, alice, acme, field, value, accepted):
    one = {**json_line(quantity="1", unit_price="0.01"), field: value}

    response = create(api, alice, {"client_id": acme.pk, "lines": [one]})

    if accepted:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 422
        assert list(response.json()["errors"]) == [f"lines[0].{field}"]


def test_a_line_whose_total_is_too_large_is_422_never_500(api, alice, acme):
    huge = json_line(quantity="999999999999", unit_price="999999999999")

    response = create(api, alice, {"client_id": acme.pk, "lines": [huge]})

    assert response.status_code == 422
    assert response.json()["errors"]["lines[0].total"] == [AMOUNT_TOO_LARGE]
    assert not Invoice.objects.exists()


def test_an_invoice_whose_total_is_too_large_is_422_never_500(api, alice, acme):
    big = json_line(quantity="900000000000", unit_price="9000")  # 8.1e15 each, under the cap

    response = create(api, alice, {"client_id": acme.pk, "lines": [big, big]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"total": [AMOUNT_TOO_LARGE]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_id", "abc"),
        ("client_id", 0),
        ("client_id", [1]),
        ("issue_date", "2026-02-30"),
        ("issue_date", "ayer"),
        ("due_date", 20260101),
        ("discount_percent", "1e30"),
        ("irpf_percent", "101"),
        ("number", "x" * 41),
        ("lines", "not a list"),
        ("lines", [1, 2]),
        ("lines", {"description": "single"}),
        ("paid", "maybe"),
        ("notes", {"a": 1}),
    ],
)
def test_a_bad_invoice_value_is_422_on_its_field(api, alice, acme, field, value):
    body = {"client_id": acme.pk, field: value}

    response = create(api, alice, body)

    assert response.status_code == 422, response.content
    assert [name.split("[")[0].split(".")[0] for name in response.json()["errors"]] == [field]
    assert not Invoice.objects.exists()


# -- new and copy -------------------------------------------------------------------------


def test_new_is_an_unsaved_invoice_prefilled_from_the_account(api, alice):
    api.send("PUT", f"/api/v1/accounts/{alice.account.pk}.json",
             {"default_irpf_percent": "15", "invoice_footer": "Inscrita en el RM de Madrid",
              "city": "Madrid"}, key=alice.api_key)
    make_invoice(alice.account, issue_date=timezone.localdate())

    response = api.send("GET", new_url(alice), key=alice.api_key)

    assert response.status_code == 200
    new = response.json()
    year = timezone.localdate().year
    assert new["id"] is None
    assert new["number"] == f"{year}/0002"
    assert new["issue_date"] == timezone.localdate().isoformat()
    assert (new["account_name"], new["account_tax_id"], new["account_city"]) == (
        "Kovacek Nienow SL", "B12345674", "Madrid",
    )
    assert (new["irpf_percent"], new["footer"]) == ("15.00", "Inscrita en el RM de Madrid")
    assert new["client_id"] is None
    assert (new["lines"], new["payments"], new["total"]) == ([], [], "0.00")
    assert Invoice.objects.count() == 1  # nothing saved, no number reserved


def test_new_with_a_client_takes_the_clients_data_and_discount(api, alice):
    client = make_client(alice.account, discount_percent=Decimal("12.5"))

    new = api.send("GET", new_url(alice, client_id=client.pk), key=alice.api_key).json()

    assert (new["client_id"], new["client_name"], new["client_tax_id"]) == (
        client.pk, "Acme Distribuciones SL", "B87654323",
    )
    assert new["discount_percent"] == "12.50"


def test_new_with_an_invoice_id_is_a_copy_with_a_fresh_number_and_date(api, alice, acme):
    source = make_invoice(
        alice.account, acme, issue_date="2025-02-01", number="2025/0042",
        lines=[line("Mantenimiento", "2", "50", "10", "5"), line()],
        discount_percent="3", irpf_percent="15", notes="Transferencia a 30 días",
        footer="Pie propio",
    )
    pay(source, "10.00")

    response = api.send("GET", new_url(alice, invoice_id=source.pk), key=alice.api_key)

    assert response.status_code == 200
    copy = response.json()
    original = read(api, alice, source)
    assert copy["id"] is None
    assert copy["number"] == f"{timezone.localdate().year}/0001"
    assert copy["issue_date"] == timezone.localdate().isoformat()
    same = ("client_id", "client_name", "lines", "discount_percent", "irpf_percent", "notes",
            "footer", "taxes", *FIGURES)
    assert {k: copy[k] for k in same} == {k: original[k] for k in same}
    assert (copy["payments"], copy["paid_amount"], copy["paid"]) == ([], "0.00", False)


def test_the_copy_link_of_an_invoice_leads_to_its_copy(api, alice, acme):
    source = make_invoice(alice.account, acme, lines=[line("Copiable")])
    copy_uri = links_of(read(api, alice, source))["copy"]
    parts = urlsplit(copy_uri)

    response = api.send("GET", f"{parts.path}?{parts.query}", key=alice.api_key)

    assert response.status_code == 200
    assert parts.path == f"/api/v1/accounts/{alice.account.url_id}/invoices/new.json"
    assert [li["description"] for li in response.json()["lines"]] == ["Copiable"]
    assert response.json()["id"] is None


def test_new_links_to_itself_and_to_where_it_is_created(api, alice):
    new = api.send("GET", new_url(alice, ".xml"), key=alice.api_key)

    root = fromstring(new.content)
    assert root.find("id").get("nil") == "true"
    rels = {link.findtext("rel"): link.findtext("uri") for link in root.find("links")}
    account = f"http://testserver/api/v1/accounts/{alice.account.url_id}"
    assert rels == {
        "self": f"{account}/invoices/new.xml",
        "account": f"{account}.xml",
        "create": f"{account}/invoices.xml",
    }


def test_new_with_an_unknown_parameter_is_422(api, alice):
    response = api.send("GET", new_url(alice, bogus="1"), key=alice.api_key)

    assert response.status_code == 422
    assert {"client_id", "invoice_id"} <= set(response.json()["allowed_params"])


def test_new_does_not_copy_or_prefill_from_another_account(api, alice, bob):
    bobs = make_invoice(bob.account, make_client(bob.account, name="Cliente de Bob"))

    from_invoice = api.send("GET", new_url(alice, invoice_id=bobs.pk), key=alice.api_key)
    from_client = api.send("GET", new_url(alice, client_id=bobs.client_id), key=alice.api_key)

    assert (from_invoice.status_code, from_client.status_code) == (404, 404)
    assert from_invoice.json() == {"errors": [NOT_FOUND]}


# -- list and filters ---------------------------------------------------------------------


def test_the_list_is_newest_first_with_summaries_only(api, alice, acme):
    a = make_invoice(alice.account, acme, issue_date="2026-01-10")
    b = make_invoice(alice.account, acme, issue_date="2026-03-05")
    c = make_invoice(alice.account, acme, issue_date="2026-03-05")

    response = api.send("GET", invoices_url(alice), key=alice.api_key)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [c.pk, b.pk, a.pk]
    assert all(set(item) == SUMMARY_FIELDS for item in body)
    assert body[-1] == {
        "id": a.pk,
        "number": "2026/0001",
        "issue_date": "2026-01-10",
        "client_name": "Acme Distribuciones SL",
        "total": "121.00",
        "paid": False,
        "status": "issued",
        "links": body[-1]["links"],
    }
    assert links_of(body[-1])["self"].endswith(f"/invoices/{a.url_id}.json")
    assert response["X-Total-Count"] == "3"


def test_the_list_in_xml_is_a_typed_array_of_invoice_summaries(api, alice, acme):
    make_invoice(alice.account, acme)

    response = api.send("GET", invoices_url(alice, ".xml"), key=alice.api_key)

    root = fromstring(response.content)
    assert (root.tag, root.get("type")) == ("invoices", "array")
    [summary] = list(root)
    assert [child.tag for child in summary] == [
        "id", "number", "issue-date", "client-name", "total", "paid", "status", "links",
    ]
    assert summary.find("total").get("type") == "decimal"
    assert summary.find("paid").get("type") == "boolean"


@pytest.fixture
def ledger(alice, acme):
    """Three invoices: an unpaid one of 2025, a paid one and an unpaid one of 2026."""
    beta = make_client(alice.account, name="Beta Comercial SA", tax_id="A58818501")
    old = make_invoice(alice.account, acme, issue_date="2025-12-30")  # 2025/0001
    paid = make_invoice(alice.account, acme, issue_date="2026-01-15")  # 2026/0001
    pay(paid, "121.00")
    open_ = make_invoice(alice.account, beta, issue_date="2026-02-20")  # 2026/0002
    return {"old": old, "paid": paid, "open": open_, "beta": beta}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["open", "paid", "old"]),
        ({"client_id": "beta"}, ["open"]),
        ({"paid": "true"}, ["paid"]),
        ({"paid": "1"}, ["paid"]),
        ({"paid": "false"}, ["open", "old"]),
        ({"paid": "0"}, ["open", "old"]),
        ({"from": "2026-01-01"}, ["open", "paid"]),
        ({"to": "2026-01-15"}, ["paid", "old"]),
        ({"from": "2026-01-01", "to": "2026-01-31"}, ["paid"]),
        ({"year": "2025"}, ["old"]),
        ({"year": "2024"}, []),
        ({"q": "beta"}, ["open"]),
        ({"q": "2025/"}, ["old"]),
        ({"q": "0001"}, ["paid", "old"]),
        ({"q": ""}, ["open", "paid", "old"]),
        ({"year": "2026", "paid": "false", "q": "comercial", "from": "2026-02-01",
          "to": "2026-02-28", "client_id": "beta"}, ["open"]),
    ],
)
def test_the_list_filters(api, alice, ledger, query, expected):
    if query.get("client_id") == "beta":
        query = {**query, "client_id": ledger["beta"].pk}

    response = api.send("GET", invoices_url(alice) + "?" + urlencode(query), key=alice.api_key)

    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()] == [ledger[name].pk for name in expected]
    assert response["X-Total-Count"] == str(len(expected))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("year", "abc"),
        ("year", "99999"),
        ("from", "notadate"),
        ("to", "2026-02-30"),
        ("client_id", "abc"),
        ("client_id", "0"),
        ("paid", "maybe"),
    ],
)
def test_a_bad_filter_value_is_422_on_that_filter(api, alice, name, value):
    response = api.send("GET", invoices_url(alice) + "?" + urlencode({name: value}),
                        key=alice.api_key)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [name]
    assert all(isinstance(message, str) for message in errors[name])


def test_a_filter_that_is_not_a_boolean_says_so(api, alice):
    response = api.send("GET", invoices_url(alice) + "?paid=maybe", key=alice.api_key)

    assert response.json()["errors"] == {"paid": [NOT_A_BOOLEAN]}


def test_an_unknown_list_parameter_is_422_listing_the_filters(api, alice):
    response = api.send("GET", invoices_url(alice) + "?colour=red", key=alice.api_key)

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"colour": [UNEXPECTED_PARAM]}
    assert {"page", "per_page", "client_id", "paid", "from", "to", "year", "q"} <= set(
        body["allowed_params"]
    )


def test_the_list_is_paginated(api, alice, acme):
    for day in range(1, 8):
        make_invoice(alice.account, acme, issue_date=f"2026-01-{day:02d}")

    response = api.send("GET", invoices_url(alice) + "?per_page=3&page=2", key=alice.api_key)

    assert [item["issue_date"] for item in response.json()] == [
        "2026-01-04", "2026-01-03", "2026-01-02",
    ]
    assert response["X-Total-Count"] == "7"
    assert 'rel="next"' in response["Link"] and 'rel="prev"' in response["Link"]
    past = api.send("GET", invoices_url(alice) + "?per_page=3&page=4", key=alice.api_key)
    assert past.json() == []


def test_a_clients_invoices_are_listed_under_the_client(api, alice, ledger):
    url = f"/api/v1/accounts/{alice.account.pk}/clients/{ledger['beta'].url_id}/invoices.json"

    response = api.send("GET", url + "?paid=false", key=alice.api_key)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [ledger["open"].pk]
    assert response["X-Total-Count"] == "1"


def test_a_clients_invoices_cannot_be_created_there(api, alice, acme):
    url = f"/api/v1/accounts/{alice.account.pk}/clients/{acme.pk}/invoices.json"

    response = api.send("POST", url, {"lines": []}, key=alice.api_key)

    assert response.status_code == 405


# -- representations ----------------------------------------------------------------------


def test_an_invoice_in_xml_has_typed_values_lines_and_taxes(api, alice, acme):
    invoice = make_invoice(alice.account, acme, lines=[line(), line("Libro", "2", "15", "4")],
                           issue_date="2026-05-04")

    response = read(api, alice, invoice, ".xml")

    assert response["Content-Type"].startswith("application/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<invoice>')
    root = fromstring(response.content)
    assert (root.find("id").get("type"), root.findtext("id")) == ("integer", str(invoice.pk))
    assert root.find("issue-date").get("type") == "date"
    assert root.find("due-date").get("nil") == "true"
    for name in ("subtotal", "tax-base", "iva", "total", "outstanding", "irpf-percent"):
        assert root.find(name).get("type") == "decimal", name
    assert root.findtext("total") == "152.20"
    assert root.find("paid").get("type") == "boolean"
    lines = root.find("lines")
    assert lines.get("type") == "array"
    assert [child.tag for child in lines] == ["line", "line"]
    assert lines[1].findtext("unit-price") == "15.0000"
    assert lines[1].find("quantity").get("type") == "decimal"
    taxes = root.find("taxes")
    assert taxes.get("type") == "array"
    assert [(tax.tag, tax.findtext("iva-percent"), tax.findtext("iva")) for tax in taxes] == [
        ("tax", "21.00", "21.00"),
        ("tax", "4.00", "1.20"),
    ]
    assert root.find("payments").get("type") == "array"
    assert all(uri.text.endswith((".xml", ".pdf", ".xsig")) or "new.xml?" in uri.text
               for uri in root.iter("uri"))


def test_an_invoice_has_every_field_of_the_contract(api, alice, acme):
    body = read(api, alice, make_invoice(alice.account, acme))

    contract = {
        "id", "number", "issue_date", "due_date", "client_id", "account_name",
        "account_tax_id", "account_street1", "account_street2", "account_city",
        "account_province", "account_postal_code", "account_country", "client_name",
        "client_tax_id", "client_street1", "client_street2", "client_city", "client_province",
        "client_postal_code", "client_country", "lines", "discount_percent", "irpf_percent",
        "subtotal", "discount", "tax_base", "taxes", "iva", "surcharge", "irpf", "total",
        "paid_amount", "outstanding", "paid", "notes", "footer", "currency", "payments",
        "created_at", "updated_at", "links",
    }
    assert contract <= set(body)
    assert set(body["lines"][0]) == {
        "description", "quantity", "unit_price", "discount_percent", "iva_percent",
        "treatment", "surcharge_percent", "total",
    }
    assert set(body["taxes"][0]) == {"treatment", "iva_percent", "base", "iva",
                                     "surcharge_percent", "surcharge"}


def test_an_invoice_as_pdf(api, alice, acme):
    invoice = make_invoice(alice.account, acme)

    response = api.send("GET", invoice_url(alice, invoice, ".pdf"), key=alice.api_key)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'inline; filename="factura-{invoice.number.replace("/", "-")}.pdf"'
    )


def test_another_accounts_pdf_is_404_in_json_not_a_broken_pdf(api, alice, bob, acme):
    invoice = make_invoice(alice.account, acme)

    response = api.send("GET", invoice_url(bob, invoice, ".pdf"), key=bob.api_key)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.content == b'{"errors":["Not found"]}'


def test_an_unknown_format_on_an_invoice_is_406(api, alice, acme):
    invoice = make_invoice(alice.account, acme)

    response = api.send("GET", invoice_url(alice, invoice, ".csv"), key=alice.api_key)

    assert response.status_code == 406


# -- outsiders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", ".json", None),
        ("GET", ".xml", None),
        ("GET", ".pdf", None),
        ("PUT", ".json", {"notes": "Bob estuvo aquí"}),
        ("DELETE", ".json", None),
    ],
)
def test_another_accounts_invoice_is_not_found_never_forbidden(
    api, alice, bob, acme, method, suffix, body
):
    invoice = make_invoice(alice.account, acme)

    through_bobs_account = api.send(method, invoice_url(bob, invoice, suffix), body,
                                    key=bob.api_key)
    through_alices_account = api.send(
        method, invoice_url(bob, invoice, suffix, account_id=alice.account.pk), body,
        key=bob.api_key,
    )

    for response in (through_bobs_account, through_alices_account):
        assert response.status_code == 404
        if suffix == ".xml":
            root = fromstring(response.content)
            assert (root.tag, [e.text for e in root]) == ("errors", [NOT_FOUND])
        else:  # JSON, and JSON too for a .pdf that is not there
            assert json.loads(response.content) == {"errors": [NOT_FOUND]}
    invoice.refresh_from_db()
    assert invoice.notes == ""


def test_another_accounts_invoice_list_new_and_create_are_not_found(api, alice, bob, acme):
    make_invoice(alice.account, acme)
    alices = alice.account.pk

    listed = api.send("GET", invoices_url(bob, account_id=alices), key=bob.api_key)
    new = api.send("GET", f"/api/v1/accounts/{alices}/invoices/new.json", key=bob.api_key)
    created = api.send("POST", invoices_url(bob, account_id=alices), {"client_id": acme.pk},
                       key=bob.api_key)
    by_client = api.send("GET", f"/api/v1/accounts/{bob.account.pk}/clients/{acme.pk}"
                         "/invoices.json", key=bob.api_key)

    assert [r.status_code for r in (listed, new, created, by_client)] == [404] * 4
    assert Invoice.objects.count() == 1


def test_an_invoice_for_another_accounts_client_is_422_on_client_id(api, alice, bob):
    bobs_client = make_client(bob.account, name="Cliente de Bob")

    response = create(api, alice, {"client_id": bobs_client.pk, "lines": [json_line()]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"client_id": [UNKNOWN_CLIENT]}
    assert not Invoice.objects.exists()


def test_an_invoice_cannot_be_moved_to_another_accounts_client(api, alice, bob, acme):
    invoice = make_invoice(alice.account, acme)
    bobs_client = make_client(bob.account, name="Cliente de Bob")

    response = api.send("PUT", invoice_url(alice, invoice), {"client_id": bobs_client.pk},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"client_id": [UNKNOWN_CLIENT]}
    invoice.refresh_from_db()
    assert (invoice.client_id, invoice.client_name) == (acme.pk, "Acme Distribuciones SL")


def test_bobs_list_never_shows_alices_invoices(api, alice, bob, acme):
    make_invoice(alice.account, acme)

    response = api.send("GET", invoices_url(bob) + f"?client_id={acme.pk}", key=bob.api_key)

    assert (response.status_code, response.json()) == (200, [])


# -- performance --------------------------------------------------------------------------


def seed_invoices(account, client, count: int) -> None:
    """Many invoices in one INSERT (their figures are irrelevant to a query count)."""
    invoices = [
        Invoice(account=account, client=client, number=f"S-{n:04d}", year=2026,
                issue_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300),
                account_name=account.name, client_name=client.name, total=Decimal("121.00"))
        for n in range(count)
    ]
    Invoice.objects.bulk_create(invoices)


def test_the_invoice_list_runs_the_same_few_queries_whatever_the_page_size(
    api, alice, acme, django_assert_max_num_queries
):
    seed_invoices(alice.account, acme, 120)
    counts = []
    for per_page in (5, 100):
        with django_assert_max_num_queries(3) as captured:
            response = api.send("GET", invoices_url(alice) + f"?per_page={per_page}",
                                key=alice.api_key)
        assert len(response.json()) == per_page
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_a_filtered_invoice_list_runs_the_same_few_queries(
    api, alice, acme, django_assert_max_num_queries
):
    seed_invoices(alice.account, acme, 120)
    query = urlencode({"year": "2026", "paid": "false", "q": "S-", "client_id": acme.pk})
    counts = []
    for per_page in (5, 100):
        with django_assert_max_num_queries(3) as captured:
            response = api.send("GET", invoices_url(alice) + f"?per_page={per_page}&{query}",
                                key=alice.api_key)
        assert len(response.json()) == per_page
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_an_invoice_runs_the_same_few_queries_with_2_or_200_lines(
    api, alice, acme, django_assert_max_num_queries
):
    small = make_invoice(alice.account, acme, lines=[line()] * 2)
    large = make_invoice(alice.account, acme, lines=[line(f"L{n}") for n in range(200)])
    pay(large, "1.00")
    counts = []
    for invoice in (small, large):
        with django_assert_max_num_queries(5) as captured:
            response = api.send("GET", invoice_url(alice, invoice), key=alice.api_key)
        assert response.status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_changing_to_a_client_under_recargo_updates_the_kept_lines_too(api, alice):
    """The lines are not sent, but their surcharge rate follows the new client: what the
    detail shows, what the PDF prints and what the database keeps agree."""
    from invoices.models import InvoiceLine

    plain = make_client(alice.account, name="Sin Recargo SL")
    retailer = make_client(alice.account, name="Con Recargo SL", tax_id="A58818501",
                           equivalence_surcharge=True)
    invoice = make_invoice(alice.account, plain, lines=[line(unit_price="100")])

    response = api.send(
        "PUT", f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}.json",
        {"client_id": retailer.pk}, key=alice.api_key,
    )

    assert response.status_code == 200
    body = api.send(
        "GET", f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}.json",
        key=alice.api_key,
    ).json()
    assert body["lines"][0]["surcharge_percent"] == "5.20"
    assert body["surcharge"] == "5.20"
    assert body["total"] == "126.20"
    stored = InvoiceLine.objects.get(invoice=invoice)
    assert str(stored.surcharge_percent) == "5.20"
