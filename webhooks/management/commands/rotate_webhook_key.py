"""`manage.py rotate_webhook_key`: re-encrypt every stored webhook secret under the first
WEBHOOK_ENCRYPTION_KEY (put the new key first, run this, then drop the old one)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from webhooks import crypto
from webhooks.models import Webhook


class Command(BaseCommand):
    help = "Re-encrypt every webhook signing secret under the first WEBHOOK_ENCRYPTION_KEY."

    def handle(self, **options) -> None:
        count = 0
        with transaction.atomic():
            for webhook in Webhook.objects.select_for_update().only(
                    "id", "secret", "previous_secret"):
                webhook.secret = crypto.rotate(webhook.secret)
                if webhook.previous_secret:
                    webhook.previous_secret = crypto.rotate(webhook.previous_secret)
                webhook.save(update_fields=["secret", "previous_secret"])
                count += 1
        self.stdout.write(f"re-encrypted {count} webhook(s)")
