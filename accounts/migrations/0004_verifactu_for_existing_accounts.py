"""Existing accounts: VERI*FACTU on where the account can keep records (a valid Spanish NIF),
off elsewhere (it needs a NIF before it can be switched on: CONTRACT §8)."""

from django.db import migrations
from stdnum.es import nif


def switch(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    for account in Account.objects.only("pk", "tax_id"):
        on = bool(account.tax_id) and nif.is_valid(account.tax_id)
        Account.objects.filter(pk=account.pk).update(verifactu=on)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_verifactu_switch_and_series")]

    operations = [migrations.RunPython(switch, migrations.RunPython.noop)]
