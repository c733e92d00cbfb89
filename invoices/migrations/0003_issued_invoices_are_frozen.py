"""The database's own guard: an invoice issued under VERI*FACTU (`frozen`) keeps its fiscal
content. Only what is neither printed nor in its record may change (payments, the void);
its lines can't change; it can't be deleted. A bug, the admin or a hand-written UPDATE that
tries gets an IntegrityError, whatever code path it came through.

PostgreSQL compares the whole row minus the mutable columns (new columns are covered without
editing this); SQLite lists the columns (tests/db/test_frozen_invoices.py checks that every
column of the model is covered)."""

from django.db import migrations

MUTABLE = ("paid_amount", "updated_at", "status", "void_reason", "voided_at")
MESSAGE = "invoice issued under VERI*FACTU: its fiscal content cannot change"
LINE_MESSAGE = "invoice issued under VERI*FACTU: its lines cannot change"
DELETE_MESSAGE = "invoice issued under VERI*FACTU: it cannot be deleted"

# Every column of invoices_invoice but the mutable ones (SQLite has no row-to-json).
GUARDED = (
    "id", "account_id", "client_id", "number", "year", "issue_date", "operation_date",
    "due_date", "account_name", "account_tax_id", "account_street1", "account_street2",
    "account_city", "account_province", "account_postal_code", "account_country",
    "account_iban", "client_name", "client_tax_id", "client_street1", "client_street2",
    "client_city", "client_province", "client_postal_code", "client_country",
    "equivalence_surcharge", "discount_percent", "irpf_percent", "subtotal", "discount",
    "tax_base", "iva", "surcharge", "irpf", "total", "notes", "footer", "currency",
    "created_at", "frozen", "invoice_type", "series", "description", "corrects_id",
    "correction_method", "correction_reason",
)
# The status moves only from issued to voided, and the void's fields only with it.
BAD_STATUS_CHANGE = (
    "(NEW.status <> OLD.status OR NEW.void_reason IS DISTINCT FROM OLD.void_reason "
    "OR NEW.voided_at IS DISTINCT FROM OLD.voided_at) "
    "AND NOT (OLD.status = 'issued' AND NEW.status = 'voided')"
)

POSTGRES = f"""
CREATE FUNCTION invoices_invoice_frozen_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (OLD.frozen AND OLD.status <> 'draft') THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - ARRAY{list(MUTABLE)}) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(MUTABLE)})
       OR ({BAD_STATUS_CHANGE}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_invoice_frozen BEFORE UPDATE OR DELETE ON invoices_invoice
    FOR EACH ROW EXECUTE FUNCTION invoices_invoice_frozen_guard();

CREATE FUNCTION invoices_invoiceline_frozen_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM invoices_invoice
        WHERE id = OLD.invoice_id AND frozen AND status <> 'draft'
    ) OR TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM invoices_invoice
        WHERE id = NEW.invoice_id AND frozen AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION '{LINE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_invoiceline_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON invoices_invoiceline FOR EACH ROW EXECUTE FUNCTION invoices_invoiceline_frozen_guard();
"""
POSTGRES_REVERSE = """
DROP TRIGGER invoices_invoiceline_frozen ON invoices_invoiceline;
DROP FUNCTION invoices_invoiceline_frozen_guard();
DROP TRIGGER invoices_invoice_frozen ON invoices_invoice;
DROP FUNCTION invoices_invoice_frozen_guard();
"""

_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in GUARDED)
_LINE_OF = "(SELECT frozen AND status <> 'draft' FROM invoices_invoice WHERE id = {}.invoice_id)"
SQLITE = [
    f"""CREATE TRIGGER invoices_invoice_frozen_update BEFORE UPDATE ON invoices_invoice
    FOR EACH ROW WHEN OLD.frozen AND OLD.status <> 'draft'
        AND ({_CHANGED} OR ({BAD_STATUS_CHANGE.replace("IS DISTINCT FROM", "IS NOT")}))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER invoices_invoice_frozen_delete BEFORE DELETE ON invoices_invoice
    FOR EACH ROW WHEN OLD.frozen AND OLD.status <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END""",
    f"""CREATE TRIGGER invoices_invoiceline_frozen_insert BEFORE INSERT ON invoices_invoiceline
    FOR EACH ROW WHEN {_LINE_OF.format("NEW")}
    BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
    f"""CREATE TRIGGER invoices_invoiceline_frozen_update BEFORE UPDATE ON invoices_invoiceline
    FOR EACH ROW WHEN {_LINE_OF.format("OLD")} OR {_LINE_OF.format("NEW")}
    BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
    f"""CREATE TRIGGER invoices_invoiceline_frozen_delete BEFORE DELETE ON invoices_invoiceline
    FOR EACH ROW WHEN {_LINE_OF.format("OLD")}
    BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "invoices_invoice_frozen_update", "invoices_invoice_frozen_delete",
        "invoices_invoiceline_frozen_insert", "invoices_invoiceline_frozen_update",
        "invoices_invoiceline_frozen_delete",
    )
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(
                f"no frozen-invoice guard for {schema_editor.connection.vendor}"
            )
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("invoices", "0002_lifecycle_series_corrections")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
