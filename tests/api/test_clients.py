"""Clients: /api/v1/accounts/:account_id/clients(/:id).:fmt (CONTRACT §1, §3–§6)."""

import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from defusedxml.ElementTree import fromstring

from clients.models import Client
from clients.services import CLIENT_HAS_INVOICES
from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.pagination import NOT_A_POSITIVE_INTEGER
from facturagem.api.params import UNEXPECTED_PARAM
from facturagem.api.serializers import UNKNOWN_COUNTRY
from facturagem.validators import INVALID_EU_VAT, INVALID_SPANISH_TAX_ID
from tests.factories import make_client, make_invoice

FORM = "application/x-www-form-urlencoded"
XML = "application/xml"
READ_ONLY = ("id", "account_id", "created_at", "updated_at", "links")


def clients_url(persona, suffix=".json", account_id=None) -> str:
    return f"/api/v1/accounts/{account_id or persona.account.pk}/clients{suffix}"


def client_url(persona, client, suffix=".json", account_id=None) -> str:
    return f"/api/v1/accounts/{account_id or persona.account.pk}/clients/{client.pk}{suffix}"


def self_link(body) -> str:
    return next(link["uri"] for link in body["links"] if link["rel"] == "self")


def link_header(response) -> dict[str, dict[str, list[str]]]:
    """RFC 8288 `Link` → {rel: query of its URI}."""
    rels = {}
    for uri, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"]):
        rels[rel] = parse_qs(urlsplit(uri).query)
    return rels


def seed_clients(account, count: int) -> None:
    """Many clients in one INSERT: list tests need volume, not the service's checks."""
    Client.objects.bulk_create(
        Client(account=account, name=f"Cliente {n:03d}", tax_id=f"X{n:07d}")
        for n in range(count)
    )


# -- create -------------------------------------------------------------------------------

ACME = {
    "name": "Acme Distribuciones SL",
    "tax_id": "B87654323",
    "email": "facturas@acme.example",
    "city": "Madrid",
    "postal_code": "28013",
    "country": "ES",
    "discount_percent": "5.5",
}

ACME_XML = (
    "<client><name>Acme Distribuciones SL</name><tax-id>B87654323</tax-id>"
    "<email>facturas@acme.example</email><city>Madrid</city><postal-code>28013</postal-code>"
    '<country>ES</country><discount-percent type="decimal">5.5</discount-percent></client>'
)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("application/json", ACME, id="flat-json"),
        pytest.param("application/json", {"client": ACME}, id="wrapped-json"),
        pytest.param(FORM, urlencode({f"client[{k}]": v for k, v in ACME.items()}), id="form"),
        pytest.param(FORM, urlencode(ACME), id="flat-form"),
        pytest.param(XML, ACME_XML, id="xml"),
        pytest.param("text/xml", ACME_XML, id="text-xml"),
    ],
)
def test_a_client_is_created_the_same_from_every_parameter_format(api, alice, content_type, body):
    response = api.send("POST", clients_url(alice), body, key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 200
    created = response.json()
    assert {k: v for k, v in created.items() if k not in READ_ONLY} == {
        "name": "Acme Distribuciones SL",
        "tax_id": "B87654323",
        "email": "facturas@acme.example",
        "phone": "",
        "street1": "",
        "street2": "",
        "city": "Madrid",
        "province": "",
        "postal_code": "28013",
        "country": "ES",
        "discount_percent": "5.50",
        "equivalence_surcharge": False,
        "notes": "",
        "public_administration": False,
        "dir3_accounting_office": "",
        "dir3_managing_body": "",
        "dir3_processing_unit": "",
    }
    assert response["Location"] == self_link(created)
    assert Client.objects.get(pk=created["id"]).account == alice.account


def test_a_client_is_created_from_multipart_form_data(api, alice):
    data = {f"client[{k}]": v for k, v in ACME.items()}

    response = api.post(clients_url(alice), data, HTTP_X_API_KEY=alice.api_key)

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Distribuciones SL"
    assert response.json()["discount_percent"] == "5.50"


def test_the_created_client_links_to_itself_its_account_and_its_invoices(api, alice):
    response = api.send("POST", clients_url(alice), {"name": "Acme"}, key=alice.api_key)

    client = Client.objects.get()
    base = f"http://testserver/api/v1/accounts/{alice.account.url_id}"
    assert response.json()["links"] == [
        {"rel": "self", "uri": f"{base}/clients/{client.pk}-acme.json"},
        {"rel": "account", "uri": f"{base}.json"},
        {"rel": "invoices", "uri": f"{base}/clients/{client.pk}-acme/invoices.json"},
    ]
    assert response["Location"] == f"{base}/clients/{client.pk}-acme.json"


def test_a_client_created_in_xml_is_answered_in_xml_with_xml_links(api, alice):
    response = api.send("POST", clients_url(alice, ".xml"), ACME_XML, key=alice.api_key,
                        content_type=XML)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = fromstring(response.content)
    assert root.tag == "client"
    assert root.findtext("tax-id") == "B87654323"
    assert root.find("id").get("type") == "integer"
    assert root.find("discount-percent").get("type") == "decimal"
    assert root.findtext("discount-percent") == "5.50"
    assert root.find("links").get("type") == "array"
    assert response["Location"] == root.findtext("links/link[rel='self']/uri")
    assert response["Location"].endswith(".xml")


def test_a_client_needs_a_name(api, alice):
    response = api.send("POST", clients_url(alice), {"tax_id": "B87654323"}, key=alice.api_key)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]
    assert not Client.objects.exists()


