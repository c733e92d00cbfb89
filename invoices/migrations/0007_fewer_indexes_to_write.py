"""Drops indexes that others already cover, so that issuing writes fewer of them under the
account lock (issue 13): the account's on invoices (every index of the table starts with the
account) and the invoice's on lines (line_position_unique starts with it).

Only the indexes change: the fields' state changes as Django sees it, while the database
drops the index by name (`drop_covered_index`: an AlterField would remake the table on
SQLite, and with it lose the triggers that freeze issued invoices)."""

import django.db.models.deletion
from django.db import migrations, models

from facturagem.db import drop_covered_index


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_cache_table"),
        ("invoices", "0006_trigram_search"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invoice",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="invoices",
                        to="accounts.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="invoiceline",
                    name="invoice",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="invoices.invoice",
                    ),
                ),
            ],
            database_operations=[
                drop_covered_index("invoices_invoice_account_id_a45fb28d", "invoices_invoice",
                                   "account_id"),
                drop_covered_index("invoices_invoiceline_invoice_id_071a8d97",
                                   "invoices_invoiceline", "invoice_id"),
            ],
        ),
    ]
