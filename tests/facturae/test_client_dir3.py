"""A client that is a Spanish public administration carries the DIR3 codes FACe routes its
invoices by (CONTRACT §6 Client, extended; docs/api.md "FacturaE")."""

from facturagem.validators import INVALID_DIR3


def clients_url(persona, suffix=".json") -> str:
    return f"/api/v1/accounts/{persona.account.pk}/clients{suffix}"


def create(api, persona, body, suffix=".json", **options):
    return api.send("POST", clients_url(persona, suffix), body, key=persona.api_key, **options)


TOWN_HALL = {"name": "Ayuntamiento de Madrid", "tax_id": "P2807900B",
             "public_administration": True, "dir3_accounting_office": "l0128 0796",
             "dir3_managing_body": "L01280796", "dir3_processing_unit": "LA0000001"}


def test_a_client_takes_its_dir3_codes_normalised(api, alice):
    response = create(api, alice, TOWN_HALL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert [body[name] for name in ("public_administration", "dir3_accounting_office",
                                    "dir3_managing_body", "dir3_processing_unit")] == [
        True, "L01280796", "L01280796", "LA0000001"]


def test_a_client_has_no_dir3_codes_by_default(api, alice):
    body = create(api, alice, {"name": "Acme"}).json()

    assert (body["public_administration"], body["dir3_accounting_office"]) == (False, "")


def test_a_code_that_is_not_dir3_is_422(api, alice):
    response = create(api, alice, {**TOWN_HALL, "dir3_managing_body": "L0128-0796"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"dir3_managing_body": [INVALID_DIR3]}


def test_dir3_codes_travel_in_xml_too(api, alice):
    body = ("<client><name>Diputación</name><public-administration type=\"boolean\">true"
            "</public-administration><dir3-processing-unit>GE0000001</dir3-processing-unit>"
            "</client>")
    response = create(api, alice, body, suffix=".xml", content_type="application/xml")

    assert response.status_code == 200, response.content
    assert b"<dir3-processing-unit>GE0000001</dir3-processing-unit>" in response.content