# -- tax ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "submitted", "stored"),
    [
        pytest.param("ES", "b-12.345.674", "B12345674", id="es-cif-with-separators"),
        pytest.param("ES", "12345678z", "12345678Z", id="es-nif"),
        pytest.param("ES", "X-1234567-L", "X1234567L", id="es-nie"),
        pytest.param("ES", "ES A58818501", "ESA58818501", id="es-with-vat-prefix"),
        pytest.param("FR", "FR 40 303 265 045", "FR40303265045", id="fr-vat"),
        pytest.param("FR", "40303265045", "40303265045", id="fr-vat-without-prefix"),
        pytest.param("DE", "DE136695976", "DE136695976", id="de-vat"),
        pytest.param("PT", "pt501964843", "PT501964843", id="pt-vat"),
        pytest.param("US", "12-3456789", "123456789", id="us-free"),
        pytest.param("US", "anything at all", "ANYTHINGATALL", id="us-anything"),
        pytest.param("ES", "", "", id="empty-is-allowed"),
    ],
)
def test_a_valid_tax_id_is_normalised_and_kept(api, alice, country, submitted, stored):
    body = {"name": "Acme", "country": country, "tax_id": submitted}

    response = api.send("POST", clients_url(alice), body, key=alice.api_key)

    assert response.status_code == 200, response.content
    assert response.json()["tax_id"] == stored
    assert Client.objects.get().tax_id == stored


@pytest.mark.parametrize(
    ("country", "tax_id", "message"),
    [
        pytest.param("ES", "12345678A", INVALID_SPANISH_TAX_ID, id="es-nif-bad-letter"),
        pytest.param("ES", "B87654320", INVALID_SPANISH_TAX_ID, id="es-cif-bad-check"),
        pytest.param("ES", "X1234567A", INVALID_SPANISH_TAX_ID, id="es-nie-bad-letter"),
        pytest.param("ES", "FR40303265045", INVALID_SPANISH_TAX_ID, id="es-with-french-id"),
        pytest.param("FR", "FR00303265045", INVALID_EU_VAT.format(country="FR"), id="fr-bad"),
        pytest.param("DE", "DE136695977", INVALID_EU_VAT.format(country="DE"), id="de-bad"),
        pytest.param("DE", "12345678Z", INVALID_EU_VAT.format(country="DE"), id="de-with-nif"),
    ],
)
def test_an_invalid_tax_id_is_422_with_the_submitted_client_echoed(
    api, alice, country, tax_id, message
):
    body = {"name": "Acme", "country": country, "tax_id": tax_id}

    response = api.send("POST", clients_url(alice), body, key=alice.api_key)

    assert response.status_code == 422
    assert response.json() == {**body, "errors": {"tax_id": [message]}}
    assert not Client.objects.exists()


