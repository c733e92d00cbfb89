"""The account's records: GET /api/v1/accounts/:account_id/verifactu/records(/:id).:fmt
(CONTRACT §8): one per issue, correction and void, oldest first, each chained to the one
before it by the hash it carries, its XML valid against the AEAT's schema."""

import itertools

import pytest
from defusedxml.ElementTree import fromstring

from facturagem.api.exceptions import NOT_FOUND
from tests.factories import make_client, make_invoice
from verifactu import schema, xml
from verifactu.models import Record

RECORD_FIELDS = {
    "id", "account_id", "position", "kind", "invoice_id", "invoice_type", "issuer_tax_id",
    "invoice_number", "issue_date", "total_tax", "total_amount", "previous_hash", "hash",
    "generated_at", "status", "error_code", "error_description", "csv", "aeat_xml", "links",
    # the sender's (answered_at, the AEAT's text for the code, the message, why pending)
    "answered_at", "error_text", "submission", "pending_reason",
}


def records_url(persona, suffix=".json", account_id=None, **query) -> str:
    url = f"/api/v1/accounts/{account_id or persona.account.pk}/verifactu/records{suffix}"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def history(api, alice):
    """An issue, a correction and a void: three invoices, four records."""
    client = make_client(alice.account)
    first = make_invoice(alice.account, client)
    mistake = make_invoice(alice.account, client)
    base = f"/api/v1/accounts/{alice.account.pk}/invoices"
    api.send("POST", f"{base}/{first.pk}/corrections.json", {"reason": "Devolución"},
             key=alice.api_key)
    api.send("POST", f"{base}/{mistake.pk}/void.json", {"reason": "Duplicada"},
             key=alice.api_key)
    return first, mistake


def test_the_records_are_the_chain_oldest_first(api, alice, history):
    response = api.send("GET", records_url(alice), key=alice.api_key)

    assert response.status_code == 200
    body = response.json()
    assert [(r["position"], r["kind"], r["invoice_type"]) for r in body] == [
        (1, "alta", "F1"), (2, "alta", "F1"), (3, "alta", "R1"), (4, "anulacion", None),
    ]
    assert set(body[0]) == RECORD_FIELDS
    assert body[0]["previous_hash"] == ""
    for before, after in itertools.pairwise(body):
        assert after["previous_hash"] == before["hash"]
    assert response["X-Total-Count"] == "4"


def test_every_stored_xml_validates_and_recomputes_to_its_hash(api, alice, history):
    for record in Record.objects.all():
        schema.validate(record.xml.encode())
        assert xml.recompute_hash(record.xml.encode()) == record.hash
        assert xml.previous_hash_of(record.xml.encode()) == record.previous_hash


def test_a_record_shows_the_literals_it_hashed(api, alice, history):
    first, _ = history
    record = Record.objects.get(invoice=first)

    body = api.send("GET", records_url(alice, "").replace(".json", "") + f"/{record.pk}.json",
                    key=alice.api_key).json()

    assert body["issue_date"] == first.issue_date.strftime("%d-%m-%Y")
    assert (body["total_tax"], body["total_amount"]) == ("21.00", "121.00")
    assert body["issuer_tax_id"] == "B12345674"
    assert body["aeat_xml"] == record.xml
    assert {link["rel"] for link in body["links"]} == {"self", "invoice"}


def test_records_are_filtered_by_invoice_kind_and_status(api, alice, history):
    _, mistake = history

    by_invoice = api.send("GET", records_url(alice, invoice_id=mistake.pk), key=alice.api_key)
    cancellations = api.send("GET", records_url(alice, kind="anulacion"), key=alice.api_key)
    pending = api.send("GET", records_url(alice, status="pending"), key=alice.api_key)
    bad = api.send("GET", records_url(alice, status="lost"), key=alice.api_key)

    assert [r["kind"] for r in by_invoice.json()] == ["alta", "anulacion"]
    assert len(cancellations.json()) == 1
    assert len(pending.json()) == 4
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["status"]


def test_records_are_paginated_like_every_list(api, alice, history):
    response = api.send("GET", records_url(alice, per_page=3, page=2), key=alice.api_key)

    assert [r["position"] for r in response.json()] == [4]
    assert 'rel="prev"' in response["Link"]


def test_records_in_xml(api, alice, history):
    response = api.send("GET", records_url(alice, ".xml"), key=alice.api_key)

    root = fromstring(response.content)
    assert (root.tag, root.get("type"), len(root)) == ("records", "array", 4)
    assert root[0].find("aeat-xml").text.startswith("<sum1:RegistroAlta")
    assert root[3].find("total-amount").get("nil") == "true"


def test_the_list_runs_the_same_few_queries_whatever_its_length(
    api, alice, history, django_assert_max_num_queries
):
    for per_page in (1, 100):
        with django_assert_max_num_queries(3):
            api.send("GET", records_url(alice, per_page=per_page), key=alice.api_key)


def test_bob_sees_none_of_alices_records(api, alice, bob, history):
    record = Record.objects.first()

    listing = api.send("GET", records_url(alice), key=bob.api_key)
    own = api.send("GET", records_url(bob), key=bob.api_key)
    detail = api.send("GET", records_url(bob, "").replace(".json", "") + f"/{record.pk}.json",
                      key=bob.api_key)

    assert listing.status_code == 404
    assert own.json() == []
    assert (detail.status_code, detail.json()) == (404, {"errors": [NOT_FOUND]})


def test_records_are_read_only(api, alice, history):
    record = Record.objects.first()
    url = records_url(alice, "").replace(".json", "") + f"/{record.pk}.json"

    assert api.send("DELETE", url, key=alice.api_key).status_code == 405
    assert api.send("PUT", url, {"hash": "0" * 64}, key=alice.api_key).status_code == 405
    assert api.send("POST", records_url(alice), {}, key=alice.api_key).status_code == 405
