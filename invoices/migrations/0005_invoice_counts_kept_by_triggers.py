"""invoices_invoicecount (invoices.models.InvoiceCount) is kept by the database: a row
trigger on invoices_invoice takes one away from the old row's counts and adds one to the new
row's on every insert, delete and update that changes what is counted (account, client, issue
date, year, or the paid flag: total > 0 AND paid_amount >= total, exactly `PAID`). Every
writer keeps it right: the services, the admin, bulk updates and raw SQL. A count that falls
to zero is deleted. The rows existing before this migration are counted in it (backfill).

Each invoice counts under scope 0 (the whole account) and, when it names a client, under its
client's id; in each, on its day's row (span "d") and its month's (span "m", the month's
first day)."""

from django.db import migrations

PAID = "({r}.total > 0 AND {r}.paid_amount >= {r}.total)"
UNDATED = "'0001-01-01'"
# What the counts read of a row; an update that changes none of it leaves them alone.
COUNTED = ("account_id", "client_id", "issue_date", "year")


def _changed(old_new_distinct: str) -> str:
    return " OR ".join(
        [f"OLD.{c} {old_new_distinct} NEW.{c}" for c in COUNTED]
        + [f"{PAID.format(r='OLD')} {old_new_distinct} {PAID.format(r='NEW')}"]
    )


POSTGRES = f"""
-- Room on each page for a row's next versions: a count's update stays HOT (same page, no
-- new index entry), however often the day's invoices change.
ALTER TABLE invoices_invoicecount SET (fillfactor = 50);

CREATE FUNCTION invoices_invoicecount_add(
    p_account bigint, p_client bigint, p_day date, p_year integer, p_paid boolean,
    p_delta integer
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_scope bigint;
    v_span text;
    v_day date;
    v_n integer;
BEGIN
    FOREACH v_scope IN ARRAY CASE WHEN p_client IS NULL THEN ARRAY[0::bigint]
                                  ELSE ARRAY[0::bigint, p_client] END LOOP
        FOREACH v_span IN ARRAY ARRAY['d', 'm'] LOOP
            v_day := CASE WHEN p_day IS NULL THEN DATE {UNDATED}
                          WHEN v_span = 'd' THEN p_day
                          ELSE date_trunc('month', p_day)::date END;
            INSERT INTO invoices_invoicecount AS c
                (account_id, scope, span, dated, day, year, n, n_paid)
            VALUES (p_account, v_scope, v_span, p_day IS NOT NULL, v_day, COALESCE(p_year, 0),
                    p_delta, CASE WHEN p_paid THEN p_delta ELSE 0 END)
            ON CONFLICT (account_id, scope, span, dated, day, year)
                DO UPDATE SET n = c.n + EXCLUDED.n, n_paid = c.n_paid + EXCLUDED.n_paid
            RETURNING c.n INTO v_n;
            IF v_n = 0 THEN
                DELETE FROM invoices_invoicecount
                WHERE account_id = p_account AND scope = v_scope AND span = v_span
                  AND dated = (p_day IS NOT NULL) AND day = v_day
                  AND year = COALESCE(p_year, 0) AND n = 0;
            END IF;
        END LOOP;
    END LOOP;
END $$;

CREATE FUNCTION invoices_invoice_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM invoices_invoicecount_add(OLD.account_id, OLD.client_id, OLD.issue_date,
                                          OLD.year, {PAID.format(r="OLD")}, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM invoices_invoicecount_add(NEW.account_id, NEW.client_id, NEW.issue_date,
                                          NEW.year, {PAID.format(r="NEW")}, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER invoices_invoice_count AFTER INSERT OR DELETE ON invoices_invoice
    FOR EACH ROW EXECUTE FUNCTION invoices_invoice_count();
CREATE TRIGGER invoices_invoice_count_update AFTER UPDATE ON invoices_invoice
    FOR EACH ROW WHEN ({_changed("IS DISTINCT FROM")})
    EXECUTE FUNCTION invoices_invoice_count();
"""
POSTGRES_REVERSE = """
ALTER TABLE invoices_invoicecount RESET (fillfactor);
DROP TRIGGER invoices_invoice_count_update ON invoices_invoice;
DROP TRIGGER invoices_invoice_count ON invoices_invoice;
DROP FUNCTION invoices_invoice_count();
DROP FUNCTION invoices_invoicecount_add(bigint, bigint, date, integer, boolean, integer);
"""