def test_an_invalid_tax_id_in_xml_is_rails_errors_to_xml(api, alice):
    body = "<client><name>Acme</name><tax-id>12345678A</tax-id></client>"

    response = api.send("POST", clients_url(alice, ".xml"), body, key=alice.api_key,
                        content_type=XML)

    assert response.status_code == 422
    root = fromstring(response.content)
    assert (root.tag, root.attrib) == ("errors", {})
    assert [e.text for e in root] == [f"Tax id {INVALID_SPANISH_TAX_ID}"]


def test_changing_the_country_revalidates_the_kept_tax_id(api, alice):
    client = make_client(alice.account, tax_id="12345678Z", country="ES")

    response = api.send("PUT", client_url(alice, client), {"country": "FR"}, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"tax_id": [INVALID_EU_VAT.format(country="FR")]}
    client.refresh_from_db()
    assert client.country_id == "ES"


# -- list ---------------------------------------------------------------------------------


def test_the_list_is_a_bare_array_of_summaries_sorted_by_name(api, alice):
    make_client(alice.account, name="Zeta SL")
    make_client(alice.account, name="Alfa SA", tax_id="A58818501")

    response = api.send("GET", clients_url(alice), key=alice.api_key)

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body] == ["Alfa SA", "Zeta SL"]
    assert [item["tax_id"] for item in body] == ["A58818501", "B87654323"]
    assert all(set(item) == {"id", "name", "tax_id", "links"} for item in body)
    assert self_link(body[0]).endswith(".json")


def test_the_list_is_paginated_with_total_count_and_link_header(api, alice):
    seed_clients(alice.account, 30)

    response = api.send("GET", clients_url(alice) + "?page=2&per_page=10", key=alice.api_key)

    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == [f"Cliente {n:03d}" for n in range(10, 20)]
    assert response["X-Total-Count"] == "30"
    rels = link_header(response)
    assert set(rels) == {"first", "prev", "next", "last"}
    assert rels["first"]["page"] == ["1"]
    assert rels["prev"]["page"] == ["1"]
    assert rels["next"]["page"] == ["3"]
    assert rels["last"]["page"] == ["3"]
    assert all(query["per_page"] == ["10"] for query in rels.values())
    assert all("api_key" not in query for query in rels.values())


def test_the_first_page_has_no_prev_and_the_last_no_next(api, alice):
    seed_clients(alice.account, 30)

    first = api.send("GET", clients_url(alice) + "?per_page=10", key=alice.api_key)
    last = api.send("GET", clients_url(alice) + "?per_page=10&page=3", key=alice.api_key)

    assert set(link_header(first)) == {"first", "next", "last"}
    assert set(link_header(last)) == {"first", "prev", "last"}
    assert len(last.json()) == 10


def test_the_page_size_defaults_to_25_and_is_clamped_to_100(api, alice):
    seed_clients(alice.account, 120)

    default = api.send("GET", clients_url(alice), key=alice.api_key)
    clamped = api.send("GET", clients_url(alice) + "?per_page=1000", key=alice.api_key)

    assert len(default.json()) == 25
    assert len(clamped.json()) == 100
    assert link_header(clamped)["next"]["per_page"] == ["100"]
    assert clamped["X-Total-Count"] == "120"


def test_a_page_past_the_end_is_an_empty_array(api, alice):
    seed_clients(alice.account, 3)

    response = api.send("GET", clients_url(alice) + "?page=9", key=alice.api_key)

    assert response.status_code == 200
    assert response.json() == []
    assert response["X-Total-Count"] == "3"


def test_a_page_past_the_end_in_xml_is_an_empty_typed_array(api, alice):
    response = api.send("GET", clients_url(alice, ".xml") + "?page=2", key=alice.api_key)

    assert response.status_code == 200
    assert response.content == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<clients type="array"/>'
    )


