from django.core.management.base import BaseCommand

from certificates import services


class Command(BaseCommand):
    help = (
        "Re-encrypts every stored certificate key under the first key of "
        "CERTIFICATE_ENCRYPTION_KEY (a comma-separated list: new key first, old keys after). "
        "Afterwards the old keys can be removed."
    )

    def handle(self, *args, **options):
        count = services.certificate_rotate_keys()
        self.stdout.write(f"{count} certificate key(s) re-encrypted under the first key.")
