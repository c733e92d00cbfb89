"""GET /api/v1/accounts, GET and PUT /api/v1/accounts/:id (CONTRACT §1, §3, §4, §6):
the current user's account, in JSON and Rails XML, updated from any parameter format."""

import datetime
import json
from decimal import Decimal
from xml.etree.ElementTree import tostring

import pytest
from defusedxml.ElementTree import fromstring

from accounts.models import Account
from accounts.serializers import INVALID_IVA_RATE
from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.params import ALWAYS_ALLOWED, UNEXPECTED_PARAM
from facturagem.api.serializers import UNKNOWN_COUNTRY
from facturagem.validators import INVALID_SPANISH_TAX_ID

FORM = "application/x-www-form-urlencoded"
XML = "application/xml"

ACCOUNT_FIELDS = [
    "id",
    "name",
    "tax_id",
    "email",
    "phone",
    "street1",
    "street2",
    "city",
    "province",
    "postal_code",
    "country",
    "website",
    "iban",
    "currency",
    "default_iva_percent",
    "default_irpf_percent",
    "invoice_footer",
    "verifactu",
    "corrective_series",
    "simplified_invoice_limit",
    "verifactu_pending",
    "disabled_webhooks",
    "created_at",
    "updated_at",
    "links",
]
WRITABLE_FIELDS = {
    "name",
    "tax_id",
    "email",
    "phone",
    "website",
    "street1",
    "street2",
    "city",
    "province",
    "postal_code",
    "country",
    "iban",
    "default_iva_percent",
    "default_irpf_percent",
    "invoice_footer",
}


def url(persona, fmt: str = "json", *, id: str | None = None) -> str:
    return f"/api/v1/accounts/{id or persona.account.url_id}.{fmt}"


def reloaded(persona) -> Account:
    return Account.objects.get(pk=persona.account.pk)


# -- reading ----------------------------------------------------------------------------


def test_get_accounts_is_the_users_own_account_as_one_object(api, alice, bob):
    response = api.send("GET", "/api/v1/accounts.json", key=alice.api_key)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, dict)
    assert list(body) == ACCOUNT_FIELDS
    assert body["id"] == alice.account.pk
    assert body["name"] == "Kovacek Nienow SL"


def test_account_json_has_money_as_strings_and_timestamps_with_offset(api, alice):
    body = api.send("GET", url(alice), key=alice.api_key).json()

    assert body["tax_id"] == "B12345674"
    assert body["country"] == "ES"
    assert body["currency"] == "EUR"
    assert body["default_iva_percent"] == "21.00"
    assert body["default_irpf_percent"] == "0.00"
    assert body["phone"] == ""
    for stamp in ("created_at", "updated_at"):
        assert datetime.datetime.fromisoformat(body[stamp]).utcoffset() is not None


def test_account_links_are_absolute_json_links_with_the_url_id(api, alice):
    links = api.send("GET", "/api/v1/accounts.json", key=alice.api_key).json()["links"]

    base = f"http://testserver/api/v1/accounts/{alice.account.pk}-kovacek-nienow-sl"
    assert links == [
        {"rel": "self", "uri": f"{base}.json"},
        {"rel": "clients", "uri": f"{base}/clients.json"},
        {"rel": "invoices", "uri": f"{base}/invoices.json"},
        {"rel": "new_invoice", "uri": f"{base}/invoices/new.json"},
        {"rel": "verifactu_records", "uri": f"{base}/verifactu/records.json"},
        {"rel": "webhooks", "uri": f"{base}/webhooks.json"},
    ]


def test_get_accounts_in_xml_follows_rails_conventions(api, alice):
    response = api.send("GET", "/api/v1/accounts.xml", key=alice.api_key)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = fromstring(response.content)
    assert root.tag == "account"
    assert [child.tag for child in root] == [name.replace("_", "-") for name in ACCOUNT_FIELDS]
    assert root.find("id").get("type") == "integer"
    assert root.find("id").text == str(alice.account.pk)
    assert root.find("tax-id").text == "B12345674"
    assert root.find("default-iva-percent").get("type") == "decimal"
    assert root.find("default-iva-percent").text == "21.00"
    assert root.find("created-at").get("type") == "datetime"
    assert datetime.datetime.fromisoformat(root.find("created-at").text).utcoffset() is not None
    assert root.find("phone").text is None


