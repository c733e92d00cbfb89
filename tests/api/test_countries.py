"""GET /api/v1/countries and /api/v1/countries/:code (CONTRACT §1, §6): ISO 3166-1 from
pycountry, names in Spanish, no api_key needed, never paginated."""

import pytest
from defusedxml.ElementTree import fromstring

from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.params import ALWAYS_ALLOWED, UNEXPECTED_PARAM

COUNTRIES = "/api/v1/countries"


def test_countries_need_no_key(api, db):
    response = api.send("GET", f"{COUNTRIES}.json")

    assert response.status_code == 200


def test_a_bad_key_does_not_matter_to_countries(api, db):
    response = api.send("GET", f"{COUNTRIES}/ES.json", key="not-a-key")

    assert response.status_code == 200


def test_the_list_is_every_iso_country_unpaginated(api, db):
    countries = api.send("GET", f"{COUNTRIES}.json").json()

    assert isinstance(countries, list)
    assert len(countries) >= 240
    codes = [country["code"] for country in countries]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert {"ES", "PT", "FR", "DE", "GB", "US", "MX", "AR"} <= set(codes)


def test_every_country_in_the_list_has_its_fields_and_self_link(api, db):
    countries = api.send("GET", f"{COUNTRIES}.json").json()

    for country in countries:
        assert set(country) == {"code", "alpha3", "name", "name_en", "eu_member", "links"}
        assert country["links"] == [
            {"rel": "self", "uri": f"http://testserver/api/v1/countries/{country['code']}.json"}
        ]


def test_spain_is_espana_in_the_eu(api, db):
    response = api.send("GET", f"{COUNTRIES}/ES.json")

    assert response.status_code == 200
    assert response.json() == {
        "code": "ES",
        "alpha3": "ESP",
        "name": "España",
        "name_en": "Spain",
        "eu_member": True,
        "links": [{"rel": "self", "uri": "http://testserver/api/v1/countries/ES.json"}],
    }


@pytest.mark.parametrize(
    "code, eu_member",
    [("GB", False), ("US", False), ("CH", False), ("NO", False), ("FR", True), ("GR", True),
     ("DE", True), ("PT", True), ("IE", True), ("CY", True)],
)
def test_eu_membership(api, db, code, eu_member):
    assert api.send("GET", f"{COUNTRIES}/{code}.json").json()["eu_member"] is eu_member


def test_the_eu_has_27_members(api, db):
    countries = api.send("GET", f"{COUNTRIES}.json").json()

    assert sum(country["eu_member"] for country in countries) == 27


@pytest.mark.parametrize("code", ["es", "Es", "eS"])
def test_a_code_is_found_in_any_case(api, db, code):
    response = api.send("GET", f"{COUNTRIES}/{code}.json")

    assert response.status_code == 200
    assert response.json()["code"] == "ES"


@pytest.mark.parametrize("code", ["ZZ", "XX", "ESP", "E", "724", "%00", "E%00", "%C3%91A"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_code_is_404_with_an_errors_body(api, db, code, fmt):
    response = api.send("GET", f"{COUNTRIES}/{code}.{fmt}")

    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == {"errors": [NOT_FOUND]}
    else:
        root = fromstring(response.content)
        assert (root.tag, root.get("type")) == ("errors", "array")
        assert [error.text for error in root] == [NOT_FOUND]


def test_the_xml_collection_is_a_typed_array_of_country_elements(api, db):
    response = api.send("GET", f"{COUNTRIES}.xml")

    assert response.status_code == 200
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = fromstring(response.content)
    assert (root.tag, root.get("type")) == ("countries", "array")
    assert {child.tag for child in root} == {"country"}
    assert len(root) >= 240
    spain = next(country for country in root if country.find("code").text == "ES")
    assert spain.find("name").text == "España"
    assert spain.find("name-en").text == "Spain"
    assert spain.find("eu-member").get("type") == "boolean"
    assert spain.find("eu-member").text == "true"
    assert spain.find("links/link/uri").text == "http://testserver/api/v1/countries/ES.xml"


def test_one_country_in_xml(api, db):
    root = fromstring(api.send("GET", f"{COUNTRIES}/gb.xml").content)

    assert root.tag == "country"
    assert root.find("alpha3").text == "GBR"
    assert root.find("eu-member").text == "false"


def test_countries_are_the_same_for_every_tenant_and_for_nobody(api, alice, bob):
    anonymous = api.send("GET", f"{COUNTRIES}.json").json()
    as_alice = api.send("GET", f"{COUNTRIES}.json", key=alice.api_key).json()
    as_bob = api.send("GET", f"{COUNTRIES}.json", key=bob.api_key).json()

    assert anonymous == as_alice == as_bob


def test_countries_are_not_paginated_so_page_is_an_unknown_parameter(api, db):
    response = api.send("GET", f"{COUNTRIES}.json?page=2")

    assert response.status_code == 422
    assert response.json() == {
        "allowed_params": list(ALWAYS_ALLOWED),
        "errors": {"page": [UNEXPECTED_PARAM]},
    }


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_countries_are_read_only(api, db, method):
    assert api.send(method, f"{COUNTRIES}.json").status_code == 405
    assert api.send(method, f"{COUNTRIES}/ES.json").status_code == 405


def test_an_unknown_format_on_countries_is_406(api, db):
    assert api.send("GET", f"{COUNTRIES}.csv").status_code == 406
    assert api.send("GET", f"{COUNTRIES}/ES.yaml").status_code == 406
