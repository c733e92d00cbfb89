"""SQLite, the default database, must survive the threaded dev server's concurrent writers:
no "database is locked", and still one number per invoice (IMMEDIATE transactions take the
write lock up front, and the busy timeout waits for it).

pytest-django's SQLite test database lives in memory and cannot be shared by threads, so
this runs a small program against a real SQLite file in a subprocess.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent(
    """
    import threading
    from decimal import Decimal

    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from accounts.services import account_create
    from clients.services import client_create
    from invoices.models import Invoice
    from invoices.services import LineData, invoice_create, invoice_register_payment

    user = account_create(login="w", password="pw-123456789", email="w@example.com",
                          account_name="Writers SL", tax_id="B12345674")
    client = client_create(account=user.account, data={"name": "Cliente SA", "tax_id": "B87654323"})
    line = LineData("Servicio", Decimal("1"), Decimal("100"), Decimal("21"))
    errors = []

    def create():
        try:
            for _ in range(5):
                invoice_create(account=user.account, client=client, lines=[line], data={})
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert not errors, errors
    assert len(numbers) == 40 == len(set(numbers)), numbers

    target = Invoice.objects.first()
    outcomes = []

    def pay():
        try:
            invoice_register_payment(invoice=target, amount=target.total)
            outcomes.append("paid")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    target.refresh_from_db()
    assert sorted(outcomes) == ["ValidationError"] * 3 + ["paid"], outcomes
    assert target.paid_amount == target.total
    print("ok", len(numbers))
    """
)


def test_concurrent_writers_on_a_sqlite_file_neither_lock_nor_repeat_numbers(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'writers.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "facturagem.settings",
        "SECRET_KEY": "test-only",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok 40")
