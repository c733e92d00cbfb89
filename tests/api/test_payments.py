"""Payments: /api/v1/accounts/:account_id/invoices/:id/payments(/:id).:fmt (CONTRACT §6)."""

import json
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring
from django.utils import timezone

from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.params import UNEXPECTED_PARAM
from invoices.models import Invoice, Payment
from invoices.services import AMOUNT_NOT_POSITIVE, AMOUNT_OVER_OUTSTANDING
from tests.factories import line, make_client, make_invoice, pay

FORM = "application/x-www-form-urlencoded"
XML = "application/xml"


def payments_url(persona, invoice, suffix=".json", account_id=None) -> str:
    account = account_id or persona.account.pk
    return f"/api/v1/accounts/{account}/invoices/{invoice.pk}/payments{suffix}"


def payment_url(persona, invoice, payment, suffix=".json", account_id=None) -> str:
    return payments_url(persona, invoice, "", account_id) + f"/{payment.pk}{suffix}"


def invoice_state(api, persona, invoice) -> tuple[str, str, bool]:
    url = f"/api/v1/accounts/{persona.account.pk}/invoices/{invoice.pk}.json"
    body = api.send("GET", url, key=persona.api_key).json()
    return body["paid_amount"], body["outstanding"], body["paid"]


@pytest.fixture
def invoice(alice):
    """121.00: one 100.00 line at 21 % IVA."""
    return make_invoice(alice.account, make_client(alice.account), issue_date="2026-02-01")


def test_an_invoice_is_paid_in_two_parts(api, alice, invoice):
    first = api.send("POST", payments_url(alice, invoice),
                     {"amount": "100.00", "date": "2026-02-10", "method": "transfer"},
                     key=alice.api_key)

    assert first.status_code == 200, first.content
    assert invoice_state(api, alice, invoice) == ("100.00", "21.00", False)

    second = api.send("POST", payments_url(alice, invoice),
                      {"payment": {"amount": "21", "method": "cash", "notes": "En mano"}},
                      key=alice.api_key)

    assert second.status_code == 200, second.content
    assert invoice_state(api, alice, invoice) == ("121.00", "0.00", True)
    assert second.json()["amount"] == "21.00"
    assert second.json()["date"] == timezone.localdate().isoformat()


def test_a_created_payment_is_answered_with_itself_and_its_location(api, alice, invoice):
    response = api.send("POST", payments_url(alice, invoice), {"amount": "50.5"},
                        key=alice.api_key)

    payment = Payment.objects.get()
    body = response.json()
    invoice_uri = f"http://testserver/api/v1/accounts/{alice.account.url_id}/invoices/{invoice.url_id}"
    assert body == {
        "id": payment.pk,
        "account_id": alice.account.pk,
        "invoice_id": invoice.pk,
        "amount": "50.50",
        "date": timezone.localdate().isoformat(),
        "method": "transfer",
        "notes": "",
        "created_at": body["created_at"],
        "links": [
            {"rel": "self", "uri": f"{invoice_uri}/payments/{payment.pk}.json"},
            {"rel": "invoice", "uri": f"{invoice_uri}.json"},
        ],
    }
    assert response["Location"] == f"{invoice_uri}/payments/{payment.pk}.json"


def test_a_payment_is_created_from_a_form_and_from_xml(api, alice, invoice):
    form = api.send("POST", payments_url(alice, invoice),
                    "payment[amount]=20&payment[method]=card", key=alice.api_key,
                    content_type=FORM)
    xml = api.send("POST", payments_url(alice, invoice, ".xml"),
                   '<payment><amount type="decimal">30</amount><method>direct_debit</method>'
                   '<date type="date">2026-02-03</date></payment>',
                   key=alice.api_key, content_type=XML)

    assert (form.status_code, xml.status_code) == (200, 200), xml.content
    root = fromstring(xml.content)
    assert root.tag == "payment"
    assert (root.findtext("amount"), root.find("amount").get("type")) == ("30.00", "decimal")
    assert (root.findtext("date"), root.findtext("method")) == ("2026-02-03", "direct_debit")
    assert xml["Location"].endswith(".xml")
    assert invoice_state(api, alice, invoice) == ("50.00", "71.00", False)


@pytest.mark.parametrize("amount", ["121.01", "200", "99999999999"])
def test_a_payment_larger_than_the_outstanding_is_rejected(api, alice, invoice, amount):
    response = api.send("POST", payments_url(alice, invoice), {"amount": amount},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "amount": [AMOUNT_OVER_OUTSTANDING.format(outstanding=Decimal("121.00"))]
    }
    assert response.json()["amount"] == amount
    assert not Payment.objects.exists()


def test_a_paid_invoice_takes_no_more_payments(api, alice, invoice):
    pay(invoice, "121.00")

    response = api.send("POST", payments_url(alice, invoice), {"amount": "0.01"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "amount": [AMOUNT_OVER_OUTSTANDING.format(outstanding=Decimal("0.00"))]
    }


@pytest.mark.parametrize("amount", ["0", "0.00", "-10", "-0.01"])
def test_a_payment_that_is_not_positive_is_rejected(api, alice, invoice, amount):
    response = api.send("POST", payments_url(alice, invoice), {"amount": amount},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"amount": [AMOUNT_NOT_POSITIVE]}
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", None),
        ("amount", "abc"),
        ("amount", "1e40"),
        ("amount", "NaN"),
        ("amount", "10.001"),
        ("amount", [10]),
        ("method", "bitcoin"),
        ("date", "2026-02-30"),
        ("notes", "x" * 2001),
    ],
)
def test_a_bad_payment_value_is_422_never_500(api, alice, invoice, field, value):
    body = {"amount": "10", field: value}

    response = api.send("POST", payments_url(alice, invoice), body, key=alice.api_key)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not Payment.objects.exists()


