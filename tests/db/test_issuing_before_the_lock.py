"""Issuing on PostgreSQL works out the invoice's number and its record before it takes the
account lock, and checks under the lock, in one statement, that what they rest on still holds:
the client is there, the series' latest number and the chain's head are what they were, the
number is free. Whatever changed in between, the issue comes out exactly as if it had all been
done under the lock.

Each test changes one of those facts in the moment between the guess and the lock (inside the
same transaction, which the check sees as another's committed write; a refusal rolls that
change back with the refused issue)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.limits import INVOICE_LIMIT_REACHED
from accounts.models import Account
from clients.models import Client
from invoices import services
from invoices.models import Invoice
from tests.factories import line, make_client, make_invoice
from verifactu.models import Record
from verifactu.xml import hash_of, previous_hash_of, recompute_hash

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serializes whole transactions (IMMEDIATE): nothing is guessed there",
    ),
]


@pytest.fixture
def account(alice) -> Account:
    make_invoice(alice.account)  # the account's first record creates its installation
    return Account.objects.get(pk=alice.account.pk)


@pytest.fixture
def meanwhile(monkeypatch):
    """`meanwhile(action)`: `action` runs once, after the next issue's guess and before it
    takes the account lock."""
    pending = []
    lock = services._lock

    def lock_after(account, guess):
        while pending:
            pending.pop()()
        return lock(account, guess)

    monkeypatch.setattr(services, "_lock", lock_after)
    return pending.append


def issue(account: Account, client: Client | None = None, **data) -> Invoice:
    client = client or Client.objects.filter(account=account).first()
    return services.invoice_create(account=account, client=client, lines=[line()], data=data)


def chain_verifies(account: Account) -> list[str]:
    """The account's records in chain order, each linked to the huella of the one before
    it and hashing to its own; their invoice numbers."""
    previous = ""
    numbers = []
    for record in Record.objects.filter(account=account).order_by("position"):
        assert previous_hash_of(record.xml) == record.previous_hash == previous
        assert recompute_hash(record.xml) == hash_of(record.xml) == record.hash
        previous = record.hash
        numbers.append(record.invoice_number)
    return numbers


def test_a_guess_that_holds_is_locked_and_written_in_one_round_trip(account):
    with CaptureQueriesContext(connection) as queries:
        invoice = issue(account)
    sent = [q["sql"] for q in queries.captured_queries]
    locked = next(i for i, sql in enumerate(sent) if "FOR UPDATE" in sql)
    # the lock, a savepoint, the invoice's and the record's inserts and the check of the
    # facts, sent as one; then the end (in the test's transaction around it, the invoice's
    # ends with its savepoint's release)
    statements = [part.split()[0] for part in sent[locked].split("; ")]
    assert statements == ["SELECT", "SAVEPOINT", "WITH"]
    assert sent[locked].count("INSERT INTO") == 2
    assert sent[locked + 1].split()[0] == "RELEASE"
    assert invoice.number.endswith("/0002")
    assert chain_verifies(account)[-1] == invoice.number


def test_an_issue_overtaken_by_another_numbers_after_it_and_links_to_its_record(account, meanwhile):
    overtaking = []
    meanwhile(lambda: overtaking.append(issue(account)))

    invoice = issue(account)

    [other] = overtaking
    assert int(invoice.number[-4:]) == int(other.number[-4:]) + 1
    assert invoice.lines.count() == 1  # written before the lock, kept by the second try
    assert chain_verifies(account)[-2:] == [other.number, invoice.number]
    assert invoice.alta_records[0].previous_id == other.alta_records[0].pk


def test_a_void_in_between_moves_the_chain_head_and_the_record_follows_it(account, meanwhile):
    voided = issue(account)
    meanwhile(lambda: services.invoice_void(invoice=voided, reason="Emitida por error"))

    invoice = issue(account)

    kinds = list(Record.objects.filter(account=account).order_by("position")
                 .values_list("kind", flat=True))
    assert kinds[-2:] == [Record.Kind.ANULACION, Record.Kind.ALTA]
    assert chain_verifies(account)[-2:] == [voided.number, invoice.number]


def test_a_client_deleted_in_between_refuses_the_issue_and_nothing_is_written(account, meanwhile):
    client = make_client(account, name="Efímera SL")
    before = Invoice.objects.count(), Record.objects.count()
    meanwhile(lambda: Client.objects.filter(pk=client.pk).delete())

    with pytest.raises(ValidationError) as refused:
        issue(account, client)

    assert refused.value.message_dict == {"client_id": [services.CLIENT_GONE]}
    assert (Invoice.objects.count(), Record.objects.count()) == before


def test_a_number_typed_by_hand_taken_in_between_is_refused(account, meanwhile):
    meanwhile(lambda: issue(account, number="A-77"))

    with pytest.raises(ValidationError) as refused:
        issue(account, number="A-77")

    assert refused.value.message_dict == {"number": [services.NUMBER_TAKEN]}


def test_the_plans_month_is_counted_before_the_lock(account, meanwhile):
    """The plan's count is no part of what must be serial: an issue racing another at the
    plan's edge may pass with it, one invoice over the plan (a commercial limit, not a
    legal one); the next is refused."""
    created = Invoice.objects.filter(account=account).count()
    Account.objects.filter(pk=account.pk).update(max_invoices_per_month=created + 1,
                                                 plan_name="test")
    account.refresh_from_db()
    meanwhile(lambda: issue(account))

    issue(account)

    assert Invoice.objects.filter(account=account).count() == created + 2
    with pytest.raises(ValidationError) as refused:
        issue(account)
    limit = INVOICE_LIMIT_REACHED.format(plan="test", limit=created + 1)
    assert refused.value.message_dict == {"base": [limit]}


def test_verifactu_switched_on_in_between_gives_the_invoice_its_record(alice, meanwhile):
    Account.objects.filter(pk=alice.account.pk).update(verifactu=False)
    account = Account.objects.get(pk=alice.account.pk)
    client = make_client(account)
    make_invoice(account, client)
    meanwhile(lambda: Account.objects.filter(pk=account.pk).update(verifactu=True))

    invoice = issue(account, client)

    assert [r.invoice_number for r in invoice.alta_records] == [invoice.number]
    assert chain_verifies(account) == [invoice.number]
