"""Costs at scale: the same requests in accounts of 1,000, 10,000 and 100,000 invoices.

Seeds PostgreSQL with 300,000 invoices in all (1-3 lines each, ~3 years of dates, some paid,
a few undated drafts): the three measured accounts plus filler accounts, written interleaved
in date order so that no account's rows are physically contiguous (COPY through psycopg).
A second run re-uses the seeded database (`--reseed` starts again). Then ANALYZE, and for
each account a table of the median milliseconds of several runs of:

- the invoice list through the whole API request in-process (django.test.Client), and its
  list queries run alone ("db ms"): page 1, page 2000 and the last page (per_page 25), each
  filter (client_id of the account's biggest client and its last page, paid=true,
  paid=false and its last page, year=<the oldest year>, from/to one month, q=<a word in the
  name of one client of that account only, which has 20 invoices>);
- the X-Total-Count query alone, numbering (`invoices.services.invoice_next_number`, inside
  a transaction as the create calls it; again after other accounts wrote 5,000 newer
  invoices, rolled back), a create through `invoices.services.invoice_create`, the
  plan-limit count (`accounts.limits.check_can_add_invoice`, the account's limit set high
  so that it always counts) and the time the account row stays locked in a create (from
  the moment the statement taking it is sent to the end of the commit: `in_process.LockTimer`);

with the access path of each case's main query (EXPLAIN). The last line says whether the
targets are met: every list case at 100k within 2x of the same case at 1k (differences under
0.5 ms count as equal), numbering < 1 ms at every size, the lock held < 3 ms per create.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fg_scale_bench python bench/bench_scale.py
"""

import argparse
import datetime
import os
import random
import re
import statistics
import time
from decimal import Decimal

if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise SystemExit(
        "bench_scale measures PostgreSQL: set DATABASE_URL=postgres://… (SQLite is refused: "
        "its planner and its costs are not what production runs)"
    )

import in_process  # bench/in_process.py (a script's own folder is on sys.path)

in_process.setup(debug=False)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import services as accounts  # noqa: E402
from accounts.limits import check_can_add_invoice  # noqa: E402
from accounts.models import Account, User  # noqa: E402
from clients.models import Client as Customer  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from invoices.services import LineData, invoice_create, invoice_next_number  # noqa: E402

SIZES = (("1k", 1_000), ("10k", 10_000), ("100k", 100_000))
TOTAL = 300_000
FILLERS = 60
RARE = 20  # invoices of each account's "Quetzal" client: the q term's matches
DAYS = 3 * 365
RUNS = 15
# The word in each measured account's rare client's name: the q term (rare trigrams, the
# same length, so that the three searches cost alike wherever the account's size does not).
WORDS = {"1k": "Alcatraz", "10k": "Bergamot", "100k": "Carabela"}
FLOOR_MS = 0.5
TAX_ID = "A58818501"
DRAFT_SHARE = 0.003
ACCESS = re.compile(r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|"
                    r"Bitmap Index Scan)(?: Backward)?(?: using \S+)? on \S+|Sort Method: [^\n]+)")


# -- seeding ----------------------------------------------------------------------------------


