#!/usr/bin/env python
"""Webhook deliveries through real workers: 1,000 events to a local receiver.

Seeds one account with a webhook that wants `invoice.issued` and a few invoices, starts
`--workers` processes of `manage.py worker` (the Procfile's worker: django-tasks' database
backend), then emits `--events` events through `webhooks.services.event_emit` — the call
the services make — each in its own committed transaction, as fast as this process can
render and store them. A receiver in this process (tests/webhooks/receiver.py) answers 200
and notes when each delivery arrives. Reported:

- throughput: deliveries per second, first emission to last arrival;
- latency: from the event's `created_at` (stored to the microsecond) to its arrival at the
  receiver, p50 / p99 / max;
- backlog: the same number of events queued with no worker running, then drained (the
  rate the workers can sustain when they never wait for work).

    python bench/bench_webhooks.py [--events 1000] [--workers 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fg_hooks_bench python bench/bench_webhooks.py
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("LOG_LEVEL", "WARNING")

import in_process  # bench/in_process.py (a script's own folder is on sys.path)

in_process.setup(debug=True, sqlite="facturagem-bench-webhooks.sqlite3", fresh=True,
                 WEBHOOKS_ALLOW_PRIVATE_TARGETS="true")
ROOT = in_process.ROOT

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from accounts import services as accounts  # noqa: E402
from tests.factories import make_client, make_invoice  # noqa: E402
from tests.webhooks.receiver import Receiver  # noqa: E402
from webhooks import events  # noqa: E402
from webhooks.models import Delivery, Event  # noqa: E402
from webhooks.services import event_emit, webhook_create  # noqa: E402


def start_workers(count: int, log_dir: Path) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.05",
             "--worker-id", f"bench-{n}", "--sweep-every", "3600"],
            cwd=ROOT, env=os.environ.copy(), start_new_session=True,
            stdout=(log_dir / f"worker-{n}.log").open("w"), stderr=subprocess.STDOUT,
        )
        for n in range(count)
    ]


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(30)


def wait_for(receiver: Receiver, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.requests) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(receiver.requests)} of {count} arrived")
        time.sleep(0.01)


def emit(invoices, count: int) -> None:
    for n in range(count):
        event_emit(type=events.INVOICE_ISSUED, instance=invoices[n % len(invoices)])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    call_command("migrate", "--no-input", verbosity=0)
    DBTaskResult.objects.all().delete()  # (a bench database: nothing queued from a past run)
    receiver = Receiver().start()
    login = f"bench{int(time.time())}"  # a new account each run: its events are the run's
    user = accounts.account_create(login=login, password="bench-password-1",
                                   email="bench@example.com", account_name="Bench SL",
                                   tax_id="B12345674")
    account = user.account
    account.verifactu = False  # no records to send: the workers only deliver
    account.save()
    invoices = [make_invoice(account, make_client(account)) for _ in range(10)]
    webhook_create(account=account, url=receiver.url, events=[events.INVOICE_ISSUED])
    print(f"{connection.vendor}, {args.workers} worker process(es), {args.events} events "
          f"of `invoice.issued` (a 1-line invoice, ~2.7 KB of JSON each)")

    with tempfile.TemporaryDirectory() as logs:
        # 1. Steady: the workers wait for work; events arrive as fast as they are made.
        workers = start_workers(args.workers, Path(logs))
        time.sleep(3)  # the workers are up and polling
        started = time.time()
        emit(invoices, args.events)
        emitted = time.time() - started
        wait_for(receiver, args.events)
        created = dict(Event.objects.filter(account=account)
                       .values_list("uuid", "created_at"))
        latencies = [
            request.arrived_at
            - created[uuid.UUID(request.headers["X-Facturagem-Event-Id"])].timestamp()
            for request in receiver.requests
        ]
        last = max(request.arrived_at for request in receiver.requests)
        print(f"steady:  emitted in {emitted:.1f} s ({args.events / emitted:.0f} events/s); "
              f"delivered {args.events} in {last - started:.1f} s: "
              f"{args.events / (last - started):.0f} deliveries/s")
        ms = [latency * 1000 for latency in latencies]
        print(f"         latency (created_at → received): p50 {percentile(ms, .5):.0f} ms, "
              f"p99 {percentile(ms, .99):.0f} ms, max {max(ms):.0f} ms, "
              f"mean {statistics.mean(ms):.0f} ms")
        stop(workers)

        # 2. Backlog: queued with no worker running, then drained.
        receiver.requests.clear()
        emit(invoices, args.events)
        workers = start_workers(args.workers, Path(logs))
        wait_for(receiver, 1)
        first = min(request.arrived_at for request in receiver.requests)
        wait_for(receiver, args.events)
        last = max(request.arrived_at for request in receiver.requests)
        stop(workers)
        print(f"backlog: {args.events} queued, drained in {last - first:.1f} s: "
              f"{args.events / (last - first):.0f} deliveries/s")

    receiver.stop()
    mine = Delivery.objects.filter(webhook__account=account)
    delivered = mine.filter(state=Delivery.State.DELIVERED).count()
    assert delivered == 2 * args.events, delivered
    attempts = mine.filter(attempts__gt=1).count()
    print(f"every delivery delivered ({delivered}), {attempts} needed more than one attempt")


if __name__ == "__main__":
    main()