def test_account_xml_links_are_a_typed_array_of_xml_links(api, alice):
    root = fromstring(api.send("GET", url(alice, "xml"), key=alice.api_key).content)

    links = root.find("links")
    assert links.get("type") == "array"
    first = links[0]
    assert (first.find("rel").text, first.find("uri").text) == (
        "self",
        f"http://testserver/api/v1/accounts/{alice.account.url_id}.xml",
    )
    assert all(link.find("uri").text.endswith(".xml") for link in links)


def test_account_xml_is_utf8(api, alice):
    Account.objects.filter(pk=alice.account.pk).update(name="Peña & Muñoz <Asociados>")

    response = api.send("GET", url(alice, "xml", id=str(alice.account.pk)), key=alice.api_key)

    assert "Peña &amp; Muñoz &lt;Asociados&gt;".encode() in response.content
    assert fromstring(response.content).find("name").text == "Peña & Muñoz <Asociados>"


@pytest.mark.parametrize("id_form", ["{pk}", "{pk}-kovacek-nienow-sl", "{pk}-anything", "{pk}-"])
def test_an_account_is_found_by_the_leading_integer_of_its_url_id(api, alice, id_form):
    response = api.send(
        "GET", url(alice, id=id_form.format(pk=alice.account.pk)), key=alice.api_key
    )

    assert response.status_code == 200
    assert response.json()["id"] == alice.account.pk


@pytest.mark.parametrize("bad_id", ["abc", "kovacek-nienow-sl", "x1", "-1", "１", "1a"])
def test_an_id_without_a_leading_integer_is_404(api, alice, bad_id):
    response = api.send("GET", url(alice, id=bad_id), key=alice.api_key)

    assert response.status_code == 404
    assert response.json() == {"errors": [NOT_FOUND]}


def test_an_account_that_does_not_exist_is_404(api, alice):
    response = api.send("GET", url(alice, id="999999"), key=alice.api_key)

    assert response.status_code == 404
    assert response.json() == {"errors": [NOT_FOUND]}


def test_outsider_asking_for_alices_account_gets_404_not_403(api, alice, bob):
    read = api.send("GET", url(alice), key=bob.api_key)
    write = api.send("PUT", url(alice), {"name": "Bob was here"}, key=bob.api_key)
    read_xml = api.send("GET", url(alice, "xml"), key=bob.api_key)

    assert read.status_code == write.status_code == read_xml.status_code == 404
    assert read.json() == write.json() == {"errors": [NOT_FOUND]}
    assert fromstring(read_xml.content).tag == "errors"
    assert reloaded(alice).name == "Kovacek Nienow SL"


def test_accounts_need_a_key(api, alice):
    assert api.send("GET", "/api/v1/accounts.json").status_code == 401
    assert api.send("GET", url(alice)).status_code == 401
    assert api.send("PUT", url(alice), {"name": "x"}).status_code == 401
    assert reloaded(alice).name == "Kovacek Nienow SL"


# -- formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/api/v1/accounts.yaml", {}),
        ("/api/v1/accounts/{id}.yaml", {}),
        ("/api/v1/accounts?format=yaml", {}),
        ("/api/v1/accounts", {"HTTP_ACCEPT": "application/yaml"}),
        ("/api/v1/accounts/{id}", {"HTTP_ACCEPT": "text/csv"}),
        ("/api/v1/accounts/{id}.pdf", {}),
        ("/api/v1/accounts/{id}.html", {}),
        ("/api/v1/accounts/{id}.JSON", {}),
    ],
)
@pytest.mark.parametrize("with_key", [True, False], ids=["with key", "without key"])
def test_a_format_the_server_cannot_render_is_406_never_404_or_500(
    api, alice, path, headers, with_key
):
    key = alice.api_key if with_key else None

    response = api.send("GET", path.format(id=alice.account.url_id), key=key, **headers)

    assert response.status_code == 406
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "path, headers, content_type",
    [
        ("/api/v1/accounts", {}, "application/json"),
        ("/api/v1/accounts", {"HTTP_ACCEPT": "application/xml"}, "application/xml"),
        ("/api/v1/accounts", {"HTTP_ACCEPT": "*/*"}, "application/json"),
        ("/api/v1/accounts?format=xml", {}, "application/xml"),
        ("/api/v1/accounts.json", {"HTTP_ACCEPT": "application/xml"}, "application/json"),
    ],
)
def test_without_a_suffix_the_format_param_or_accept_header_decides(
    api, alice, path, headers, content_type
):
    response = api.send("GET", path, key=alice.api_key, **headers)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)


