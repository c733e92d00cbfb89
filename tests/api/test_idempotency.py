"""Idempotency-Key on every POST (CONTRACT §10): a repeat within 24 hours replays the first
answer, the same key with another request is a 422 naming it, a repeat while the first runs
is a 409 with Retry-After, and twenty concurrent repeats create one invoice. Legacy clients
without the header see no change."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.utils import timezone

from facturagem.api import idempotency
from facturagem.models import IdempotencyKey
from invoices.models import Invoice, Payment
from tests.api.test_concurrency import run_in_threads, shared_database  # noqa: F401 - fixture
from tests.factories import make_client, make_invoice
from webhooks.models import Webhook

KEY = "6f1c2a0e-0b1e-4f7e-9d43-2b9c1f0c7a11"
XML = "application/xml"


def invoices_url(persona, suffix=".json") -> str:
    return f"/api/v1/accounts/{persona.account.pk}/invoices{suffix}"


def an_invoice(client) -> dict:
    return {"client_id": client.pk, "issue_date": "2026-05-04",
            "lines": [{"description": "Consultoría", "quantity": "1", "unit_price": "100"}]}


@pytest.fixture
def acme(alice):
    return make_client(alice.account)


def post(api, persona, body, *, key=KEY, path=None, **extra):
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return api.send("POST", path or invoices_url(persona), body, key=persona.api_key, **extra)


# -- replay ---------------------------------------------------------------------------------


def test_a_repeat_replays_the_first_answer_and_creates_nothing(api, alice, acme):
    first = post(api, alice, an_invoice(acme))
    repeat = post(api, alice, an_invoice(acme))

    assert first.status_code == repeat.status_code == 200
    assert repeat.content == first.content
    assert repeat["Location"] == first["Location"]
    assert repeat["Content-Type"] == first["Content-Type"]
    assert repeat[idempotency.REPLAYED_HEADER] == "true"
    assert idempotency.REPLAYED_HEADER not in first
    assert Invoice.objects.count() == 1


def test_a_replay_says_where_the_caller_stands_now(api, alice, acme):
    first = post(api, alice, an_invoice(acme))
    repeat = post(api, alice, an_invoice(acme))

    assert int(repeat["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1


def test_an_xml_answer_is_replayed_byte_for_byte(api, alice, acme):
    body = (f"<invoice><client-id>{acme.pk}</client-id><lines type=\"array\"><line>"
            "<description>Consultoría</description><quantity>1</quantity>"
            "<unit-price>100</unit-price></line></lines></invoice>")
    first = post(api, alice, body, path=invoices_url(alice, ".xml"), content_type=XML)
    repeat = post(api, alice, body, path=invoices_url(alice, ".xml"), content_type=XML)

    assert first.status_code == 200, first.content
    assert repeat.content == first.content
    assert repeat["Content-Type"] == "application/xml; charset=utf-8"
    assert Invoice.objects.count() == 1


def test_a_refusal_is_replayed_too(api, alice):
    first = post(api, alice, {"lines": []})
    repeat = post(api, alice, {"lines": []})

    assert first.status_code == repeat.status_code == 422
    assert repeat.content == first.content
    assert repeat[idempotency.REPLAYED_HEADER] == "true"


def test_the_same_request_wrapped_or_with_the_key_elsewhere_is_a_repeat(api, alice, acme):
    post(api, alice, an_invoice(acme))
    repeat = api.send("POST", f"{invoices_url(alice)}?api_key={alice.api_key}",
                      {"invoice": an_invoice(acme)}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert repeat.status_code == 200
    assert repeat[idempotency.REPLAYED_HEADER] == "true"
    assert Invoice.objects.count() == 1


def test_a_payment_repeated_is_registered_once(api, alice):
    invoice = make_invoice(alice.account)
    path = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}/payments.json"
    for _ in range(3):
        assert post(api, alice, {"amount": "10.00"}, path=path).status_code == 200

    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_without_the_header_every_post_runs_as_it_always_did(api, alice, acme):
    first = post(api, alice, an_invoice(acme), key=None)
    second = post(api, alice, an_invoice(acme), key=None)

    assert first.status_code == second.status_code == 200
    assert first.json()["number"] != second.json()["number"]
    assert idempotency.REPLAYED_HEADER not in second
    assert IdempotencyKey.objects.count() == 0


def test_keys_are_per_account(api, alice, bob, acme):
    post(api, alice, an_invoice(acme))
    bobs_client = make_client(bob.account)
    response = post(api, bob, an_invoice(bobs_client))

    assert response.status_code == 200
    assert idempotency.REPLAYED_HEADER not in response
    assert Invoice.objects.filter(account=bob.account).count() == 1


# -- conflict, in progress ------------------------------------------------------------------


def test_the_same_key_with_another_body_is_a_422_naming_the_first_request(api, alice, acme):
    post(api, alice, an_invoice(acme))
    response = post(api, alice, {**an_invoice(acme), "notes": "otra"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [idempotency.KEY_REUSED.format(
        method="POST", path=invoices_url(alice))]}
    assert Invoice.objects.count() == 1


def test_the_same_key_on_another_path_is_a_422(api, alice, acme):
    post(api, alice, an_invoice(acme))
    response = post(api, alice, {"name": "Otra SL"},
                    path=f"/api/v1/accounts/{alice.account.pk}/clients.json")

    assert response.status_code == 422
    assert "POST /api/v1/accounts/" in response.json()["errors"]["base"][0]


def test_the_conflict_is_said_in_rails_xml_too(api, alice, acme):
    post(api, alice, an_invoice(acme), path=invoices_url(alice, ".xml"))
    response = post(api, alice, {"notes": "x"}, path=invoices_url(alice, ".xml"))

    assert response.status_code == 422
    assert b"<errors><error>This Idempotency-Key was first used" in response.content


def claimed_by_a_running_request(persona, path: str, body: dict) -> idempotency.Claim:
    """The key as a first request holds it while it runs (claimed through the machinery)."""
    request = RequestFactory().post(path, HTTP_IDEMPOTENCY_KEY=KEY)
    request.user = persona.user
    return idempotency.begin(request, params=body)


def test_a_repeat_while_the_first_runs_is_a_409_with_retry_after(api, alice, acme):
    claim = claimed_by_a_running_request(alice, invoices_url(alice), an_invoice(acme))
    response = post(api, alice, an_invoice(acme))

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json() == {"errors": [idempotency.KEY_IN_PROGRESS.format(seconds=1)]}
    assert Invoice.objects.count() == 0
    assert claim is not None


def test_a_key_whose_request_died_runs_again_once_its_lock_lapses(api, alice, acme):
    claimed_by_a_running_request(alice, invoices_url(alice), an_invoice(acme))
    IdempotencyKey.objects.update(locked_until=timezone.now() - datetime.timedelta(seconds=1))

    response = post(api, alice, an_invoice(acme))

    assert response.status_code == 200
    assert idempotency.REPLAYED_HEADER not in response
    assert post(api, alice, an_invoice(acme))[idempotency.REPLAYED_HEADER] == "true"


def test_a_key_runs_again_after_24_hours(api, alice, acme):
    post(api, alice, an_invoice(acme))
    IdempotencyKey.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = post(api, alice, an_invoice(acme))

    assert idempotency.REPLAYED_HEADER not in response
    assert Invoice.objects.count() == 2


def test_a_server_error_is_not_kept_and_the_retry_runs(api, alice, settings):
    settings.WEBHOOK_ENCRYPTION_KEYS = []
    settings.CERTIFICATE_ENCRYPTION_KEYS = []
    path = f"/api/v1/accounts/{alice.account.pk}/webhooks.json"
    hook = {"url": "https://hooks.example.com/", "events": ["invoice.issued"]}
    assert post(api, alice, hook, path=path).status_code == 503

    settings.WEBHOOK_ENCRYPTION_KEYS = ["d2ViaG9va3Mtb25seS1rZXktZm9yLXRlc3RzLi4uLi4="]
    response = post(api, alice, hook, path=path)

    assert response.status_code == 200
    assert idempotency.REPLAYED_HEADER not in response
    assert Webhook.objects.count() == 1


@pytest.mark.parametrize("key, message", [
    ("x" * 256, idempotency.KEY_TOO_LONG),
    ("clé-ñ", idempotency.KEY_INVALID),
    ("   ", idempotency.KEY_INVALID),
])
def test_a_key_that_is_not_one_is_a_422(api, alice, acme, key, message):
    response = api.send("POST", invoices_url(alice), an_invoice(acme), key=alice.api_key,
                        HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"))

    assert response.status_code == 422
    assert response.json()["errors"] == {"idempotency_key": [message]}
    assert Invoice.objects.count() == 0


# -- what is kept ---------------------------------------------------------------------------


def test_only_a_digest_of_the_key_is_stored(api, alice, acme):
    post(api, alice, an_invoice(acme))

    stored = IdempotencyKey.objects.get()
    assert KEY not in repr(list(IdempotencyKey.objects.values_list()))
    assert stored.key_digest == hashlib.sha256(KEY.encode()).hexdigest()


def test_a_webhooks_secret_is_kept_encrypted_and_replayed(api, alice):
    path = f"/api/v1/accounts/{alice.account.pk}/webhooks.json"
    hook = {"url": "https://hooks.example.com/", "events": ["invoice.issued"]}
    first = post(api, alice, hook, path=path)
    repeat = post(api, alice, hook, path=path)

    secret = first.json()["secret"]
    assert repeat.json()["secret"] == secret  # the client that lost the answer gets it
    stored = IdempotencyKey.objects.get()
    assert stored.encrypted
    assert secret.encode() not in bytes(stored.body)
    assert Webhook.objects.count() == 1


def test_logging_in_ignores_the_key(api, alice):
    from tests.conftest import PASSWORD

    for _ in range(2):
        response = api.send("POST", "/api/v1/session.json",
                            {"login": "alice", "password": PASSWORD},
                            HTTP_IDEMPOTENCY_KEY=KEY)
        assert response.status_code == 200
        assert idempotency.REPLAYED_HEADER not in response
    assert IdempotencyKey.objects.count() == 0


def test_expired_keys_are_purged_by_the_sweep(api, alice, acme):
    post(api, alice, an_invoice(acme))
    post(api, alice, an_invoice(acme), key="another")
    IdempotencyKey.objects.filter(pk=IdempotencyKey.objects.order_by("id").first().pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))

    call_command("sweep_webhooks", verbosity=0)

    assert IdempotencyKey.objects.count() == 1
    call_command("purge_idempotency_keys", stdout=io.StringIO())
    assert IdempotencyKey.objects.count() == 1


# -- twenty at once -------------------------------------------------------------------------


def race_one_key(account, api_key: str, workers: int = 20) -> list[object]:
    """`workers` creates with one Idempotency-Key at once: (status, number or None,
    replayed) of each."""
    client = make_client(account)

    def create(index: int):
        response = HttpClient().post(
            f"/api/v1/accounts/{account.pk}/invoices.json",
            {"client_id": client.pk, "issue_date": "2026-05-04",
             "lines": [{"description": "Pedido", "quantity": "1", "unit_price": "10"}]},
            content_type="application/json", HTTP_X_API_KEY=api_key,
            HTTP_IDEMPOTENCY_KEY="race-" + str(account.pk),
        )
        number = response.json().get("number") if response.status_code == 200 else None
        return (response.status_code, number, response.get("Idempotent-Replayed"))

    return run_in_threads(workers, create)


def check_race(results: list) -> None:
    assert not [r for r in results if isinstance(r, BaseException | str)], results
    statuses = sorted({status for status, _, _ in results})
    assert set(statuses) <= {200, 409}, results
    created = [r for r in results if r[0] == 200 and r[2] is None]
    assert len(created) == 1, results
    numbers = {number for status, number, _ in results if status == 200}
    assert numbers == {created[0][1]}, results  # every replay shows the one invoice


transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@transactional
def test_twenty_concurrent_repeats_create_one_invoice(shared_database, alice):  # noqa: F811
    results = race_one_key(alice.account, alice.api_key)

    check_race(results)
    assert Invoice.objects.filter(account=alice.account).count() == 1


CHILD = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.conftest import make_persona
from tests.api.test_idempotency import race_one_key
from invoices.models import Invoice

alice = make_persona("alice", account_name="Kovacek Nienow SL", tax_id="B12345674")
results = race_one_key(alice.account, alice.api_key)
print(json.dumps({
    "results": [list(r) if isinstance(r, tuple) else repr(r) for r in results],
    "invoices": Invoice.objects.count(),
}))
"""


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="SQLite only: on PostgreSQL the test above runs the race in process",
)
def test_twenty_concurrent_repeats_create_one_invoice_on_a_file_backed_sqlite_too(
        tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "facturagem.settings_test",
    }
    child = subprocess.run(  # our own interpreter running our own code
        [sys.executable, "-c", CHILD], cwd=settings.BASE_DIR, env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )

    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    check_race([tuple(r) if isinstance(r, list) else r for r in outcome["results"]])
    assert outcome["invoices"] == 1
    assert connection.vendor == "sqlite"
