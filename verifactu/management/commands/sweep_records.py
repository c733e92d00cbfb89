"""`manage.py sweep_records`: queue a send for every issuer with pending records that has
none queued (once, or every N seconds with --every). The `worker` command runs this sweep
itself; run this one beside another task backend's own worker."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from verifactu import sending


class Command(BaseCommand):
    help = "Queue a send task for every issuer whose pending records have none queued."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0,
                            help="repeat every this many seconds (default: once)")

    def handle(self, *, every: float, **options) -> None:
        while True:
            close_old_connections()
            queued = sending.sweep()
            if options["verbosity"] > 1 or not every:
                self.stdout.write(f"queued {queued} send task(s)")
            if not every:
                return
            time.sleep(every)
