"""`manage.py worker`: the Procfile's `worker` process.

It runs the queued tasks of the database task backend (django-tasks-db's `db_worker`): sends
to the AEAT and webhook deliveries; and, in a thread beside it, the sweep that queues a send
for every issuer whose pending records have no task queued (every VERIFACTU_SWEEP_SECONDS,
and once at start: records generated while no worker ran go out as soon as one starts),
then what `sweep_webhooks` does (lost webhook deliveries queued again, old events and expired
Idempotency-Keys deleted), and, once an hour, prunes the queue's finished task rows older
than TASK_RESULTS_KEEP_DAYS (failed ones: TASK_RESULTS_KEEP_FAILED_DAYS) with django-tasks-db's
own `prune_db_task_results`. Several workers may run, on one machine
or several: each issuer's lease keeps one message in flight.

With another task backend (TASKS_BACKEND), run that backend's worker and
`manage.py sweep_records --every 60` and `manage.py sweep_webhooks --every 60` instead.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from facturagem.api import idempotency
from verifactu import sending
from webhooks import delivery as webhook_deliveries

logger = logging.getLogger("verifactu.worker")

NOT_THE_DATABASE_BACKEND = (
    "The default task backend is {backend}, not django_tasks_db.DatabaseBackend: run that "
    "backend's own worker, and `manage.py sweep_records --every 60` beside it."
)


PRUNE_EVERY_SECONDS = 3600


def prune_task_results() -> None:
    """Finished task rows past their keeping age go; queued and running ones never do."""
    call_command(
        "prune_db_task_results", queue_name="*", verbosity=0,
        min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        failed_min_age_days=settings.TASK_RESULTS_KEEP_FAILED_DAYS,
    )


class Sweeper(threading.Thread):
    def __init__(self, every: float) -> None:
        super().__init__(name="verifactu-sweep", daemon=True)
        self.every = every
        self.stopped = threading.Event()
        self.pruned_at: float | None = None

    def _prune_hourly(self) -> None:
        now = time.monotonic()
        if self.pruned_at is None or now - self.pruned_at >= PRUNE_EVERY_SECONDS:
            prune_task_results()
            self.pruned_at = now

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                queued = sending.sweep()
                if queued:
                    logger.info("sweep: queued %s send task(s)", queued)
                # Webhook deliveries whose task was lost, old events, expired
                # Idempotency-Keys (`sweep_webhooks`, for other backends, does the same).
                requeued = webhook_deliveries.sweep()
                if requeued:
                    logger.info("sweep: queued %s lost webhook delivery(ies) again", requeued)
                idempotency.purge_expired()
                self._prune_hourly()
            except Exception:
                logger.exception("sweep failed (the next one runs in %s s)", self.every)
            finally:
                connection.close()
            self.stopped.wait(self.every)


class Command(BaseCommand):
    help = "Run background tasks (sending records to the AEAT) and the periodic sweep."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sweep-every", type=float, default=None,
                            help="seconds between sweeps (default: VERIFACTU_SWEEP_SECONDS)")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="seconds between looks at the queue when idle (default: 1)")
        parser.add_argument("--worker-id", default=None)

    def handle(self, *, sweep_every, interval, worker_id, **options) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(NOT_THE_DATABASE_BACKEND.format(backend=type(backend).__name__))
        every = sweep_every if sweep_every is not None else settings.VERIFACTU_SWEEP_SECONDS
        sweeper = Sweeper(every)
        sweeper.start()
        worker_options = {"interval": interval, "reload": False, "verbosity": options["verbosity"]}
        if worker_id:
            worker_options["worker_id"] = worker_id
        try:
            call_command("db_worker", **worker_options)
        finally:
            sweeper.stopped.set()
