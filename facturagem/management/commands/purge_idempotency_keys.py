"""`manage.py purge_idempotency_keys`: delete the Idempotency-Keys past their 24 hours (the
worker's sweep does it every VERIFACTU_SWEEP_SECONDS; this is for a cron beside another
task backend)."""

from django.core.management.base import BaseCommand

from facturagem.api import idempotency


class Command(BaseCommand):
    help = "Delete expired Idempotency-Keys and the answers kept for them."

    def handle(self, **options) -> None:
        self.stdout.write(f"purged {idempotency.purge_expired()} Idempotency-Key(s)")
