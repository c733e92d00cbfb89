"""The invoice counts' migrations on the test database itself (SQLite and PostgreSQL): the
rows that exist before them are counted (backfill), they go back to 0003 and forward
again, and the triggers count what is written after."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from invoices.models import Invoice, InvoiceCount
from tests.invoice_counts import expected_counts, stored_counts

BEFORE = ("invoices", "0004_scale_counts_and_indexes")
PREVIOUS = ("invoices", "0003_issued_invoices_are_frozen")
LATEST = None  # every app's latest migration


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


def add(account, client, day, paid, number) -> None:
    total = Decimal("10.00")
    Invoice.objects.create(
        account=account, client=client, number=number, status="issued" if day else "draft",
        issue_date=day, year=day.year if day else None, account_name="a", client_name="c",
        invoice_type="F1" if client else "F2", total=total,
        paid_amount=total if paid else Decimal("0"),
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # countries kept
def test_counts_backfill_reverse_and_forward_again(alice, bob):
    from tests.factories import make_client

    acme, other = make_client(alice.account), make_client(bob.account)
    day = datetime.date(2026, 3, 2)
    migrate(PREVIOUS)
    try:
        with connection.cursor() as cursor:  # rows written before the counts existed
            for n, (account, client, date, paid) in enumerate([
                (alice.account, acme, day, True), (alice.account, acme, day, False),
                (alice.account, None, day, False), (alice.account, acme, None, False),
                (bob.account, other, day, True),
            ]):
                cursor.execute(
                    "INSERT INTO invoices_invoice (account_id, client_id, status, frozen, "
                    "invoice_type, series, number, year, issue_date, account_name, "
                    "account_tax_id, account_street1, account_street2, account_city, "
                    "account_province, account_postal_code, account_country, account_iban, "
                    "client_name, client_tax_id, client_street1, client_street2, client_city, "
                    "client_province, client_postal_code, client_country, "
                    "equivalence_surcharge, discount_percent, irpf_percent, subtotal, "
                    "discount, tax_base, iva, surcharge, irpf, total, paid_amount, notes, "
                    "footer, description, currency, correction_method, correction_reason, "
                    "void_reason, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, '', %s, "
                    "%s, %s, 'a', '', '', '', '', '', '', 'ES', '', 'c', '', '', '', '', '', '', "
                    "'ES', %s, 0, 0, 10, 0, 10, 0, 0, 0, 10, %s, '', '', '', 'EUR', '', '', '', "
                    "%s, %s)",
                    [account.pk, client.pk if client else None,
                     "issued" if date else "draft", False, "F1" if client else "F2",
                     f"M{n}" if date else "", date.year if date else None, date, False,
                     10 if paid else 0, datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
                     datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)],
                )
    finally:
        migrate(LATEST)

    backfilled = expected_counts()
    assert len(backfilled) == 12  # 2 accounts' and 2 clients' day and month rows
    assert stored_counts() == backfilled

    migrate(PREVIOUS)
    migrate(LATEST)
    assert stored_counts() == backfilled  # backfilled again, from the same rows

    add(alice.account, acme, day, True, "N1")  # the triggers are back
    Invoice.objects.filter(account=bob.account).update(paid_amount=0)
    assert (alice.account.pk, 0, "m", True, day.replace(day=1), 2026, 4, 2) in stored_counts()
    assert (bob.account.pk, other.pk, "d", True, day, 2026, 1, 0) in stored_counts()
    Invoice.objects.filter(status="draft").delete()
    assert not InvoiceCount.objects.filter(dated=False).exists()
    assert stored_counts() == expected_counts()