def test_the_list_in_xml_is_a_typed_array_of_client_summaries(api, alice):
    make_client(alice.account)

    response = api.send("GET", clients_url(alice, ".xml"), key=alice.api_key)

    root = fromstring(response.content)
    assert (root.tag, root.get("type")) == ("clients", "array")
    [client] = list(root)
    assert client.tag == "client"
    assert [child.tag for child in client] == ["id", "name", "tax-id", "links"]
    assert client.findtext("links/link[rel='self']/uri").endswith(".xml")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=0", "per_page"),
        ("per_page=abc", "per_page"),
        ("per_page=-5", "per_page"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("page=x", "page"),
    ],
)
def test_a_page_or_per_page_that_is_not_a_positive_integer_is_422(api, alice, query, field):
    response = api.send("GET", clients_url(alice) + f"?{query}", key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {field: [NOT_A_POSITIVE_INTEGER]}


@pytest.mark.parametrize("query", ["acme", "ACME", "B87654323", "b-87.654.323", "87654"])
def test_the_list_filters_by_name_or_tax_id_with_q(api, alice, query):
    acme = make_client(alice.account)
    make_client(alice.account, name="Otra Empresa SA", tax_id="A58818501")

    response = api.send("GET", clients_url(alice) + "?" + urlencode({"q": query}),
                        key=alice.api_key)

    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [acme.pk]


def test_the_list_shows_only_the_accounts_own_clients(api, alice, bob):
    make_client(bob.account, name="De Bob SL")
    mine = make_client(alice.account)

    response = api.send("GET", clients_url(alice), key=alice.api_key)

    assert [c["id"] for c in response.json()] == [mine.pk]


# -- read ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url_id", ["{pk}", "{pk}-acme-distribuciones-sl", "{pk}-anything"])
def test_a_client_is_read_by_the_leading_integer_of_its_url_id(api, alice, url_id):
    client = make_client(alice.account)
    path = f"/api/v1/accounts/{alice.account.url_id}/clients/{url_id.format(pk=client.pk)}.json"

    response = api.send("GET", path, key=alice.api_key)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == client.pk
    assert body["tax_id"] == "B87654323"
    assert body["discount_percent"] == "0.00"
    assert body["equivalence_surcharge"] is False
    assert set(body) == {
        "id", "account_id", "name", "tax_id", "email", "phone", "street1", "street2", "city",
        "province",
        "postal_code", "country", "discount_percent", "equivalence_surcharge", "notes",
        "public_administration", "dir3_accounting_office", "dir3_managing_body",
        "dir3_processing_unit", "created_at", "updated_at", "links",
    }


def test_a_client_url_id_without_a_leading_integer_is_404(api, alice):
    make_client(alice.account)

    response = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/clients/acme.json",
                        key=alice.api_key)

    assert response.status_code == 404
    assert response.json() == {"errors": [NOT_FOUND]}


def test_a_client_is_read_in_xml_with_typed_values(api, alice):
    client = make_client(alice.account, equivalence_surcharge=True, discount_percent=Decimal(3))

    response = api.send("GET", client_url(alice, client, ".xml"), key=alice.api_key)

    root = fromstring(response.content)
    assert root.tag == "client"
    assert root.find("equivalence-surcharge").get("type") == "boolean"
    assert root.findtext("equivalence-surcharge") == "true"
    assert root.find("created-at").get("type") == "datetime"
    assert root.findtext("discount-percent") == "3.00"
    assert root.find("street2").text is None


# -- update -------------------------------------------------------------------------------


def test_an_update_is_200_with_an_empty_body(api, alice):
    client = make_client(alice.account)

    response = api.send("PUT", client_url(alice, client), {"name": "Acme Nueva SL"},
                        key=alice.api_key)

    assert response.status_code == 200
    assert response.content == b""
    client.refresh_from_db()
    assert client.name == "Acme Nueva SL"


