"""The database's own guard: a record is never deleted and its legal content never changes;
only the AEAT's answer may be written on it. An installation never changes nor goes away
(its NumeroInstalacion is never reused). PostgreSQL compares the row minus the answer's
columns; SQLite lists the guarded columns (tests/db/test_append_only.py checks them all)."""

from django.db import migrations

ANSWER = ("status", "error_code", "error_description", "csv", "answered_at")
GUARDED = (
    "id", "installation_id", "account_id", "position", "previous_id", "kind", "invoice_id",
    "invoice_type", "issuer_tax_id", "invoice_number", "issue_date", "total_tax",
    "total_amount", "previous_hash", "hash", "generated_at", "xml", "created_at",
)
MESSAGE = "VERI*FACTU records are append-only: only the answer of the AEAT may be written"
DELETE_MESSAGE = "VERI*FACTU records are append-only: they are never deleted"
INSTALLATION_MESSAGE = "a VERI*FACTU installation never changes and is never deleted"

POSTGRES = f"""
CREATE FUNCTION verifactu_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - ARRAY{list(ANSWER)}) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(ANSWER)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER verifactu_record_append_only BEFORE UPDATE OR DELETE ON verifactu_record
    FOR EACH ROW EXECUTE FUNCTION verifactu_record_guard();

CREATE FUNCTION verifactu_installation_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{INSTALLATION_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER verifactu_installation_immutable BEFORE UPDATE OR DELETE
    ON verifactu_installation FOR EACH ROW EXECUTE FUNCTION verifactu_installation_guard();
"""
POSTGRES_REVERSE = """
DROP TRIGGER verifactu_installation_immutable ON verifactu_installation;
DROP FUNCTION verifactu_installation_guard();
DROP TRIGGER verifactu_record_append_only ON verifactu_record;
DROP FUNCTION verifactu_record_guard();
"""

_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in GUARDED)
SQLITE = [
    f"""CREATE TRIGGER verifactu_record_update BEFORE UPDATE ON verifactu_record
    FOR EACH ROW WHEN {_CHANGED}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER verifactu_record_delete BEFORE DELETE ON verifactu_record
    FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END""",
    f"""CREATE TRIGGER verifactu_installation_update BEFORE UPDATE ON verifactu_installation
    FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{INSTALLATION_MESSAGE}'); END""",
    f"""CREATE TRIGGER verifactu_installation_delete BEFORE DELETE ON verifactu_installation
    FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{INSTALLATION_MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "verifactu_record_update", "verifactu_record_delete",
        "verifactu_installation_update", "verifactu_installation_delete",
    )
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(f"no record guard for {schema_editor.connection.vendor}")
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("verifactu", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
