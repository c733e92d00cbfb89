from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Creates an account and its owner (non-interactive); prints the account id and api_key."

    def add_arguments(self, parser):
        parser.add_argument("login")
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--account-name", required=True)
        parser.add_argument("--tax-id", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--country", default="ES")

    def handle(self, *args, **options):
        try:
            user = services.account_create(
                login=options["login"],
                password=options["password"],
                email=options["email"],
                account_name=options["account_name"],
                tax_id=options["tax_id"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                country=options["country"],
            )
        except ValidationError as error:
            messages = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            )
            raise CommandError(messages) from error
        api_key = services.api_key_for(user)
        self.stdout.write(f"account: {user.account.url_id}")
        self.stdout.write(f"api_key: {api_key}")
