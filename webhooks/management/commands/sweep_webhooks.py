"""`manage.py sweep_webhooks`: queue again the deliveries whose task was lost, drop rotated
secrets past their grace, delete events past their retention, and purge expired
Idempotency-Keys (once, or every N seconds with --every). The `worker` command runs this
sweep itself; run this one beside another task backend's own worker."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from facturagem.api import idempotency
from webhooks import delivery


class Command(BaseCommand):
    help = "Queue lost webhook deliveries again; purge old events and Idempotency-Keys."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0,
                            help="repeat every this many seconds (default: once)")

    def handle(self, *, every: float, **options) -> None:
        while True:
            if every:  # a long-lived loop: drop connections that went stale meanwhile
                close_old_connections()
            queued = delivery.sweep()
            purged = idempotency.purge_expired()
            if options["verbosity"] > 1 or not every:
                self.stdout.write(f"queued {queued} delivery(ies), purged {purged} "
                                  "Idempotency-Key(s)")
            if not every:
                return
            time.sleep(every)
