"""`q` on PostgreSQL reads trigram indexes: the list's `icontains` on number and client name
is `UPPER(col::text) LIKE UPPER('%term%')`, which a GIN index on UPPER(col) with
gin_trgm_ops answers for a term of 3 characters or more (the planner's choice, after
ANALYZE). SQLite has neither GIN nor pg_trgm: nothing is done there and `q` stays the plain
scan it was. Not declared in Invoice.Meta for that reason (Django has no per-vendor index)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "invoice_number_trgm": "number",
    "invoice_client_name_trgm": "client_name",
}


class Trigrams(TrigramExtension):
    """TrigramExtension, whose reversal also leaves other databases alone (Django's asks
    pg_extension on any vendor)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {name} ON invoices_invoice USING gin (UPPER({column}) gin_trgm_ops)"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("invoices", "0005_invoice_counts_kept_by_triggers")]

    operations = [
        # A no-op on anything but PostgreSQL; reversed, it drops the extension it created.
        Trigrams(),
        migrations.RunPython(_create, _drop),
    ]
