"""TRUNCATE does not fire row triggers: on PostgreSQL a `TRUNCATE verifactu_record` (or one
that cascades to it from invoices) would empty the legal records past their guards. A
statement-level trigger refuses it while the table holds what must be kept: any record, any
installation, any issued (frozen) invoice or its lines. An empty table may still be truncated. SQLite has
no TRUNCATE (its `DELETE FROM` is guarded row by row already)."""

from django.db import migrations

GUARDS = {
    # table: (a query for the rows that must survive, message)
    "verifactu_record": (
        "SELECT 1 FROM verifactu_record",
        "VERI*FACTU records are append-only: they are never deleted",
    ),
    "verifactu_installation": (
        "SELECT 1 FROM verifactu_installation",
        "a VERI*FACTU installation never changes and is never deleted",
    ),
    "invoices_invoice": (
        "SELECT 1 FROM invoices_invoice WHERE frozen",
        "invoice issued under VERI*FACTU: it cannot be deleted",
    ),
    "invoices_invoiceline": (
        "SELECT 1 FROM invoices_invoiceline JOIN invoices_invoice"
        " ON invoices_invoice.id = invoices_invoiceline.invoice_id WHERE frozen",
        "invoice issued under VERI*FACTU: its lines cannot change",
    ),
}

POSTGRES = [
    statement
    for table, (kept, message) in GUARDS.items()
    for statement in (
        f"""CREATE FUNCTION {table}_truncate_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS ({kept}) THEN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {table}_truncate_guard()""",
    )
]
POSTGRES_REVERSE = [
    statement
    for table in reversed(GUARDS)
    for statement in (
        f"DROP TRIGGER {table}_no_truncate ON {table}",
        f"DROP FUNCTION {table}_truncate_guard()",
    )
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("verifactu", "0003_sending"),
        ("invoices", "0003_issued_invoices_are_frozen"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(POSTGRES), _on_postgresql(POSTGRES_REVERSE)),
    ]
