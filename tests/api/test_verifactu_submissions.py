"""What the taxpayer sees of the sending (CONTRACT §8 "Sending to the AEAT"): the account's
`verifactu_pending` warning, each record's answer and the message that carried it, and the
messages themselves at GET /api/v1/accounts/:account_id/verifactu/submissions(/:id).:fmt."""

import pytest
from defusedxml.ElementTree import fromstring

from certificates.services import certificate_upload
from facturagem.api.exceptions import NOT_FOUND
from tests.factories import make_client, make_invoice
from tests.verifactu import aeat_standin as aeat
from tests.verifactu.conftest import aeat_standin, pki  # noqa: F401 - fixtures
from verifactu import errors, sending
from verifactu.models import Record, Submission

SUBMISSION_SUMMARY = {
    "id", "state", "attempt", "incidencia", "record_count", "sent_at", "finished_at",
    "status", "csv", "wait_seconds", "error_kind", "error_code", "error", "error_text",
}
SUBMISSION_FIELDS = SUBMISSION_SUMMARY | {
    "account_id", "presenter_nif", "representative", "presented_at", "envelope", "response",
    "links",
}


def base(persona) -> str:
    return f"/api/v1/accounts/{persona.account.pk}"


@pytest.fixture
def sent(alice, pki, aeat_standin):  # noqa: F811 - fixtures
    """Three invoices of Alice's sent in one message: the second refused (1105)."""
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    client = make_client(alice.account)
    invoices = [make_invoice(alice.account, client) for _ in range(3)]
    aeat_standin.script(aeat.partially_correct({invoices[1].number: aeat.rejected(1105)},
                                               csv="A-5LDM92G53JYSRM"))
    sending.send_next(installation_id=alice.account.verifactu_installation.pk)
    return Submission.objects.get()


def test_a_record_shows_its_answer_and_the_message_that_carried_it(api, alice, sent):
    accepted, refused = Record.objects.order_by("position")[:2]

    body = api.send("GET", f"{base(alice)}/verifactu/records/{refused.pk}.json",
                    key=alice.api_key).json()
    good = api.send("GET", f"{base(alice)}/verifactu/records/{accepted.pk}.json",
                    key=alice.api_key).json()

    assert (body["status"], body["error_code"], body["csv"]) == ("rejected", 1105, "")
    assert body["error_text"] == errors.describe(1105)
    assert body["error_description"] == errors.describe(1105)
    assert body["answered_at"] and body["pending_reason"] is None
    assert set(body["submission"]) == SUBMISSION_SUMMARY
    assert (body["submission"]["id"], body["submission"]["status"],
            body["submission"]["csv"]) == (sent.pk, "ParcialmenteCorrecto", "A-5LDM92G53JYSRM")
    link = {item["rel"]: item["uri"] for item in body["links"]}["submission"]
    assert link == (f"http://testserver/api/v1/accounts/{alice.account.url_id}"
                    f"/verifactu/submissions/{sent.pk}.json")
    assert (good["status"], good["csv"], good["error_text"]) == (
        "accepted", "A-5LDM92G53JYSRM", None)


def test_a_message_shows_what_was_sent_and_what_came_back(api, alice, sent):
    response = api.send("GET", f"{base(alice)}/verifactu/submissions/{sent.pk}.json",
                        key=alice.api_key)

    body = response.json()
    assert response.status_code == 200 and set(body) == SUBMISSION_FIELDS
    assert body["envelope"] == sent.envelope and body["response"] == sent.response
    assert (body["state"], body["record_count"], body["attempt"], body["incidencia"]) == (
        "answered", 3, 1, False)
    assert body["presenter_nif"] == "B12345674" and body["wait_seconds"] == 60
    records = {item["rel"]: item["uri"] for item in body["links"]}["records"]
    listed = api.send("GET", records.replace("http://testserver", ""), key=alice.api_key)
    assert len(listed.json()) == 3


def test_the_messages_list_newest_first_without_envelopes(api, alice, sent):
    body = api.send("GET", f"{base(alice)}/verifactu/submissions.json",
                    key=alice.api_key).json()

    assert [item["id"] for item in body] == [sent.pk]
    assert "envelope" not in body[0] and "response" not in body[0]


def test_a_message_in_xml(api, alice, sent):
    response = api.send("GET", f"{base(alice)}/verifactu/submissions/{sent.pk}.xml",
                        key=alice.api_key)

    root = fromstring(response.content)
    assert root.tag == "submission"
    assert root.find("record-count").text == "3"
    assert root.find("envelope").text.startswith("<?xml")


def test_the_account_warns_while_records_are_pending(api, alice, sent):
    make_invoice(alice.account)  # the next one, not sent yet
    pending = Record.objects.get(status="pending")

    body = api.send("GET", f"{base(alice)}.json", key=alice.api_key).json()
    xml = fromstring(api.send("GET", f"{base(alice)}.xml", key=alice.api_key).content)

    assert body["verifactu_pending"] == {"count": 1, "since": pending.generated_at,
                                         "reason": None}
    assert xml.find("verifactu-pending/count").text == "1"


def test_an_account_with_nothing_pending_says_so(api, alice, sent):
    body = api.send("GET", f"{base(alice)}.json", key=alice.api_key).json()

    assert body["verifactu_pending"] == {"count": 0, "since": None, "reason": None}


def test_the_account_put_ignores_the_warning_sent_back(api, alice, sent):
    account = api.send("GET", f"{base(alice)}.json", key=alice.api_key).json()

    response = api.send("PUT", f"{base(alice)}.json", account, key=alice.api_key)

    assert response.status_code == 200


def test_records_filter_by_message(api, alice, sent):
    make_invoice(alice.account)

    in_message = api.send("GET", f"{base(alice)}/verifactu/records.json?submission_id={sent.pk}",
                          key=alice.api_key).json()
    bad = api.send("GET", f"{base(alice)}/verifactu/records.json?submission_id=x",
                   key=alice.api_key)

    assert len(in_message) == 3
    assert bad.status_code == 422


def test_bob_sees_none_of_alices_messages(api, alice, bob, sent):
    detail = api.send("GET", f"{base(bob)}/verifactu/submissions/{sent.pk}.json",
                      key=bob.api_key)
    listing = api.send("GET", f"{base(alice)}/verifactu/submissions.json", key=bob.api_key)
    own = api.send("GET", f"{base(bob)}/verifactu/submissions.json", key=bob.api_key)

    assert (detail.status_code, detail.json()) == (404, {"errors": [NOT_FOUND]})
    assert listing.status_code == 404
    assert own.json() == []


def test_the_records_list_stays_a_few_queries_with_their_messages(
        api, alice, sent, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        api.send("GET", f"{base(alice)}/verifactu/records.json", key=alice.api_key)