def _accounts() -> list[tuple[str, int]]:
    rest = TOTAL - sum(size for _, size in SIZES)
    fillers = [(f"f{i:02d}", rest // FILLERS + (1 if i < rest % FILLERS else 0))
               for i in range(FILLERS)]
    return [*SIZES, *fillers]


def seeded() -> bool:
    return (User.objects.filter(login="scale-100k").exists()
            and Invoice.objects.filter(account__users__login="scale-f59").exists())


def seed() -> None:
    started = time.perf_counter()
    print(f"seeding {TOTAL:,} invoices in {len(_accounts())} accounts …", flush=True)
    rng = random.Random(13)
    plan = _accounts()
    owners, clients = [], []  # per account: id; its clients' (id, name) with weights
    for label, size in plan:
        user = accounts.account_create(
            login=f"scale-{label}", password=None, email=f"scale-{label}@example.com",
            account_name=f"Escala {label} SL", tax_id="B12345674",
            max_invoices_per_month=10_000_000,  # counted on every create, never reached
        )
        count = max(10, size // 500)
        made = Customer.objects.bulk_create(
            [Customer(account=user.account, name=f"Cliente {label} número {i}", tax_id=TAX_ID,
                      country_id="ES") for i in range(count)]
            + [Customer(account=user.account, name=f"Quetzal {WORDS.get(label, label)} SL",
                        tax_id=TAX_ID, country_id="ES")]
        )
        owners.append((user.account, size))
        clients.append(made)

    # Every invoice of every account, in date order: account i's k-th invoice falls on the
    # day k/size of the way through, so the accounts' rows interleave on disk.
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=DAYS - 1)
    slots = []
    for index, (_, size) in enumerate(owners):
        rare = set(rng.sample(range(size), RARE))
        for k in range(size):
            slots.append(((k + rng.random()) / size, index, k in rare))
    slots.sort()

    fields = [f for f in Invoice._meta.concrete_fields]
    columns = [f.column for f in fields]
    template = {f.attname: f.get_default() for f in fields}
    line_columns = ("invoice_id", "position", "description", "quantity", "unit_price",
                    "discount_percent", "iva_percent", "treatment", "surcharge_percent", "total")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM invoices_invoice")
        next_id = cursor.fetchone()[0] + 1
    sequences: dict[tuple[int, int], int] = {}
    weights = [[1 / (rank + 1) for rank in range(len(made) - 1)] for made in clients]
    raw = connection.connection
    with transaction.atomic(), raw.cursor() as cursor:
        with cursor.copy(f"COPY invoices_invoice ({', '.join(columns)}) FROM STDIN") as copy:
            lines = []
            for fraction, index, rare in slots:
                account, _ = owners[index]
                made = clients[index]
                client = made[-1] if rare else rng.choices(made[:-1], weights[index])[0]
                day = first_day + datetime.timedelta(days=int(fraction * DAYS))
                count = rng.randint(1, 3)
                amounts = [Decimal(rng.randint(2_000, 200_000)) / 100 for _ in range(count)]
                base = sum(amounts)
                iva = (base * Decimal("0.21")).quantize(Decimal("0.01"))
                total = base + iva
                draft = rng.random() < DRAFT_SHARE
                row = dict(template)
                row.update(
                    id=next_id, account_id=account.pk, client_id=client.pk,
                    account_name=account.name, account_tax_id=account.tax_id,
                    client_name=client.name, client_tax_id=TAX_ID,
                    subtotal=base, tax_base=base, iva=iva, total=total,
                    created_at=datetime.datetime.combine(day, datetime.time(10),
                                                         tzinfo=datetime.UTC),
                )
                row["updated_at"] = row["created_at"]
                if draft:
                    row.update(status="draft", number="", issue_date=None, year=None)
                else:
                    number = sequences[index, day.year] = sequences.get((index, day.year), 0) + 1
                    paid = day < today - datetime.timedelta(days=60) and rng.random() < 0.7
                    row.update(status="issued", number=f"{day.year}/{number:06d}",
                               issue_date=day, year=day.year,
                               paid_amount=total if paid else Decimal("0.00"))
                copy.write_row([row[f.attname] for f in fields])
                for position, amount in enumerate(amounts, start=1):
                    lines.append((next_id, position, f"Servicio {position}", Decimal("1"),
                                  amount, Decimal("0"), Decimal("21"), "S1", Decimal("0"),
                                  amount))
                next_id += 1
        with cursor.copy(f"COPY invoices_invoiceline ({', '.join(line_columns)}) FROM STDIN") \
                as copy:
            for line in lines:
                copy.write_row(line)
        cursor.execute("SELECT setval(pg_get_serial_sequence('invoices_invoice', 'id'), %s)",
                       (next_id,))
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


# -- measuring ------------------------------------------------------------------------------


def median_ms(call, runs=RUNS) -> float:
    call()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def access_path(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    found = []
    for match in ACCESS.findall(plan):
        text = match.replace("Sort Method: ", "sort ").split("  ")[0]
        if text not in found:
            found.append(text)
    return "; ".join(found) or plan.splitlines()[0].strip()


def _kind(sql: str) -> str | None:
    """What a list request's query is for: its total (a COUNT, or the maintained counts)
    or its page (the invoices, ordered)."""
    if "invoices_invoicecount" in sql or ("COUNT(" in sql and '"invoices_invoice"' in sql):
        return "count"
    if '"invoices_invoice"' in sql and "ORDER BY" in sql:
        return "page"
    return None


def _run_sql(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()


def request_case(http, url):
    """(median ms of the whole request, median ms of its list queries run alone, their
    access paths, X-Total-Count)."""
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    paths, queries = [], []
    for query in captured.captured_queries:
        kind = _kind(query["sql"])
        if kind is not None:
            queries.append(query["sql"])
            paths.append(f"{kind}: {access_path(query['sql'])}")
    db_ms = median_ms(lambda: [_run_sql(sql) for sql in queries])
    return (median_ms(lambda: http.get(url)), db_ms, " | ".join(paths),
            response["X-Total-Count"])


def function_case(call):
    with CaptureQueriesContext(connection) as captured:
        call()
    paths = [access_path(q["sql"]) for q in captured.captured_queries
             if q["sql"].lstrip().upper().startswith("SELECT")
             and "invoices_invoice" in q["sql"]]
    return median_ms(call), " | ".join(paths)


def create_case(account, client):
    lines = [LineData(description="Servicio de escala", quantity=Decimal("2"),
                      unit_price=Decimal("45.50"), iva_percent=Decimal("21"))]
    create_times, lock = [], in_process.LockTimer()
    for _ in range(RUNS + 1):
        with connection.execute_wrapper(lock):
            started = time.perf_counter()
            invoice_create(account=account, client=client, lines=lines, data={})
            ended = time.perf_counter()
        create_times.append((ended - started) * 1000)
    return statistics.median(create_times[1:]), statistics.median(lock.held[1:])


def _others_write(account, count: int) -> None:
    """`count` new invoices in other accounts (copies of a filler's, numbered apart)."""
    columns = [f.column for f in Invoice._meta.concrete_fields if f.column not in ("id", "number")]
    other = Invoice.objects.exclude(account=account).values_list("account_id", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO invoices_invoice ({', '.join(columns)}, number) "  # noqa: S608
            f"SELECT {', '.join(columns)}, 'Z' || id FROM invoices_invoice "
            f"WHERE account_id = %s AND number <> '' LIMIT %s", [other, count])


def measure(label: str) -> dict[str, tuple[float, float | None, str]]:
    user = User.objects.get(login=f"scale-{label}")
    account = user.account
    http = Client(HTTP_X_API_KEY=accounts.api_key_for(user))
    url = f"/api/v1/accounts/{account.url_id}/invoices.json"
    invoices = Invoice.objects.filter(account=account)
    total = invoices.count()
    last = max(1, -(-total // 25))
    biggest = (invoices.values("client_id").annotate(n=Count("id"))
               .order_by("-n").first()["client_id"])
    oldest = invoices.exclude(year=None).order_by("year").values_list("year", flat=True)[0]
    month = timezone.localdate().replace(day=1) - datetime.timedelta(days=200)
    month = month.replace(day=1)
    month_end = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    cases = {
        "page 1": "",
        "page 2000": "?page=2000&per_page=25",
        "last page": f"?page={last}&per_page=25",
        "client_id (biggest)": f"?client_id={biggest}",
        "client_id last page": None,  # filled below, once its count is known
        "paid=true": "?paid=true",
        "paid=false": "?paid=false",
        "paid=false last page": None,
        f"year={oldest}": f"?year={oldest}",
        "from/to a month": f"?from={month.isoformat()}&to={month_end.isoformat()}",
        "q=<word> (20 matches)": f"?q={WORDS[label]}",
    }
    results = {}
    for name, query in cases.items():
        if query is None:
            continue
        ms, db_ms, path, count = request_case(http, url + query)
        results[name] = (ms, db_ms, f"[{count}] {path}")
        if name == "client_id (biggest)":
            pages = max(1, -(-int(count) // 25))
            ms, db_ms, path, count = request_case(
                http, f"{url}?client_id={biggest}&page={pages}")
            results["client_id last page"] = (ms, db_ms, f"[{count}] {path}")
        if name == "paid=false":
            pages = max(1, -(-int(count) // 25))
            ms, db_ms, path, count = request_case(http, f"{url}?paid=false&page={pages}")
            results["paid=false last page"] = (ms, db_ms, f"[{count}] {path}")
    results = {name: results[name] for name in cases}

    # X-Total-Count alone: the count query the page request ran, run again.
    with CaptureQueriesContext(connection) as captured:
        http.get(url)
    count_sql = next(q["sql"] for q in captured.captured_queries if _kind(q["sql"]) == "count")
    ms = median_ms(lambda: _run_sql(count_sql))
    results["X-Total-Count query"] = (ms, ms, access_path(count_sql))

    year = timezone.localdate().year
    # Numbering as the create calls it: inside its transaction (no commit measured).
    with transaction.atomic():
        ms, path = function_case(lambda: invoice_next_number(account=account, year=year))
        results["numbering"] = (ms, ms, path)
    # … and when other accounts have written 5,000 newer invoices since (rolled back).
    with transaction.atomic():
        _others_write(account, 5_000)
        ms, path = function_case(lambda: invoice_next_number(account=account, year=year))
        results["numbering, others wrote"] = (ms, ms, path)
        transaction.set_rollback(True)
    with connection.cursor() as cursor:  # the rolled-back rows and GIN entries, gone
        cursor.execute("VACUUM invoices_invoice")
    ms, path = function_case(lambda: check_can_add_invoice(account))
    results["plan-limit count"] = (ms, ms, path)
    client = Customer.objects.get(pk=biggest)
    create_ms, lock_ms = create_case(account, client)
    results["create (service)"] = (create_ms, None, "")
    results["lock held per create"] = (lock_ms, None, "the lock statement sent to the commit")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reseed", action="store_true", help="empty the database and seed")
    options = parser.parse_args()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if options.reseed:  # everything that hangs off accounts; reference data (countries) kept
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_account, accounts_user CASCADE")
    if not seeded():
        if Invoice.objects.exists() or Account.objects.exists():
            raise SystemExit("the database holds other data: run with --reseed")
        seed()
    print("ANALYZE …", flush=True)
    print(in_process.cpu_reference(), "(at the start)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    by_size = {}
    for label, _ in SIZES:
        by_size[label] = measure(label)
        now = Invoice.objects.filter(account__users__login=f"scale-{label}").count()
        print(f"\naccount of {label} invoices ({now:,} now)")
        print(f"{'case':<24} {'ms':>7} {'db ms':>7}  [X-Total-Count] access paths")
        for name, (ms, db_ms, path) in by_size[label].items():
            db = f"{db_ms:>7.2f}" if db_ms is not None else f"{'':>7}"
            print(f"{name:<24} {ms:>7.2f} {db}  {path}")

    missed = []
    small = by_size["1k"]
    print(f"\n{'case (ms; db ms)':<24} {'1k':>13} {'10k':>13} {'100k':>13} {'100k/1k':>13}")
    unlisted = ("numbering", "numbering, others wrote", "create (service)",
                "lock held per create")
    for name in small:
        cells, ratios = [], []
        for column in (0, 1):
            values = [by_size[label][name][column] for label, _ in SIZES]
            if values[0] is None:
                continue
            if name == "page 2000":
                # Past the end at 1k (an empty page, nothing to render): the deepest page
                # that exists there, its last, is what page 2000 at 100k is held to.
                values[0] = by_size["1k"]["last page"][column]
            ratios.append(values[2] / values[0] if values[0] else float("inf"))
            if name in unlisted:
                continue
            if values[2] > 2 * values[0] and values[2] - values[0] >= FLOOR_MS:
                what = "request" if column == 0 else "db"
                missed.append(f"{name} ({what}) {ratios[-1]:.1f}x")
        for label, _ in SIZES:
            ms, db_ms, _ = by_size[label][name]
            cells.append(f"{ms:.2f}; {db_ms:.2f}" if db_ms is not None else f"{ms:.2f}")
        ratio = "; ".join(f"{r:.2f}" for r in ratios)
        print(f"{name:<24} {cells[0]:>13} {cells[1]:>13} {cells[2]:>13} {ratio:>13}")
    for label, _ in SIZES:
        for name in ("numbering", "numbering, others wrote"):
            if by_size[label][name][0] >= 1:
                missed.append(f"{name} {by_size[label][name][0]:.2f} ms at {label}")
        if by_size[label]["lock held per create"][0] >= 3:
            missed.append(f"lock held per create {by_size[label]['lock held per create'][0]:.1f}"
                          f" ms at {label}")
    print(f"\n(ms: the whole request in-process; db ms: its list queries run alone. List cases:"
          f" 100k within 2x of 1k on both, differences under {FLOOR_MS} ms count as equal;"
          f" page 2000 is past the end at 1k and is held to the 1k account's last page;"
          f" numbering < 1 ms; lock held < 3 ms; medians of {RUNS} runs;"
          f" {time.perf_counter() - started:.0f} s in all)")
    print(in_process.cpu_reference(), "(at the end)")
    print("scale targets: met" if not missed else f"scale targets: NOT met: {', '.join(missed)}")


if __name__ == "__main__":
    main()
