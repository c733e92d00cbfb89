"""Hostile input found by hand (issue 8): each of these answered 500, most without an api_key.
Now each is a clear 4xx from the wire machinery, whatever the resource."""

import json

import pytest

from facturagem.api.params import UNEXPECTED_PARAM
from facturagem.api.serializers import UNKNOWN_COUNTRY

XML = "application/xml"


# -- parameter names that are all digits ---------------------------------------------------


@pytest.mark.parametrize("query", ["?0=x", "?0=x&1=y", "?12=x", "?0[a]=x"])
def test_a_parameter_named_by_digits_is_an_unexpected_parameter_without_a_key(api, db, query):
    response = api.send("GET", f"/api/v1/countries.json{query}")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {name.split("=")[0].split("[")[0]
                                              for name in query[1:].split("&")}


def test_a_session_body_named_by_digits_is_a_422_naming_it(api, db):
    response = api.send("POST", "/api/v1/session.json", {"0": "x"})

    assert response.status_code == 422
    assert response.json()["errors"]["0"] == [UNEXPECTED_PARAM]


def test_a_parameter_named_by_digits_is_ignored_when_not_strict(api, db):
    response = api.send("GET", "/api/v1/countries/es.json?0=x&strict=false")

    assert response.status_code == 200


def test_indexed_brackets_below_the_top_are_still_a_list(api, alice):
    body = {"name": "Acme", "lines": {"1": {"description": "b"}, "0": {"description": "a"}}}
    response = api.send("POST", f"/api/v1/accounts/{alice.account.pk}/clients.json",
                        {**body, "strict": "false"}, key=alice.api_key)

    assert response.status_code == 200


# -- XML in an encoding nobody knows ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["bogus", "x-unknown-8", "utf-9"])
def test_xml_in_an_unknown_encoding_is_a_400_without_a_key(api, db, encoding):
    body = f'<?xml version="1.0" encoding="{encoding}"?><session><login>a</login></session>'

    response = api.send("POST", "/api/v1/session.xml", body, content_type=XML)

    assert response.status_code == 400
    assert b"unknown encoding" in response.content


# -- lone surrogates ----------------------------------------------------------------------


@pytest.mark.parametrize("country", ["\ud800", "E\udfff", "\udbff\udc00x"])
def test_a_lone_surrogate_in_an_accounts_country_is_a_422(api, alice, country):
    body = json.dumps({"country": country})  # json.dumps escapes it as "\ud800"

    response = api.send("PUT", f"/api/v1/accounts/{alice.account.pk}.json", body,
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"country": [UNKNOWN_COUNTRY]}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_lone_surrogate_in_a_clients_country_is_a_422(api, alice, fmt):
    body = json.dumps({"name": "Acme", "country": "\ud800"})

    response = api.send("POST", f"/api/v1/accounts/{alice.account.pk}/clients.{fmt}", body,
                        key=alice.api_key)

    assert response.status_code == 422
    assert not alice.account.clients.exists()


def test_a_lone_surrogate_in_a_query_filter_is_read_as_a_replacement_character(api, alice):
    response = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/clients.json?q=%ED%A0%80",
                        key=alice.api_key)

    assert response.status_code == 200


# -- the body limit holds for every part of a body -----------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    return settings


@pytest.mark.parametrize("method", ["put", "post"])
def test_a_multipart_file_part_over_the_limit_is_413(api, alice, small_limit, method):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.bin", b"x" * 3_000)
    url = f"/api/v1/accounts/{alice.account.pk}.json"
    data = {"name": "Nuevo", "file": upload}
    if method == "post":
        response = api.post(url, {**data, "_method": "put"}, HTTP_X_API_KEY=alice.api_key)
    else:
        from django.test.client import MULTIPART_CONTENT, encode_multipart

        body = encode_multipart("BoUnDaRy", data)
        response = api.generic("PUT", url, body, content_type=f"{MULTIPART_CONTENT[:19]}; "
                               "boundary=BoUnDaRy", HTTP_X_API_KEY=alice.api_key)

    assert response.status_code == 413
    assert response.json() == {"errors": {"base": ["The request body is too large"]}}
    alice.account.refresh_from_db()
    assert alice.account.name == "Kovacek Nienow SL"


def test_an_unknown_api_url_ending_in_xml_is_a_404_in_xml(api, db):
    response = api.get("/api/v1/countries/0.5.xml")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert b"<errors type=\"array\"><error>Not found</error></errors>" in response.content