def test_an_update_is_partial_untouched_fields_keep_their_values(api, alice):
    client = make_client(alice.account, notes="Paga a 30 días", discount_percent=Decimal(2))

    api.send("PUT", client_url(alice, client), {"client": {"city": "Sevilla"}},
             key=alice.api_key)

    body = api.send("GET", client_url(alice, client), key=alice.api_key).json()
    assert body["city"] == "Sevilla"
    assert body["name"] == "Acme Distribuciones SL"
    assert body["tax_id"] == "B87654323"
    assert body["notes"] == "Paga a 30 días"
    assert body["discount_percent"] == "2.00"


def test_patch_behaves_as_put(api, alice):
    client = make_client(alice.account)

    response = api.send("PATCH", client_url(alice, client), {"phone": "910000000"},
                        key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    client.refresh_from_db()
    assert (client.phone, client.name) == ("910000000", "Acme Distribuciones SL")


def test_a_client_read_in_json_can_be_put_back_whole_with_one_change(api, alice):
    client = make_client(alice.account)
    body = api.send("GET", client_url(alice, client), key=alice.api_key).json()
    body["notes"] = "Cliente preferente"

    response = api.send("PUT", client_url(alice, client), body, key=alice.api_key)

    assert response.status_code == 200, response.content
    again = api.send("GET", client_url(alice, client), key=alice.api_key).json()
    assert again["notes"] == "Cliente preferente"
    assert {k: v for k, v in again.items() if k not in ("notes", "updated_at")} == {
        k: v for k, v in body.items() if k not in ("notes", "updated_at")
    }


def test_a_client_read_in_xml_can_be_put_back_whole_with_one_change(api, alice):
    client = make_client(alice.account)
    xml = api.send("GET", client_url(alice, client, ".xml"), key=alice.api_key).content
    xml = xml.replace(b"<city>Madrid</city>", b"<city>Bilbao</city>")

    response = api.send("PUT", client_url(alice, client, ".xml"), xml, key=alice.api_key,
                        content_type=XML)

    assert (response.status_code, response.content) == (200, b"")
    client.refresh_from_db()
    assert (client.city, client.street2, client.tax_id) == ("Bilbao", "", "B87654323")


def test_a_form_put_through_post_with_method_override(api, alice):
    client = make_client(alice.account)
    body = urlencode({"_method": "put", "client[city]": "Valencia"})

    response = api.send("POST", client_url(alice, client), body, key=alice.api_key,
                        content_type=FORM)

    assert (response.status_code, response.content) == (200, b"")
    client.refresh_from_db()
    assert client.city == "Valencia"


def test_a_failed_update_changes_nothing(api, alice):
    client = make_client(alice.account)

    response = api.send(
        "PUT", client_url(alice, client), {"name": "Otro", "tax_id": "12345678A"},
        key=alice.api_key,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"tax_id": [INVALID_SPANISH_TAX_ID]}
    assert response.json()["name"] == "Otro"
    client.refresh_from_db()
    assert client.name == "Acme Distribuciones SL"


# -- delete -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["DELETE", "DESTROY"])
def test_a_client_is_deleted_with_an_empty_200_and_is_then_not_found(api, alice, method):
    client = make_client(alice.account)

    response = api.send(method, client_url(alice, client), key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    again = api.send("GET", client_url(alice, client), key=alice.api_key)
    assert again.status_code == 404
    assert not Client.objects.filter(pk=client.pk).exists()


def test_a_client_is_deleted_through_post_with_method_delete(api, alice):
    client = make_client(alice.account)

    response = api.send("POST", client_url(alice, client) + "?_method=delete",
                        key=alice.api_key)

    assert response.status_code == 200
    assert not Client.objects.filter(pk=client.pk).exists()


def test_a_client_with_invoices_cannot_be_deleted(api, alice):
    client = make_client(alice.account)
    make_invoice(alice.account, client)

    response = api.send("DELETE", client_url(alice, client), key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [CLIENT_HAS_INVOICES]}
    assert Client.objects.filter(pk=client.pk).exists()
    assert api.send("GET", client_url(alice, client), key=alice.api_key).status_code == 200


def test_a_client_with_invoices_cannot_be_deleted_in_xml_either(api, alice):
    client = make_client(alice.account)
    make_invoice(alice.account, client)

    response = api.send("DELETE", client_url(alice, client, ".xml"), key=alice.api_key)

    assert response.status_code == 422
    errors = fromstring(response.content)
    assert [e.text for e in errors] == [CLIENT_HAS_INVOICES]


# -- strict parameters --------------------------------------------------------------------

CLIENT_FIELDS = {
    "name", "tax_id", "email", "phone", "street1", "street2", "city", "province",
    "postal_code", "country", "discount_percent", "equivalence_surcharge", "notes",
}


def test_an_unknown_parameter_on_create_is_422_listing_the_allowed_ones(api, alice):
    response = api.send("POST", clients_url(alice), {"name": "Acme", "colour": "red"},
                        key=alice.api_key)

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"colour": [UNEXPECTED_PARAM]}
    allowed = set(body["allowed_params"])
    assert CLIENT_FIELDS | {"api_key", "strict", "format", "_method", "account_id"} <= allowed
    assert "colour" not in allowed
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "list", None),
        ("GET", "detail", None),
        ("PUT", "detail", {"name": "X"}),
        ("DELETE", "detail", None),
    ],
)
def test_an_unknown_parameter_is_422_on_every_operation(api, alice, method, path, body):
    client = make_client(alice.account)
    url = clients_url(alice) if path == "list" else client_url(alice, client)

    response = api.send(method, url + "?bogus=1", body, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"bogus": [UNEXPECTED_PARAM]}
    assert "allowed_params" in response.json()
    assert Client.objects.filter(pk=client.pk, name="Acme Distribuciones SL").exists()


