"""A sweep of the whole route table (read from the URL resolver, so a new route is swept
too): every verb, in every format and with hostile bodies, answers something below 500."""

import pytest

from playground.routes import api_routes
from tests.factories import make_client, make_invoice, pay
from webhooks.services import webhook_create

VERBS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "DESTROY", "TRACE")
SUFFIXES = ("", ".json", ".xml", ".pdf", ".yaml")
BODIES = (
    ("application/json", "{}"),
    ("application/json", '{"bogus": [1, {"x": null}], "lines": "nope", "amount": "1e999"}'),
    ("application/xml", "<x><lines><line>1</line></lines></x>"),
    ("application/x-www-form-urlencoded", "a[b]=1&a[]=2&lines[][x]=1"),
)


@pytest.mark.parametrize("route", api_routes(), ids=lambda route: route["path"])
def test_no_verb_format_or_body_makes_a_route_answer_500(api, alice, bob, route):
    client = make_client(alice.account)
    invoice = make_invoice(alice.account, client)
    payment = pay(invoice, "1.00") if "payments/{id}" in route["path"] else None
    webhook = webhook_create(account=alice.account, url="https://hooks.example.com/",
                             events=["invoice.issued"]).webhook
    ids = {
        "account_id": alice.account.pk, "client_id": client.pk, "invoice_id": invoice.pk,
        "webhook_id": webhook.pk,
        "id": (payment.pk if payment else invoice.pk if "invoices/{id}" in route["path"]
               else client.pk if "clients/{id}" in route["path"] else alice.account.pk),
        "code": "ES",
    }
    path = route["path"].format(**ids)
    failures = []
    for verb in VERBS:
        for suffix in SUFFIXES:
            for content_type, body in BODIES:
                response = api.send(verb, path + suffix, body, key=alice.api_key,
                                    content_type=content_type)
                if response.status_code >= 500:
                    failures.append((verb, suffix, content_type, response.status_code))
    assert failures == []


def test_writes_on_an_invoice_pdf_are_406(api, alice):
    invoice = make_invoice(alice.account, make_client(alice.account))
    path = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}.pdf"
    for verb in ("PUT", "PATCH", "DELETE"):
        assert api.send(verb, path, "{}", key=alice.api_key).status_code == 406
    invoice.refresh_from_db()