def _sqlite_key(row: str, scope: str, span: str) -> dict[str, str]:
    day = f"{row}.issue_date" if span == "d" else f"date({row}.issue_date, 'start of month')"
    return {
        "account_id": f"{row}.account_id",
        "scope": scope,
        "span": f"'{span}'",
        "dated": f"{row}.issue_date IS NOT NULL",
        "day": f"COALESCE({day}, {UNDATED})",
        "year": f"COALESCE({row}.year, 0)",
    }


def _sqlite_add(row: str, delta: int) -> str:
    """The statements that add `delta` to `row`'s counts (SQLite has no procedures)."""
    statements = []
    for scope, when in (("0", "1"), (f"{row}.client_id", f"{row}.client_id IS NOT NULL")):
        for span in ("d", "m"):
            key = _sqlite_key(row, scope, span)
            where = " AND ".join(f"{column} = ({value})" for column, value in key.items())
            statements += [
                f"INSERT OR IGNORE INTO invoices_invoicecount ({', '.join(key)}, n, n_paid) "
                f"SELECT {', '.join(key.values())}, 0, 0 WHERE {when};",
                f"UPDATE invoices_invoicecount SET n = n + ({delta}), "
                f"n_paid = n_paid + ({delta}) * {PAID.format(r=row)} WHERE {where};",
                f"DELETE FROM invoices_invoicecount WHERE {where} AND n = 0;",
            ]
    return "\n        ".join(statements)


SQLITE = [
    f"""CREATE TRIGGER invoices_invoice_count_insert AFTER INSERT ON invoices_invoice
    FOR EACH ROW BEGIN
        {_sqlite_add("NEW", 1)}
    END""",
    f"""CREATE TRIGGER invoices_invoice_count_delete AFTER DELETE ON invoices_invoice
    FOR EACH ROW BEGIN
        {_sqlite_add("OLD", -1)}
    END""",
    f"""CREATE TRIGGER invoices_invoice_count_update AFTER UPDATE ON invoices_invoice
    FOR EACH ROW WHEN {_changed("IS NOT")} BEGIN
        {_sqlite_add("OLD", -1)}
        {_sqlite_add("NEW", 1)}
    END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "invoices_invoice_count_insert", "invoices_invoice_count_delete",
        "invoices_invoice_count_update",
    )
]

# The rows already there, counted once per scope and span (both databases).
BACKFILL = f"""
WITH counted AS (
    SELECT account_id, 0 AS scope, issue_date IS NOT NULL AS dated,
           COALESCE(issue_date, {{undated}}) AS day, COALESCE(year, 0) AS year,
           {PAID.format(r="invoices_invoice")} AS paid
    FROM invoices_invoice
    UNION ALL
    SELECT account_id, client_id, issue_date IS NOT NULL, COALESCE(issue_date, {{undated}}),
           COALESCE(year, 0), {PAID.format(r="invoices_invoice")}
    FROM invoices_invoice WHERE client_id IS NOT NULL
)
INSERT INTO invoices_invoicecount (account_id, scope, span, dated, day, year, n, n_paid)
SELECT account_id, scope, span, dated, day, year, COUNT(*),
       SUM(CASE WHEN paid THEN 1 ELSE 0 END) FROM (
    SELECT account_id, scope, 'd' AS span, dated, day, year, paid FROM counted
    UNION ALL
    SELECT account_id, scope, 'm', dated, {{month}}, year, paid FROM counted
) AS spans
GROUP BY account_id, scope, span, dated, day, year
"""
BACKFILL_BY_VENDOR = {
    "postgresql": BACKFILL.format(undated=f"DATE {UNDATED}",
                                  month="date_trunc('month', day)::date"),
    "sqlite": BACKFILL.format(undated=UNDATED, month="date(day, 'start of month')"),
}


def _run(statements_by_vendor, *, backfill: bool = False):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = statements_by_vendor.get(vendor)
        if statements is None:
            raise NotImplementedError(f"no invoice counts for {vendor}")
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)
        if backfill:
            schema_editor.execute("DELETE FROM invoices_invoicecount")
            schema_editor.execute(BACKFILL_BY_VENDOR[vendor])

    return run


class Migration(migrations.Migration):
    dependencies = [("invoices", "0004_scale_counts_and_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}, backfill=True),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
