#!/usr/bin/env python
"""Throughput of the VERI*FACTU sender against the stand-in AEAT: records per second from
pending to accepted, over real HTTPS with a client certificate, with every message and
answer stored — and the memory it takes.

Seeds one account with N issued invoices (through the services: each has its record), then
sends them all with `verifactu.sending.send_next` in messages of 1000, the stand-in asking
for no wait (TiempoEsperaEnvio 0). The stand-in runs in this same process and validates
every message against the AEAT's XSD there, so its CPU is counted too: the figure is a
floor for the sender alone.

    python bench/bench_sender.py [--records 3000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturagem_bench python bench/bench_sender.py
"""

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import in_process  # bench/in_process.py (a script's own folder is on sys.path)

in_process.setup(debug=True, sqlite="facturagem-bench-sender.sqlite3", fresh=True)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts import services as accounts  # noqa: E402
from certificates.services import certificate_upload  # noqa: E402
from tests.factories import make_client, make_invoice  # noqa: E402
from tests.pki import CertificateAuthority  # noqa: E402
from tests.verifactu.aeat_standin import AeatStandIn  # noqa: E402
from verifactu import sending  # noqa: E402
from verifactu.models import Record  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=3000)
    args = parser.parse_args()

    if connection.vendor == "postgresql":
        call_command("flush", "--no-input", verbosity=0)  # (a bench database only)
    call_command("migrate", "--no-input", verbosity=0)
    ca = CertificateAuthority("Bench CA")
    with tempfile.TemporaryDirectory() as directory:
        os.environ["REQUESTS_CA_BUNDLE"] = str(ca.write_pem(Path(directory)))
        standin = AeatStandIn(server=ca.issue_server("127.0.0.1"), client_ca=ca,
                              default_wait=0).start()
        settings.AEAT_ENDPOINT = standin.url
        user = accounts.account_create(login="bench", password="bench-password-1",
                                       email="bench@example.com", account_name="Bench SL",
                                       tax_id="B12345674")
        account = user.account
        certificate_upload(account=account, password="pw",
                           data=ca.issue_entity_representative().pkcs12("pw"))
        client = make_client(account)
        started = time.perf_counter()
        for _ in range(args.records):
            make_invoice(account, client)
        seeded = time.perf_counter() - started
        print(f"seeded {args.records} invoices in {seeded:.1f} s ({connection.vendor}); "
              f"peak RSS {peak_rss_mb():.0f} MB")

        installation = account.verifactu_installation.pk
        started = time.perf_counter()
        messages = 0
        while True:
            outcome = sending.send_next(installation_id=installation)
            if outcome.kind != sending.SENT:
                break
            messages += 1
        elapsed = time.perf_counter() - started
        standin.stop()

    accepted = Record.objects.filter(status="accepted").count()
    assert accepted == args.records, (accepted, outcome)
    print(f"sent {accepted} records in {messages} messages in {elapsed:.2f} s: "
          f"{accepted / elapsed:.0f} records/s ({elapsed / messages:.2f} s per message of "
          f"up to 1000, stand-in XSD validation included); peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
