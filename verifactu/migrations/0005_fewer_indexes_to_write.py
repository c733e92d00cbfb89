"""Drops indexes that others already cover, so that each record writes fewer of them under
the account lock (issue 13): the account's (record_pending_in_order and the (account, id)
index start with it), the installation's (record_position_unique starts with it), and the
status's over every record ever sent, which only the sweep read: a partial index of the
pending ones per installation serves it instead.

The fields' state changes as Django sees it while the database drops the indexes by name
(`drop_covered_index`: an AlterField would remake the table on SQLite, and with it lose the
triggers that keep records append-only)."""

import django.db.models.deletion
from django.db import migrations, models

from facturagem.db import drop_covered_index

STATUSES = [
    ("pending", "pendiente"),
    ("accepted", "aceptado"),
    ("accepted_with_errors", "aceptado con errores"),
    ("rejected", "rechazado"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_cache_table"),
        ("invoices", "0007_fewer_indexes_to_write"),
        ("verifactu", "0004_legal_tables_refuse_truncate"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="record",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="accounts.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="record",
                    name="installation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="verifactu.installation",
                    ),
                ),
                migrations.AlterField(
                    model_name="record",
                    name="status",
                    field=models.CharField(choices=STATUSES, default="pending", max_length=20),
                ),
            ],
            database_operations=[
                drop_covered_index("verifactu_record_account_id_17e3f655", "verifactu_record",
                                   "account_id"),
                drop_covered_index("verifactu_record_installation_id_22070f60",
                                   "verifactu_record", "installation_id"),
                drop_covered_index("verifactu_record_status_4fec9cb1", "verifactu_record",
                                   "status"),
                # PostgreSQL's second index of a CharField, for LIKE (none on SQLite).
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "verifactu_record_status_4fec9cb1_like"',
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["installation"],
                name="record_pending_issuers",
            ),
        ),
    ]
