"""Races (CONTRACT §6, §8): concurrent creates never receive the same number nor fork the
account's chain of records, concurrent payments never overpay an invoice, and concurrent
deletes neither subtract a payment twice nor answer 500.

Real threads with their own database connections and committed transactions, so these
tests run outside pytest-django's per-test transaction. On PostgreSQL the row locks decide
(`SELECT … FOR UPDATE` on the account, then on the invoice); on SQLite the IMMEDIATE
transaction mode serializes the writers. Django's SQLite test database lives in memory,
shared between threads through SQLite's shared cache, whose table locks fail at once
("database table is locked") instead of waiting: on SQLite the same races therefore run in
a child process against a file-backed database configured exactly as in production.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client as HttpClient

from clients.models import Client
from invoices.models import Invoice, Payment
from invoices.services import AMOUNT_OVER_OUTSTANDING, invoice_register_payment
from tests.factories import line, make_client, make_invoice
from verifactu import xml
from verifactu.models import Record

WORKERS = 20
NUMBERS = [f"2026/{n:04d}" for n in range(1, WORKERS + 1)]
ONE_REJECTION = [AMOUNT_OVER_OUTSTANDING.format(outstanding=Decimal("0.00"))]

IN_MEMORY_SQLITE = (
    "the in-memory SQLite test database cannot be shared between threads with real locking "
    "(shared-cache table locks fail at once): the SQLite variant below runs the same races "
    "on a file-backed database"
)


@pytest.fixture
def shared_database():
    """Skips where threads cannot share the test database (checked once it exists)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(IN_MEMORY_SQLITE)