def test_a_browser_gets_the_browsable_api(api, alice):
    response = api.send(
        "GET",
        "/api/v1/accounts",
        key=alice.api_key,
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"Kovacek Nienow SL" in response.content


# -- updating ---------------------------------------------------------------------------


PUT_BODIES = {
    "flat JSON": ("application/json", json.dumps({"name": "Nienow & Hijos SL"})),
    "wrapped JSON": ("application/json", json.dumps({"account": {"name": "Nienow & Hijos SL"}})),
    "flat form": (FORM, "name=Nienow+%26+Hijos+SL"),
    "wrapped form": (FORM, "account%5Bname%5D=Nienow+%26+Hijos+SL"),
    "XML": (XML, "<account><name>Nienow &amp; Hijos SL</name></account>"),
    "typed XML": (
        "text/xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<account><name type="string">Nienow &amp; Hijos SL</name></account>',
    ),
}


@pytest.mark.parametrize("content_type, body", PUT_BODIES.values(), ids=PUT_BODIES.keys())
def test_put_reads_every_format_and_answers_200_with_an_empty_body(
    api, alice, content_type, body
):
    response = api.send("PUT", url(alice), body, key=alice.api_key, content_type=content_type)

    assert response.status_code == 200, response.content
    assert response.content == b""
    assert reloaded(alice).name == "Nienow & Hijos SL"


def test_put_reads_the_query_string(api, alice):
    response = api.send("PUT", url(alice) + "?account%5Bcity%5D=M%C3%A1laga", key=alice.api_key)

    assert response.status_code == 200
    assert reloaded(alice).city == "Málaga"


def test_put_reads_raw_utf8_in_the_query_string(api, alice):
    # curl sends `?city=Málaga` unescaped; WSGI hands the bytes over as latin-1.
    response = api.send("PUT", url(alice) + "?city=Málaga", key=alice.api_key)

    assert response.status_code == 200
    assert reloaded(alice).city == "Málaga"


def test_put_reads_a_multipart_form_sent_as_post_with_method_override(api, alice):
    response = api.post(
        url(alice),
        {"_method": "put", "account[city]": "Sevilla", "account[postal_code]": "41001"},
        HTTP_X_API_KEY=alice.api_key,
    )

    assert response.status_code == 200, response.content
    account = reloaded(alice)
    assert (account.city, account.postal_code) == ("Sevilla", "41001")


def test_put_in_xml_answers_an_empty_body_too(api, alice):
    response = api.send(
        "PUT", url(alice, "xml"), "<account><city>Bilbao</city></account>",
        key=alice.api_key, content_type=XML,
    )

    assert response.status_code == 200
    assert response.content == b""
    assert reloaded(alice).city == "Bilbao"


def test_put_is_partial_attributes_not_sent_keep_their_values(api, alice):
    api.send("PUT", url(alice), {"city": "Madrid", "phone": "910000000"}, key=alice.api_key)

    api.send("PUT", url(alice), {"city": "Toledo"}, key=alice.api_key)

    account = reloaded(alice)
    assert (account.city, account.phone) == ("Toledo", "910000000")
    assert account.name == "Kovacek Nienow SL"


def test_patch_behaves_as_put(api, alice):
    response = api.send("PATCH", url(alice), {"province": "Cádiz"}, key=alice.api_key)

    assert response.status_code == 200
    assert response.content == b""
    assert reloaded(alice).province == "Cádiz"


def test_an_id_in_the_body_cannot_redirect_the_update(api, alice, bob):
    response = api.send(
        "PUT", url(alice), {"id": bob.account.pk, "name": "Renamed"}, key=alice.api_key
    )

    assert response.status_code == 200
    assert reloaded(alice).name == "Renamed"
    assert reloaded(bob).name == "Bob Ferretería SL"


def test_get_change_one_field_and_put_the_whole_json_back(api, alice):
    representation = api.send("GET", url(alice), key=alice.api_key).json()
    representation["name"] = "Kovacek Nienow e Hijos SL"

    response = api.send("PUT", url(alice), representation, key=alice.api_key)

    assert response.status_code == 200, response.content
    assert reloaded(alice).name == "Kovacek Nienow e Hijos SL"


def test_get_change_one_field_and_put_the_whole_xml_back(api, alice):
    root = fromstring(api.send("GET", url(alice, "xml"), key=alice.api_key).content)
    root.find("city").text = "Zaragoza"

    response = api.send(
        "PUT", url(alice, "xml"), tostring(root, encoding="unicode"),
        key=alice.api_key, content_type=XML,
    )

    assert response.status_code == 200, response.content
    assert reloaded(alice).city == "Zaragoza"


def test_tax_id_is_normalised(api, alice):
    response = api.send("PUT", url(alice), {"tax_id": "b-12.345.674"}, key=alice.api_key)

    assert response.status_code == 200
    assert reloaded(alice).tax_id == "B12345674"
    assert api.send("GET", url(alice), key=alice.api_key).json()["tax_id"] == "B12345674"


def test_invalid_tax_id_is_422_with_the_submitted_resource_and_its_errors(api, alice):
    response = api.send(
        "PUT", url(alice), {"name": "Nuevo", "tax_id": "B12345670"}, key=alice.api_key
    )

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"tax_id": [INVALID_SPANISH_TAX_ID]}
    assert body["tax_id"] == "B12345670"
    assert body["name"] == "Nuevo"
    assert "api_key" not in body
    account = reloaded(alice)
    assert (account.name, account.tax_id) == ("Kovacek Nienow SL", "B12345674")