def test_the_list_allows_pagination_and_q(api, alice):
    response = api.send("GET", clients_url(alice) + "?bogus=1", key=alice.api_key)

    assert {"page", "per_page", "q"} <= set(response.json()["allowed_params"])


@pytest.mark.parametrize("strict", ["0", "false", "FALSE"])
def test_strict_off_ignores_unknown_parameters(api, alice, strict):
    body = {"name": "Acme", "colour": "red", "strict": strict}

    response = api.send("POST", clients_url(alice), body, key=alice.api_key)

    assert response.status_code == 200
    assert "colour" not in response.json()


def test_strict_off_in_the_query_string_of_a_list(api, alice):
    response = api.send("GET", clients_url(alice) + "?strict=0&bogus=1", key=alice.api_key)

    assert (response.status_code, response.json()) == (200, [])


# -- bad input is 422, never 500 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("country", "ESP"),
        ("country", 34),
        ("discount_percent", "1e30"),
        ("discount_percent", "99999999999999999999"),
        ("discount_percent", "100.01"),
        ("discount_percent", "-1"),
        ("discount_percent", "abc"),
        ("discount_percent", "NaN"),
        ("discount_percent", "Infinity"),
        ("discount_percent", [1]),
        ("discount_percent", {"a": 1}),
        ("name", ""),
        ("name", None),
        ("name", ["a", "b"]),
        ("name", {"first": "Acme"}),
        ("name", "x" * 201),
        ("email", "not-an-email"),
        ("tax_id", "X" * 21),
        ("tax_id", ["B87654323"]),
        ("equivalence_surcharge", "maybe"),
        ("equivalence_surcharge", [True]),
    ],
)
def test_a_bad_value_is_422_on_its_field(api, alice, field, value):
    body = {"name": "Acme", field: value}

    response = api.send("POST", clients_url(alice), body, key=alice.api_key)

    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert not Client.objects.exists()


def test_an_unknown_country_is_422_with_its_message(api, alice):
    response = api.send("POST", clients_url(alice), {"name": "Acme", "country": "XX"},
                        key=alice.api_key)

    assert response.json()["errors"] == {"country": [UNKNOWN_COUNTRY]}


