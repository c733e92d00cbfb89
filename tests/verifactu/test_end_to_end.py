"""Done when (issue 10): on PostgreSQL, two real worker processes (`manage.py worker`, as the
Procfile runs it) send 2,500 invoices of three accounts to the stand-in AEAT — every record
accepted, messages of at most 1000 records, never two in flight for one issuer, the AEAT's
wait respected (shortened to 2 s by the stand-in), every answer stored, no record sent twice.
Then the stand-in goes down for a while: records stay pending with the reason, and go with
Incidencia=S when it comes back; nothing is lost. On SQLite (whose test database lives in
this process's memory) a smaller variant runs on a database file."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import make_persona
from tests.factories import make_client, make_invoice
from tests.verifactu.aeat_standin import AeatStandIn
from verifactu.models import Record, SendingState, Submission

ROOT = Path(__file__).resolve().parents[2]
WAIT = 2  # the stand-in's TiempoEsperaEnvio
# (NIF, invoices issued before the workers start, invoices issued while they run)
ISSUERS = [("B12345674", 1200, 200), ("12345678Z", 500, 150), ("A58818501", 300, 150)]
OUTAGE_INVOICES = 20  # per account, while the stand-in is down
DEADLINE = 150  # seconds for each phase to settle



def _database_url() -> str:
    db = connection.settings_dict
    return (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}")


def _start_worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2", "--worker-id", name],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _peak_memory_kb(process: subprocess.Popen) -> int:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _settle(condition, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.5)


def _issue(account, count: int) -> None:
    client = make_client(account)
    for _ in range(count):
        make_invoice(account, client)


def _issue_concurrently(batches) -> None:
    def issue(account, count):
        try:
            _issue(account, count)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=batch) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)


def _pending() -> int:
    return Record.objects.filter(status=Record.Status.PENDING).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_send_2500_invoices_of_three_accounts_and_survive_an_outage(
        pki, tmp_path, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("two worker processes share one database: PostgreSQL (the SQLite test "
                    "database lives in this process's memory)")
    standin = AeatStandIn(server=pki.server, client_ca=pki.ca, default_wait=WAIT).start()
    service = pki.ca.issue_entity_representative(entity_nif="B87654323")  # an asesor's
    (tmp_path / "service.p12").write_bytes(service.pkcs12("pw"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "facturagem.settings_test",
        "DATABASE_URL": _database_url(),
        "AEAT_ENDPOINT": standin.url,
        "REQUESTS_CA_BUNDLE": str(pki.ca_file),
        "AEAT_CERTIFICATE_FILE": str(tmp_path / "service.p12"),
        "AEAT_CERTIFICATE_PASSWORD": "pw",
        "VERIFACTU_RETRY_SECONDS": "1",
        "VERIFACTU_RETRY_MAX_SECONDS": "4",
        "VERIFACTU_SWEEP_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    accounts = [make_persona(f"issuer{n}", account_name=f"Emisor {n} SL", tax_id=nif).account
                for n, (nif, _, _) in enumerate(ISSUERS)]
    workers = []
    try:
        # Records pile up while no worker runs (alice's beyond one message)…
        for account, (_, before, _) in zip(accounts, ISSUERS, strict=True):
            _issue(account, before)
        started = time.monotonic()
        workers = [_start_worker(f"w{n}", env, tmp_path / f"worker{n}.log") for n in (1, 2)]
        # … and keep coming while the two workers send.
        _issue_concurrently([(account, during) for account, (_, _, during)
                             in zip(accounts, ISSUERS, strict=True)])
        total = sum(before + during for _, before, during in ISSUERS)
        _settle(lambda: Record.objects.filter(status="accepted").count() == total,
                "every record accepted")
        elapsed = time.monotonic() - started

        requests = [r for r in standin.requests if r.valid]
        assert Record.objects.count() == total == 2500
        assert max(len(r.records) for r in requests) == 1000  # a full one went
        assert all(1 <= len(r.records) <= 1000 for r in requests)
        assert standin.max_in_flight == {nif: 1 for nif, _, _ in ISSUERS}
        for nif, _, _ in ISSUERS:
            own = [r for r in requests if r.taxpayer_nif == nif]
            for earlier, later in itertools.pairwise(own):
                gap = later.arrived_monotonic - earlier.answered_monotonic
                assert gap >= WAIT - 0.05 or len(later.records) == 1000, (nif, gap)
        received = [(r.issuer_nif, r.operation, r.number) for r in standin.records_received()]
        assert len(received) == len(set(received)) == total  # none twice, none missing
        assert all(r.representative[1] == "B87654323" for r in requests)  # the asesor
        assert Submission.objects.filter(state="answered").count() == len(requests)
        assert not Record.objects.filter(csv="").exists()
        assert not Record.objects.filter(submission__isnull=True).exists()
        assert set(SendingState.objects.values_list("wait_seconds", flat=True)) == {WAIT}
        assert not any(r.incidencia for r in requests)

        # The AEAT goes away for a while.
        standin.stop()
        before_outage = len(standin.requests)
        outage_started = time.monotonic()
        _issue_concurrently([(account, OUTAGE_INVOICES) for account in accounts])
        _settle(lambda: Submission.objects.filter(state="failed").values(
            "account").distinct().count() == 3, "a failed attempt for every issuer")
        time.sleep(3)  # a few retries
        assert _pending() == 3 * OUTAGE_INVOICES
        reasons = set(SendingState.objects.values_list("reason", flat=True))
        assert all(reason.startswith("the AEAT could not be reached") for reason in reasons)
        standin.start()
        outage = time.monotonic() - outage_started
        _settle(lambda: _pending() == 0, "the records of the outage sent")

        back = [r for r in standin.requests[before_outage:] if r.valid]
        assert back and all(r.incidencia == "S" for r in back)
        assert {r.taxpayer_nif for r in back} == {nif for nif, _, _ in ISSUERS}
        received = [(r.issuer_nif, r.operation, r.number) for r in standin.records_received()]
        assert len(received) == len(set(received)) == total + 3 * OUTAGE_INVOICES
        assert Record.objects.filter(status="accepted").count() == total + 3 * OUTAGE_INVOICES
        assert standin.max_in_flight == {nif: 1 for nif, _, _ in ISSUERS}
        memory = [_peak_memory_kb(worker) for worker in workers]
        with capsys.disabled():
            print(f"\n[e2e] {total} records over {len(requests)} messages in {elapsed:.1f} s "
                  f"with two workers; outage {outage:.1f} s; worker peak RSS "
                  f"{', '.join(f'{kb / 1024:.0f} MB' for kb in memory)}")
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(5)
        standin.stop()
        connection.close()


SQLITE_ISSUER = """
import sys
import django
django.setup()
from tests.conftest import make_persona
from tests.factories import make_client, make_invoice
from accounts.models import Account