def test_invalid_tax_id_in_xml_is_422_with_rails_errors_to_xml(api, alice):
    response = api.send(
        "PUT", url(alice, "xml"), "<account><tax-id>B12345670</tax-id></account>",
        key=alice.api_key, content_type=XML,
    )

    assert response.status_code == 422
    root = fromstring(response.content)
    assert (root.tag, root.attrib) == ("errors", {})
    assert [e.text for e in root] == [f"Tax id {INVALID_SPANISH_TAX_ID}"]


def test_unknown_country_is_422(api, alice):
    response = api.send("PUT", url(alice), {"country": "XX"}, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"country": [UNKNOWN_COUNTRY]}


def test_country_code_is_read_in_any_case(api, alice):
    response = api.send("PUT", url(alice), {"country": "pt", "tax_id": ""}, key=alice.api_key)

    assert response.status_code == 200, response.content
    assert reloaded(alice).country_id == "PT"


@pytest.mark.parametrize("rate", ["22", "16", "21.5", "-21"])
def test_a_default_iva_that_is_not_a_spanish_rate_is_422(api, alice, rate):
    response = api.send("PUT", url(alice), {"default_iva_percent": rate}, key=alice.api_key)

    assert response.status_code == 422
    assert "default_iva_percent" in response.json()["errors"]
    assert reloaded(alice).default_iva_percent == Decimal("21.00")


def test_a_default_iva_of_22_says_it_is_not_a_spanish_rate(api, alice):
    response = api.send("PUT", url(alice), {"default_iva_percent": "22"}, key=alice.api_key)

    assert response.json()["errors"] == {"default_iva_percent": [INVALID_IVA_RATE]}


@pytest.mark.parametrize("rate", ["21", "10", "4", "0", "7.5", "5", "2"])
def test_every_spanish_iva_rate_is_a_valid_default(api, alice, rate):
    response = api.send("PUT", url(alice), {"default_iva_percent": rate}, key=alice.api_key)

    assert response.status_code == 200
    assert reloaded(alice).default_iva_percent == Decimal(rate)


@pytest.mark.parametrize(
    "raw_body",
    [
        '{"default_irpf_percent": "1e30"}',
        '{"default_irpf_percent": 1e30}',
        '{"default_irpf_percent": 1234567890123456789012345678901234567890}',
        '{"default_irpf_percent": "1234567890123456789012345678901234567890"}',
        '{"default_irpf_percent": "1e999999999"}',
        '{"default_irpf_percent": "1e-999999999"}',
        '{"default_irpf_percent": "NaN"}',
        '{"default_irpf_percent": "-Infinity"}',
        '{"default_irpf_percent": "101"}',
        '{"default_irpf_percent": "-1"}',
        '{"default_irpf_percent": "15.001"}',
        '{"default_irpf_percent": "quince"}',
    ],
)
def test_out_of_range_or_absurd_numbers_are_422_not_500(api, alice, raw_body):
    response = api.send("PUT", url(alice), raw_body, key=alice.api_key)

    assert response.status_code == 422
    assert "default_irpf_percent" in response.json()["errors"]
    assert reloaded(alice).default_irpf_percent == Decimal("0.00")


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/json", {"name": ["Acme", "SL"]}),
        ("application/json", {"name": {"first": "Acme"}}),
        ("application/json", {"name": None}),
        ("application/json", {"name": ""}),
        ("application/json", {"email": {"address": "a@example.com"}}),
        ("application/json", {"email": "not an e-mail"}),
        ("application/json", {"country": ["ES"]}),
        ("application/json", {"default_iva_percent": True}),
        ("application/json", {"default_iva_percent": [21]}),
        ("application/json", {"tax_id": {"nif": "B12345674"}}),
        ("application/json", {"website": 42}),
        (FORM, "name%5B%5D=Acme&name%5B%5D=SL"),
        (FORM, "name%5Bfirst%5D=Acme"),
        (XML, "<account><name><first>Acme</first></name></account>"),
        (XML, '<account><name type="array"><name>Acme</name></name></account>'),
    ],
)
def test_wrong_types_are_refused_never_500(api, alice, content_type, body):
    response = api.send("PUT", url(alice), body, key=alice.api_key, content_type=content_type)

    assert response.status_code in (400, 422), response.content
    assert "errors" in response.json()
    assert reloaded(alice).name == "Kovacek Nienow SL"