def test_a_country_code_is_read_in_any_case(api, alice):
    response = api.send("POST", clients_url(alice), {"name": "Acme", "country": "fr"},
                        key=alice.api_key)

    assert response.json()["country"] == "FR"


def test_a_huge_discount_on_update_is_422_and_changes_nothing(api, alice):
    client = make_client(alice.account)

    response = api.send("PUT", client_url(alice, client), {"discount_percent": "1" * 40},
                        key=alice.api_key)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["discount_percent"]


@pytest.mark.parametrize(
    "body",
    ['{"name": ', "[1, 2]", '"just a string"', "<client><name>Acme</client>"],
)
def test_a_malformed_body_is_a_client_error_never_a_500(api, alice, body):
    content_type = XML if body.startswith("<") else "application/json"

    response = api.send("POST", clients_url(alice), body, key=alice.api_key,
                        content_type=content_type)

    assert 400 <= response.status_code < 500
    assert not Client.objects.exists()


# -- equivalence_surcharge in every format --------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/json", {"name": "A", "equivalence_surcharge": True}, True),
        ("application/json", {"name": "A", "equivalence_surcharge": False}, False),
        ("application/json", {"name": "A", "equivalence_surcharge": "true"}, True),
        (FORM, "client[name]=A&client[equivalence_surcharge]=true", True),
        (FORM, "client[name]=A&client[equivalence_surcharge]=1", True),
        (FORM, "client[name]=A&client[equivalence_surcharge]=0", False),
        (FORM, "client[name]=A&client[equivalence_surcharge]=false", False),
        (XML, '<client><name>A</name><equivalence-surcharge type="boolean">true'
              "</equivalence-surcharge></client>", True),
        (XML, '<client><name>A</name><equivalence-surcharge type="boolean">false'
              "</equivalence-surcharge></client>", False),
    ],
)
def test_equivalence_surcharge_is_a_boolean_in_every_format(
    api, alice, content_type, body, expected
):
    response = api.send("POST", clients_url(alice), body, key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 200, response.content
    assert response.json()["equivalence_surcharge"] is expected
    assert Client.objects.get().equivalence_surcharge is expected


# -- outsiders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("PUT", {"name": "Robado"}), ("DELETE", None), ("DESTROY", None)],
)
def test_another_accounts_client_is_not_found_never_forbidden(api, alice, bob, method, body):
    client = make_client(alice.account)

    through_bobs_account = api.send(method, client_url(bob, client), body, key=bob.api_key)
    through_alices_account = api.send(
        method, client_url(bob, client, account_id=alice.account.pk), body, key=bob.api_key
    )

    for response in (through_bobs_account, through_alices_account):
        assert response.status_code == 404
        assert response.json() == {"errors": [NOT_FOUND]}
    client.refresh_from_db()
    assert client.name == "Acme Distribuciones SL"


def test_another_accounts_client_list_and_create_are_not_found(api, alice, bob):
    make_client(alice.account)
    url = clients_url(bob, account_id=alice.account.url_id)

    listed = api.send("GET", url, key=bob.api_key)
    created = api.send("POST", url, {"name": "Intruso"}, key=bob.api_key)

    assert (listed.status_code, created.status_code) == (404, 404)
    assert json.loads(created.content) == {"errors": [NOT_FOUND]}
    assert not Client.objects.filter(name="Intruso").exists()


def test_the_client_list_without_an_api_key_is_401(api, alice):
    response = api.send("GET", clients_url(alice))

    assert response.status_code == 401
    assert list(response.json()) == ["errors"]


# -- performance --------------------------------------------------------------------------


def test_the_client_list_runs_the_same_few_queries_whatever_the_page_size(
    api, alice, django_assert_max_num_queries
):
    seed_clients(alice.account, 120)
    counts = []
    for per_page in (5, 100):
        with django_assert_max_num_queries(3) as captured:
            response = api.send("GET", clients_url(alice) + f"?per_page={per_page}",
                                key=alice.api_key)
        assert len(response.json()) == per_page
        counts.append(len(captured))

    assert counts[0] == counts[1]