nif, count = sys.argv[1], int(sys.argv[2])
account = Account.objects.filter(tax_id=nif).first()
if account is None:
    account = make_persona("issuer-" + nif.lower(), account_name="Emisor " + nif,
                           tax_id=nif).account
client = make_client(account)
for _ in range(count):
    make_invoice(account, client)
"""


def test_on_a_sqlite_file_two_workers_send_three_accounts_records_once_each(pki, tmp_path):
    """The single-machine setup (`make run`: SQLite): the same guarantees at a smaller scale,
    on a file-backed database shared by an issuing process and two workers."""
    import sqlite3

    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL: the 2,500-invoice variant runs instead")

    standin = AeatStandIn(server=pki.server, client_ca=pki.ca, default_wait=1).start()
    service = pki.ca.issue_entity_representative(entity_nif="B87654323")
    (tmp_path / "service.p12").write_bytes(service.pkcs12("pw"))
    (tmp_path / "issue.py").write_text(SQLITE_ISSUER)
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "facturagem.settings_test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(ROOT),
        "AEAT_ENDPOINT": standin.url,
        "REQUESTS_CA_BUNDLE": str(pki.ca_file),
        "AEAT_CERTIFICATE_FILE": str(tmp_path / "service.p12"),
        "AEAT_CERTIFICATE_PASSWORD": "pw",
        "VERIFACTU_SWEEP_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)

    def issue(nif: str, count: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(tmp_path / "issue.py"), nif, str(count)],
                                cwd=ROOT, env=env)

    def statuses() -> dict[str, int]:
        with sqlite3.connect(database, timeout=20) as db:
            return dict(db.execute(
                "SELECT status, count(*) FROM verifactu_record GROUP BY status").fetchall())

    workers = []
    try:
        for nif, _, _ in ISSUERS:
            assert issue(nif, 60).wait(120) == 0
        workers = [_start_worker(f"s{n}", env, tmp_path / f"worker{n}.log") for n in (1, 2)]
        during = [issue(nif, 40) for nif, _, _ in ISSUERS]
        assert [process.wait(300) for process in during] == [0, 0, 0]
        _settle(lambda: statuses() == {"accepted": 300}, "every record accepted")

        received = [(r.issuer_nif, r.operation, r.number) for r in standin.records_received()]
        assert len(received) == len(set(received)) == 300
        assert standin.max_in_flight == {nif: 1 for nif, _, _ in ISSUERS}
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        standin.stop()