def run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """`work(i)` in `count` threads released together; each result or raised exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # collected, asserted by the test
            results[index] = error
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker never finished"
    return results


def race_creates(account, api_key: str, workers: int = WORKERS) -> list[object]:
    """`workers` invoices created at once through the HTTP API: their numbers (or errors)."""
    client = make_client(account)

    def create(index: int) -> str:
        response = HttpClient().post(
            f"/api/v1/accounts/{account.pk}/invoices.json",
            {"client_id": client.pk, "issue_date": "2026-05-04",
             "lines": [{"description": f"Pedido {index}", "quantity": "1",
                        "unit_price": "10"}]},
            content_type="application/json",
            HTTP_X_API_KEY=api_key,
        )
        assert response.status_code == 200, response.content
        return response.json()["number"]

    return run_in_threads(workers, create)


def chain_problems(account) -> list[str]:
    """What is wrong with the account's chain, recomputed from the stored XML alone: every
    record links to the one before it, and carries the huella of its own literals."""
    problems = []
    previous = None
    for position, record in enumerate(
        Record.objects.filter(account=account).order_by("position"), start=1
    ):
        stored = record.xml.encode()
        if record.position != position:
            problems.append(f"position {record.position} where {position} was due")
        if record.previous_id != (previous.pk if previous else None):
            problems.append(f"record {position} is not linked to record {position - 1}")
        if xml.previous_hash_of(stored) != (previous.hash if previous else ""):
            problems.append(f"record {position} chains to another huella")
        if xml.recompute_hash(stored) != record.hash:
            problems.append(f"record {position}'s huella is not that of its own XML")
        previous = record
    return problems


def race_payment_deletes(account, api_key: str, workers: int = 10) -> tuple[Invoice, list]:
    """`workers` DELETEs of the same payment at once: their HTTP statuses."""
    invoice = make_invoice(account, lines=[line(unit_price="100")],
                           issue_date=datetime.date(2026, 5, 4))
    invoice_register_payment(invoice=invoice, amount=Decimal("21.00"))
    payment = invoice_register_payment(invoice=invoice, amount=Decimal("50.00"))
    url = f"/api/v1/accounts/{account.pk}/invoices/{invoice.pk}/payments/{payment.pk}.json"

    def delete(index: int) -> int:
        return HttpClient().delete(url, HTTP_X_API_KEY=api_key).status_code

    results = run_in_threads(workers, delete)
    invoice.refresh_from_db()
    return invoice, results


def race_payments(account) -> tuple[Invoice, list[object]]:
    """Two payments of the whole amount at once, through the service."""
    invoice = make_invoice(account, lines=[line(unit_price="100")],
                           issue_date=datetime.date(2026, 5, 4))

    def pay(index: int):
        fresh = Invoice.objects.get(pk=invoice.pk)
        return invoice_register_payment(invoice=fresh, amount=fresh.total)

    results = run_in_threads(2, pay)
    invoice.refresh_from_db()
    return invoice, results


# Flushing after a transactional test would also empty the countries the migrations load;
# serialized_rollback puts them back for the tests that follow.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@transactional
def test_twenty_parallel_creates_get_twenty_distinct_consecutive_numbers(shared_database, alice):
    numbers = race_creates(alice.account, alice.api_key)

    assert not [n for n in numbers if isinstance(n, BaseException)], numbers
    assert sorted(numbers) == NUMBERS
    assert Invoice.objects.filter(account=alice.account).count() == WORKERS


@transactional
def test_fifty_parallel_issues_make_fifty_consecutive_numbers_and_one_linear_chain(
    shared_database, alice
):
    numbers = race_creates(alice.account, alice.api_key, workers=50)

    assert not [n for n in numbers if isinstance(n, BaseException)], numbers
    assert sorted(numbers) == [f"2026/{n:04d}" for n in range(1, 51)]
    assert Record.objects.filter(account=alice.account).count() == 50
    assert chain_problems(alice.account) == []


@transactional
def test_parallel_deletes_of_one_payment_subtract_it_once(shared_database, alice):
    invoice, statuses = race_payment_deletes(alice.account, alice.api_key)

    assert sorted(statuses) == [200] + [404] * 9, statuses
    assert invoice.paid_amount == Decimal("21.00")
    assert Payment.objects.filter(invoice=invoice).count() == 1


@transactional
def test_an_invoice_delete_racing_payments_ends_in_clean_answers(shared_database, alice):
    alice.account.verifactu = False  # a legacy account, where an issued invoice may go
    alice.account.save()
    invoice = make_invoice(alice.account, lines=[line(unit_price="100")],
                           issue_date=datetime.date(2026, 5, 4))
    base = f"/api/v1/accounts/{alice.account.pk}/invoices/{invoice.pk}"

    def act(index: int) -> int:
        client = HttpClient()
        if index == 0:
            return client.delete(f"{base}.json", HTTP_X_API_KEY=alice.api_key).status_code
        return client.post(f"{base}/payments.json", {"amount": "1.00"},
                           content_type="application/json",
                           HTTP_X_API_KEY=alice.api_key).status_code

    statuses = run_in_threads(6, act)

    assert set(statuses) <= {200, 404}, statuses
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not Payment.objects.filter(invoice_id=invoice.pk).exists()


@transactional
def test_a_client_delete_racing_an_invoice_create_ends_in_clean_answers(shared_database, alice):
    client = make_client(alice.account, name="Efímero SL")
    base = f"/api/v1/accounts/{alice.account.pk}"

    def act(index: int) -> int:
        http = HttpClient()
        if index == 0:
            return http.delete(f"{base}/clients/{client.pk}.json",
                               HTTP_X_API_KEY=alice.api_key).status_code
        return http.post(
            f"{base}/invoices.json",
            {"client_id": client.pk, "lines": [{"description": "x", "quantity": "1",
                                                "unit_price": "1"}]},
            content_type="application/json", HTTP_X_API_KEY=alice.api_key,
        ).status_code

    statuses = run_in_threads(4, act)

    assert set(statuses) <= {200, 422}, statuses
    invoices = Invoice.objects.filter(client_id=client.pk).count()
    assert Client.objects.filter(pk=client.pk).exists() == (invoices > 0)


@transactional
def test_two_parallel_payments_of_the_whole_amount_pay_the_invoice_once(shared_database, alice):
    invoice, results = race_payments(alice.account)

    payments = [r for r in results if isinstance(r, Payment)]
    rejections = [r for r in results if isinstance(r, ValidationError)]
    assert (len(payments), len(rejections)) == (1, 1), results
    assert rejections[0].message_dict == {"amount": ONE_REJECTION}
    assert invoice.paid_amount == invoice.total == Decimal("121.00")
    assert Payment.objects.filter(invoice=invoice).count() == 1


# -- SQLite: the same races on a file-backed database, in a child process --------------------

CHILD = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.conftest import make_persona
from tests.api.test_concurrency import (
    chain_problems, race_creates, race_payment_deletes, race_payments,
)
from invoices.models import Payment

alice = make_persona("alice", account_name="Kovacek Nienow SL", tax_id="B12345674")
numbers = race_creates(alice.account, alice.api_key)
invoice, results = race_payments(alice.account)
deleted, statuses = race_payment_deletes(alice.account, alice.api_key)
print(json.dumps({
    "chain": chain_problems(alice.account),
    "delete_statuses": sorted(statuses),
    "after_deletes": str(deleted.paid_amount),
    "numbers": [n if isinstance(n, str) else repr(n) for n in numbers],
    "payments": sum(isinstance(r, Payment) for r in results),
    "rejections": [getattr(r, "message_dict", repr(r)) for r in results
                   if not isinstance(r, Payment)],
    "paid_amount": str(invoice.paid_amount),
    "total": str(invoice.total),
    "stored_payments": Payment.objects.filter(invoice=invoice).count(),
}))
"""


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="SQLite only: on PostgreSQL the tests above run the races in process",
)
def test_the_races_are_won_on_a_file_backed_sqlite_database_too(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "facturagem.settings_test",
    }

    child = subprocess.run(  # our own interpreter running our own code
        [sys.executable, "-c", CHILD],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )

    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert sorted(outcome["numbers"]) == NUMBERS, outcome["numbers"]
    assert outcome["payments"] == 1
    assert outcome["rejections"] == [{"amount": ONE_REJECTION}]
    assert outcome["paid_amount"] == outcome["total"] == "121.00"
    assert outcome["stored_payments"] == 1
    assert outcome["chain"] == []
    assert outcome["delete_statuses"] == [200] + [404] * 9
    assert outcome["after_deletes"] == "21.00"
    assert connection.vendor == "sqlite"