def test_a_payment_needs_an_amount(api, alice, invoice):
    response = api.send("POST", payments_url(alice, invoice), {"method": "cash"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["amount"]


def test_an_unknown_payment_parameter_is_422_listing_the_allowed_ones(api, alice, invoice):
    response = api.send("POST", payments_url(alice, invoice), {"amount": "1", "tip": "2"},
                        key=alice.api_key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"tip": [UNEXPECTED_PARAM]}
    assert {"amount", "date", "method", "notes"} <= set(response.json()["allowed_params"])


def test_the_payments_are_listed_oldest_first(api, alice, invoice):
    late = pay(invoice, "20.00", date=timezone.datetime(2026, 3, 1).date())
    early = pay(invoice, "10.00", date=timezone.datetime(2026, 2, 1).date(), method="cash")

    response = api.send("GET", payments_url(alice, invoice), key=alice.api_key)

    assert response.status_code == 200
    assert [(p["id"], p["amount"], p["date"], p["method"]) for p in response.json()] == [
        (early.pk, "10.00", "2026-02-01", "cash"),
        (late.pk, "20.00", "2026-03-01", "transfer"),
    ]


def test_the_payments_are_listed_in_xml(api, alice, invoice):
    pay(invoice, "10.00")

    response = api.send("GET", payments_url(alice, invoice, ".xml"), key=alice.api_key)

    root = fromstring(response.content)
    assert (root.tag, root.get("type")) == ("payments", "array")
    [payment] = list(root)
    assert payment.tag == "payment"
    assert payment.find("id").get("type") == "integer"
    assert payment.find("date").get("type") == "date"
    assert payment.findtext("links/link[rel='self']/uri").endswith(".xml")


def test_an_invoice_without_payments_lists_none(api, alice, invoice):
    json_list = api.send("GET", payments_url(alice, invoice), key=alice.api_key)
    xml_list = api.send("GET", payments_url(alice, invoice, ".xml"), key=alice.api_key)

    assert json_list.json() == []
    assert xml_list.content.endswith(b'<payments type="array"/>')


def test_the_invoice_shows_its_payments(api, alice, invoice):
    payment = pay(invoice, "10.00", notes="Anticipo")

    url = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}.json"
    body = api.send("GET", url, key=alice.api_key).json()

    assert [(p["id"], p["amount"], p["notes"]) for p in body["payments"]] == [
        (payment.pk, "10.00", "Anticipo")
    ]


def test_one_payment_is_read(api, alice, invoice):
    payment = pay(invoice, "10.00", method="card")

    response = api.send("GET", payment_url(alice, invoice, payment), key=alice.api_key)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["method"]) == (payment.pk, "card")


def test_deleting_a_payment_restores_the_outstanding(api, alice, invoice):
    kept = pay(invoice, "21.00")
    deleted = pay(invoice, "100.00")

    response = api.send("DELETE", payment_url(alice, invoice, deleted), key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    assert invoice_state(api, alice, invoice) == ("21.00", "100.00", False)
    assert list(Payment.objects.values_list("pk", flat=True)) == [kept.pk]
    gone = api.send("GET", payment_url(alice, invoice, deleted), key=alice.api_key)
    assert gone.status_code == 404


def test_a_payment_cannot_be_updated(api, alice, invoice):
    payment = pay(invoice, "10.00")

    response = api.send("PUT", payment_url(alice, invoice, payment), {"amount": "20"},
                        key=alice.api_key)

    assert response.status_code == 405
    payment.refresh_from_db()
    assert payment.amount == Decimal("10.00")


def test_a_payment_is_found_only_under_its_own_invoice(api, alice, invoice):
    other = make_invoice(alice.account, invoice.client, lines=[line()])
    payment = pay(invoice, "10.00")

    response = api.send("GET", payment_url(alice, other, payment), key=alice.api_key)

    assert response.status_code == 404


# -- outsiders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "list", None),
        ("POST", "list", {"amount": "10"}),
        ("GET", "payment", None),
        ("DELETE", "payment", None),
    ],
)
def test_another_accounts_payments_are_not_found_never_forbidden(
    api, alice, bob, invoice, method, target, body
):
    payment = pay(invoice, "10.00")

    def url(account_id=None):
        if target == "list":
            return payments_url(bob, invoice, account_id=account_id)
        return payment_url(bob, invoice, payment, account_id=account_id)

    through_bobs_account = api.send(method, url(), body, key=bob.api_key)
    through_alices_account = api.send(method, url(alice.account.pk), body, key=bob.api_key)

    for response in (through_bobs_account, through_alices_account):
        assert response.status_code == 404
        assert json.loads(response.content) == {"errors": [NOT_FOUND]}
    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal("10.00")]
    assert Invoice.objects.get(pk=invoice.pk).paid_amount == Decimal("10.00")
