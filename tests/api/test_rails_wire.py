"""The Rails details that real ActiveResource clients depend on (CONTRACT §3, §6): messages
that read after the attribute's name, Rails' errors.to_xml, the URL prefix ids on every
nested resource, `<user>` for the session and `<id>-<slug>` in every link."""

import pytest
from defusedxml.ElementTree import fromstring

from facturagem.api.messages import (
    CANT_BE_BLANK,
    IS_INVALID,
    NOT_A_BOOLEAN,
    NOT_A_DATE,
    NOT_A_NUMBER,
    NOT_IN_LIST,
    full_message,
    rails_fragment,
)
from tests.factories import make_client, make_invoice, pay

XML = "application/xml"


def clients_url(persona, fmt="json"):
    return f"/api/v1/accounts/{persona.account.pk}/clients.{fmt}"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": ""}, {"name": [CANT_BE_BLANK]}),
        ({}, {"name": [CANT_BE_BLANK]}),
        ({"name": None}, {"name": [CANT_BE_BLANK]}),
        ({"name": "x" * 201}, {"name": ["is too long (maximum is 200 characters)"]}),
        ({"name": "A", "discount_percent": "mucho"}, {"discount_percent": [NOT_A_NUMBER]}),
        ({"name": "A", "discount_percent": "101"},
         {"discount_percent": ["must be less than or equal to 100"]}),
        ({"name": "A", "discount_percent": "1.234"},
         {"discount_percent": ["must have at most 2 decimal places"]}),
        ({"name": "A", "email": "nope"}, {"email": [IS_INVALID]}),
        ({"name": "A", "equivalence_surcharge": "quizá"},
         {"equivalence_surcharge": [NOT_A_BOOLEAN]}),
        ({"name": ["A", "B"]}, {"name": [IS_INVALID]}),
    ],
)
def test_validation_messages_are_rails_fragments(api, alice, body, errors):
    response = api.send("POST", clients_url(alice), body, key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == errors


def test_nested_messages_are_fragments_too(api, alice):
    client = make_client(alice.account)
    body = {"client_id": client.pk, "issue_date": "ayer",
            "lines": [{"description": "", "quantity": "x", "unit_price": "1"}]}

    response = api.send("POST", f"/api/v1/accounts/{alice.account.pk}/invoices.json", body,
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "issue_date": [NOT_A_DATE],
        "lines[0].description": [CANT_BE_BLANK],
        "lines[0].quantity": [NOT_A_NUMBER],
    }


def test_a_payment_method_outside_the_list_is_not_included_in_the_list(api, alice):
    invoice = make_invoice(alice.account)
    url = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}/payments.json"

    response = api.send("POST", url, {"amount": "1", "method": "bitcoin"}, key=alice.api_key)

    assert response.json()["errors"] == {"method": [NOT_IN_LIST]}


def test_our_own_messages_and_whole_sentences_are_left_alone():
    assert rails_fragment("is not a valid Spanish NIF") == "is not a valid Spanish NIF"
    assert full_message("base", "Cannot delete it.") == "Cannot delete it."
    assert full_message("tax_id", "is invalid") == "Tax id is invalid"
    assert full_message("lines[1].quantity", NOT_A_NUMBER) == "Lines[1] quantity is not a number"


def test_an_xml_422_is_rails_errors_to_xml_with_full_messages(api, alice):
    body = "<client><name></name><email>nope</email></client>"

    response = api.send("POST", clients_url(alice, "xml"), body, key=alice.api_key,
                        content_type=XML)

    assert response.status_code == 422
    assert response.content == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<errors><error>Name can't be blank</error><error>Email is invalid</error></errors>"
    )


def test_an_xml_422_for_unexpected_parameters_lists_the_allowed_ones(api, alice):
    body = "<client><name>A</name><colour>red</colour></client>"

    response = api.send("POST", clients_url(alice, "xml"), body, key=alice.api_key,
                        content_type=XML)

    root = fromstring(response.content)
    assert (root.tag, root.attrib) == ("errors", {})
    assert [e.text for e in root.findall("error")] == ["Colour is not an allowed parameter"]
    assert "name" in [p.text for p in root.find("allowed-params")]


# -- the URL prefix travels with every nested resource -------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_carries_its_account_id(api, alice, fmt):
    client = make_client(alice.account)

    response = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/clients/{client.pk}.{fmt}",
                        key=alice.api_key)

    if fmt == "json":
        assert response.json()["account_id"] == alice.account.pk
    else:
        element = fromstring(response.content).find("account-id")
        assert (element.get("type"), element.text) == ("integer", str(alice.account.pk))


def test_an_invoice_carries_its_account_id_and_client_id(api, alice):
    invoice = make_invoice(alice.account)

    body = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}.json",
                    key=alice.api_key).json()

    assert (body["account_id"], body["client_id"]) == (alice.account.pk, invoice.client_id)


def test_a_payment_carries_its_account_id_and_invoice_id(api, alice):
    invoice = make_invoice(alice.account)
    payment = pay(invoice, "10")
    url = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}/payments/{payment.pk}.json"

    body = api.send("GET", url, key=alice.api_key).json()

    assert (body["account_id"], body["invoice_id"]) == (alice.account.pk, invoice.pk)


def test_the_session_in_xml_is_a_user(api, alice):
    response = api.send("GET", "/api/v1/session.xml", key=alice.api_key)

    assert fromstring(response.content).tag == "user"


def test_every_link_of_an_invoice_uses_the_slugged_ids(api, alice):
    invoice = make_invoice(alice.account, make_client(alice.account, name="Ñandú Logística SA"))

    body = api.send("GET", f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}.json",
                    key=alice.api_key).json()

    links = {link["rel"]: link["uri"] for link in body["links"]}
    assert links["client"].endswith(f"/clients/{invoice.client_id}-nandu-logistica-sa.json")
    assert f"/accounts/{alice.account.url_id}/" in links["self"]
    assert links["self"].endswith(f"/invoices/{invoice.url_id}.json")