# -- strict parameters ------------------------------------------------------------------


def test_an_unknown_parameter_is_422_listing_every_allowed_parameter(api, alice):
    response = api.send("PUT", url(alice), {"name": "Nuevo", "bogus": "1"}, key=alice.api_key)

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"bogus": [UNEXPECTED_PARAM]}
    allowed = set(body["allowed_params"])
    assert allowed >= set(ALWAYS_ALLOWED) | {"id"} | WRITABLE_FIELDS
    # The representation's read-only attributes are known too (GET → edit → PUT).
    assert allowed >= {"currency", "created_at", "updated_at", "links"}
    assert reloaded(alice).name == "Kovacek Nienow SL"


def test_unknown_parameters_in_xml_are_422_with_allowed_params(api, alice):
    response = api.send(
        "PUT", url(alice, "xml"), "<account><bogus>1</bogus></account>",
        key=alice.api_key, content_type=XML,
    )

    assert response.status_code == 422
    root = fromstring(response.content)
    assert root.find("allowed-params").get("type") == "array"
    assert "name" in [item.text for item in root.find("allowed-params")]
    assert root.tag == "errors"
    assert [e.text for e in root.findall("error")] == [f"Bogus {UNEXPECTED_PARAM}"]


def test_a_get_with_an_unknown_parameter_lists_what_get_allows(api, alice):
    response = api.send("GET", url(alice) + "?verbose=1", key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"verbose": [UNEXPECTED_PARAM]}
    assert set(response.json()["allowed_params"]) == {*ALWAYS_ALLOWED, "id"}


@pytest.mark.parametrize(
    "path_suffix, body",
    [
        ("?strict=false", {"name": "Nuevo", "bogus": "1"}),
        ("?strict=0", {"name": "Nuevo", "bogus": "1"}),
        ("?strict=FALSE", {"name": "Nuevo", "bogus": "1"}),
        ("", {"name": "Nuevo", "bogus": "1", "strict": False}),
        ("", {"name": "Nuevo", "bogus": {"deeply": ["nested"]}, "strict": "0"}),
        ("", {"account": {"name": "Nuevo", "bogus": "1"}, "strict": "false"}),
    ],
)
def test_strict_false_ignores_unknown_parameters(api, alice, path_suffix, body):
    response = api.send("PUT", url(alice) + path_suffix, body, key=alice.api_key)

    assert response.status_code == 200, response.content
    assert reloaded(alice).name == "Nuevo"


# -- verbs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/api/v1/accounts.json", {"name": "Another"}),
        ("POST", "/api/v1/accounts.json", {"bogus": "1"}),
        ("PUT", "/api/v1/accounts.json", {"name": "Another"}),
        ("DELETE", "/api/v1/accounts.json", None),
        ("POST", "/api/v1/accounts/{id}.json", {"name": "Another"}),
        ("DELETE", "/api/v1/accounts/{id}.json", None),
        ("DESTROY", "/api/v1/accounts/{id}.json", None),
        ("POST", "/api/v1/accounts/{id}.json?_method=delete", None),
    ],
)
def test_accounts_are_not_created_or_destroyed_through_the_api(api, alice, method, path, body):
    response = api.send(method, path.format(id=alice.account.url_id), body, key=alice.api_key)

    assert response.status_code == 405
    assert "errors" in response.json()
    assert Account.objects.filter(pk=alice.account.pk).exists()
    assert Account.objects.count() == 1


def test_a_405_says_which_verbs_are_allowed(api, alice):
    response = api.send("DELETE", url(alice), key=alice.api_key)

    allowed = {verb.strip() for verb in response["Allow"].split(",")}
    assert allowed >= {"GET", "PUT", "PATCH"}
    assert "DELETE" not in allowed
