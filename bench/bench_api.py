"""Throughput of the v1 API against bare Django views that return the same bytes.

Seeds an account (VERI*FACTU on, as every new account) with 10,000 issued invoices of 10
lines each (plus one 100-line invoice), ANALYZEs, then, in one process, measures for each
case the requests per second and the SQL queries per request of:

- the API: `GET …/invoices.json` and `GET …/invoices.xml` (a 25-invoice page),
  `GET …/invoices/:id.json` (100 lines), `POST …/invoices.json` (10 lines, issued with its
  VERI*FACTU record, as production does);
- a bare Django view that authenticates the same api_key, builds the same representation by
  hand from `.values()` (the list's XML written with string joins) and returns it; for POST
  it parses the JSON and calls the same `invoice_create` service, so that the create ratio
  is the API's overhead around the same work. Each bare view's body is checked once against
  the API's (the same JSON; the same XML bytes) before anything is timed.

Three rounds; in each, every case alternates API and bare in ten short turns (a machine busy
with something else slows both alike); the figure is the median of the three rounds' ratios
API / bare.
Targets (issue 13): JSON list and XML list ≥ 0.85, detail and create ≥ 0.90. On PostgreSQL
it also prints how long the API's creates hold the account lock (from the moment the
statement taking it is sent to the end of the commit: `in_process.LockTimer`; target < 3 ms
median). Requests go through
Django's full handler and middleware in-process (django.test.Client): no network.

    python bench/bench_api.py [--seconds 2] [--invoices 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturagem_bench python bench/bench_api.py
"""

import argparse
import datetime
import json
import statistics
import time
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import in_process  # bench/in_process.py (a script's own folder is on sys.path)

in_process.setup(debug=False, sqlite="facturagem-bench.sqlite3")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from accounts import api_keys, services  # noqa: E402
from accounts.models import User  # noqa: E402
from clients.models import Client as Customer  # noqa: E402
from invoices import taxes  # noqa: E402
from invoices.models import Invoice, InvoiceLine  # noqa: E402
from invoices.services import LineData, invoice_create  # noqa: E402
from verifactu import qr  # noqa: E402
from verifactu.models import Record  # noqa: E402

TARGETS = {"list": 0.85, "list_xml": 0.85, "detail": 0.90, "create": 0.90}
LOCK_TARGET_MS = 3.0

# -- the bare views: what the endpoints would be with nothing but Django ---------------------


def _user(request):
    key = request.headers.get("X-Api-Key", "")
    user = User.objects.filter(api_key_digest=api_keys.digest(key)).first()
    if user is None or not api_keys.matches(key, user_id=user.pk, salt=user.api_key_salt):
        return None
    return user


def _base(request) -> str:
    return request.build_absolute_uri("/api/v1")


def _account_path(account) -> str:
    return f"/accounts/{account.pk}-{account.slug}"


def _invoice_links(base, account_path, invoice, suffix=".json") -> list[tuple[str, str]]:
    """(rel, uri) of an invoice, as CONTRACT §3 lists them."""
    slug = slugify(invoice["number"].replace("/", "-")) if invoice["number"] else "borrador"
    path = f"{account_path}/invoices/{invoice['id']}-{slug}" if slug else \
        f"{account_path}/invoices/{invoice['id']}"
    links = [("self", f"{base}{path}{suffix}"), ("account", f"{base}{account_path}{suffix}")]
    if invoice["client_id"] is not None:
        client = f"{invoice['client_id']}-{slugify(invoice['client_name'])}"
        links.append(("client", f"{base}{account_path}/clients/{client}{suffix}"))
    copy = urlencode({"invoice_id": invoice["id"]})
    links += [
        ("payments", f"{base}{path}/payments{suffix}"),
        ("pdf", f"{base}{path}.pdf"),
        ("copy", f"{base}{account_path}/invoices/new{suffix}?{copy}"),
    ]
    if invoice["status"] != "draft":
        links += [("facturae", f"{base}{path}/facturae.xml"),
                  ("facturae_signed", f"{base}{path}/facturae.xsig")]
    if invoice["status"] == "issued":
        links += [("corrections", f"{base}{path}/corrections{suffix}"),
                  ("void", f"{base}{path}/void{suffix}")]
    if invoice["corrects_id"] is not None:
        corrects = f"{account_path}/invoices/{invoice['corrects_id']}"
        links.append(("corrects", f"{base}{corrects}{suffix}"))
    if invoice["frozen"]:
        links.append(("records", f"{base}{account_path}/verifactu/records{suffix}?{copy}"))
    return links


def _link_dicts(links) -> list[dict]:
    return [{"rel": rel, "uri": uri} for rel, uri in links]


CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP))


def _paid(row) -> bool:
    return row["total"] > 0 and row["paid_amount"] >= row["total"]


SUMMARY_VALUES = ("id", "number", "status", "issue_date", "client_name", "client_id", "total",
                  "paid_amount", "corrects_id", "frozen")


def _page(request):
    user = _user(request)
    if user is None:
        return None, None, None
    account = user.account
    rows = Invoice.objects.filter(account=account).order_by("-issue_date", "-id")
    total = rows.count()
    return account, total, list(rows.values(*SUMMARY_VALUES)[:25])


def bare_list(request, account_id):
    account, total, rows = _page(request)
    if account is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    base, account_path = _base(request), _account_path(account)
    data = [
        {
            "id": row["id"],
            "number": row["number"],
            "issue_date": row["issue_date"].isoformat(),
            "client_name": row["client_name"],
            "total": _money(row["total"]),
            "paid": _paid(row),
            "status": row["status"],
            "links": _link_dicts(_invoice_links(base, account_path, row)),
        }
        for row in rows
    ]
    response = HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                            content_type="application/json")
    response["X-Total-Count"] = str(total)
    return response


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bare_list_xml(request, account_id):
    account, total, rows = _page(request)
    if account is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    base, account_path = _base(request), _account_path(account)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<invoices type="array">']
    for row in rows:
        paid = "true" if _paid(row) else "false"
        parts.append(
            f'<invoice><id type="integer">{row["id"]}</id>'
            f'<number>{_escape(row["number"])}</number>'
            f'<issue-date type="date">{row["issue_date"].isoformat()}</issue-date>'
            f'<client-name>{_escape(row["client_name"])}</client-name>'
            f'<total type="decimal">{_money(row["total"])}</total>'
            f'<paid type="boolean">{paid}</paid><status>{row["status"]}</status>'
            '<links type="array">'
        )
        for rel, uri in _invoice_links(base, account_path, row, ".xml"):
            parts.append(f"<link><rel>{rel}</rel><uri>{_escape(uri)}</uri></link>")
        parts.append("</links></invoice>")
    parts.append("</invoices>")
    response = HttpResponse("".join(parts).encode("utf-8"), content_type="application/xml")
    response["X-Total-Count"] = str(total)
    return response


INVOICE_VALUES = [
    f.attname for f in Invoice._meta.concrete_fields
    if f.name not in ("account", "client", "year", "corrects")
] + ["account_id", "client_id", "corrects_id"]
_MONEY = ("discount_percent", "irpf_percent", "subtotal", "discount", "tax_base", "iva",
          "surcharge", "irpf", "total", "paid_amount")
_PARTY = ("name", "tax_id", "street1", "street2", "city", "province", "postal_code", "country")


def _date(value):
    return value.isoformat() if value is not None else None


def _datetime(value):
    return timezone.localtime(value).isoformat() if value is not None else None


def _invoice_json(base, account_path, invoice, lines, payments, record) -> dict:
    """InvoiceOutput's representation, by hand, in its order."""
    breakdown = taxes.compute(
        [taxes.LineInput(quantity=ln["quantity"], unit_price=ln["unit_price"],
                         iva_percent=ln["iva_percent"], discount_percent=ln["discount_percent"],
                         treatment=ln["treatment"])
         for ln in lines],
        discount_percent=invoice["discount_percent"], irpf_percent=invoice["irpf_percent"],
        equivalence_surcharge=invoice["equivalence_surcharge"],
    )
    money = {name: _money(invoice[name]) for name in _MONEY}
    corrective = invoice["invoice_type"].startswith("R")
    data = {
        "id": invoice["id"], "number": invoice["number"], "series": invoice["series"],
        "status": invoice["status"], "invoice_type": invoice["invoice_type"],
        "simplified": invoice["invoice_type"] in ("F2", "R5"),
        "issue_date": _date(invoice["issue_date"]),
        "operation_date": _date(invoice["operation_date"]),
        "due_date": _date(invoice["due_date"]),
        "account_id": invoice["account_id"], "client_id": invoice["client_id"],
    }
    for prefix in ("account", "client"):
        for name in _PARTY:
            data[f"{prefix}_{name}"] = invoice[f"{prefix}_{name}"]
        if prefix == "account":
            data["account_iban"] = invoice["account_iban"]
    data["equivalence_surcharge"] = invoice["equivalence_surcharge"]
    data["lines"] = [
        {
            "description": ln["description"],
            "quantity": str(ln["quantity"].quantize(Decimal("0.001"))),
            "unit_price": str(ln["unit_price"].quantize(Decimal("0.0001"))),
            "discount_percent": _money(ln["discount_percent"]),
            "iva_percent": _money(ln["iva_percent"]),
            "treatment": ln["treatment"],
            "surcharge_percent": _money(ln["surcharge_percent"]),
            "total": _money(ln["total"]),
        }
        for ln in lines
    ]
    for name in ("discount_percent", "irpf_percent", "subtotal", "discount", "tax_base"):
        data[name] = money[name]
    data["taxes"] = [
        {"treatment": row.treatment, "iva_percent": _money(row.iva_percent),
         "base": _money(row.base), "iva": _money(row.iva),
         "surcharge_percent": _money(row.surcharge_percent), "surcharge": _money(row.surcharge)}
        for row in breakdown.taxes
    ]
    for name in ("iva", "surcharge", "irpf", "total", "paid_amount"):
        data[name] = money[name]
    data["outstanding"] = _money(invoice["total"] - invoice["paid_amount"])
    data["paid"] = _paid(invoice)
    for name in ("notes", "footer", "description", "currency"):
        data[name] = invoice[name]
    data["payments"] = [
        {"id": p["id"], "account_id": invoice["account_id"], "invoice_id": invoice["id"],
         "amount": _money(p["amount"]), "date": p["date"].isoformat(), "method": p["method"],
         "notes": p["notes"], "created_at": _datetime(p["created_at"])}
        for p in payments
    ]
    data["corrects"] = None  # the bench's invoices correct nothing
    data["correction_type"] = invoice["invoice_type"] if corrective else None
    data["correction_method"] = invoice["correction_method"] or None
    data["correction_reason"] = invoice["correction_reason"] if corrective else None
    data["void_reason"] = invoice["void_reason"] if invoice["status"] == "voided" else None
    data["voided_at"] = _datetime(invoice["voided_at"])
    data["verifactu"] = None if record is None else {
        "hash": record["hash"], "generated_at": record["generated_at"],
        "status": record["status"],
        "qr_url": qr.qr_url(environment=settings.AEAT_ENVIRONMENT,
                            issuer_nif=record["issuer_tax_id"],
                            number=record["invoice_number"], issue_date=record["issue_date"],
                            total_amount=record["total_amount"]),
        "csv": record["csv"],
    }
    data["created_at"] = _datetime(invoice["created_at"])
    data["updated_at"] = _datetime(invoice["updated_at"])
    data["links"] = _link_dicts(_invoice_links(base, account_path, invoice))
    return data


RECORD_VALUES = ("hash", "generated_at", "status", "csv", "issuer_tax_id", "invoice_number",
                 "issue_date", "total_amount")
LINE_VALUES = ("description", "quantity", "unit_price", "discount_percent", "iva_percent",
               "treatment", "surcharge_percent", "total")


def _record(invoice_id):
    return (Record.objects.filter(invoice_id=invoice_id, kind=Record.Kind.ALTA)
            .order_by("position").values(*RECORD_VALUES).first())


def _json_response(data):
    return HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/json")


def bare_detail(request, account_id, invoice_id):
    user = _user(request)
    if user is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    account = user.account
    invoice = Invoice.objects.filter(account=account, pk=invoice_id).values(*INVOICE_VALUES).first()
    lines = list(InvoiceLine.objects.filter(invoice_id=invoice_id).order_by("position")
                 .values(*LINE_VALUES))
    from invoices.models import Payment

    payments = list(Payment.objects.filter(invoice_id=invoice_id).order_by("date", "id")
                    .values("id", "amount", "date", "method", "notes", "created_at"))
    data = _invoice_json(_base(request), _account_path(account), invoice, lines, payments,
                         _record(invoice_id))
    return _json_response(data)


@csrf_exempt
def bare_create(request, account_id):
    user = _user(request)
    if user is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    account = user.account
    body = json.loads(request.body)
    client = Customer.objects.get(account=account, pk=body["client_id"])
    lines = [
        LineData(description=ln["description"], quantity=Decimal(ln["quantity"]),
                 unit_price=Decimal(ln["unit_price"]), iva_percent=Decimal(ln["iva_percent"]))
        for ln in body["lines"]
    ]
    invoice = invoice_create(account=account, client=client, lines=lines, data={})
    values = {f: getattr(invoice, f) for f in INVOICE_VALUES}
    line_values = [{name: getattr(line, name) for name in LINE_VALUES}
                   for line in invoice.line_list]
    record = None
    if invoice.alta_records:
        alta = invoice.alta_records[0]
        record = {name: getattr(alta, name) for name in RECORD_VALUES}
    data = _invoice_json(_base(request), _account_path(account), values, line_values, [],
                         record)
    response = _json_response(data)
    response["Location"] = data["links"][0]["uri"]
    return response


urlpatterns = [
    path("bare/<int:account_id>/invoices", bare_list),
    path("bare/<int:account_id>/invoices.xml", bare_list_xml),
    path("bare/<int:account_id>/invoices/<int:invoice_id>", bare_detail),
    path("bare/<int:account_id>/invoices/new", bare_create),
    path("", include("facturagem.urls")),
]

# -- seeding ----------------------------------------------------------------------------------


def seed(invoice_count: int):
    call_command("migrate", verbosity=0)
    user = User.objects.filter(login="bench").first()
    if user is not None and user.account.invoices.count() >= invoice_count:
        return user, services.api_key_for(user)
    if user is not None:
        raise SystemExit("bench database half-seeded: delete it and run again")
    print(f"seeding {invoice_count} invoices x 10 lines ...", flush=True)
    user = services.account_create(
        login="bench", password="bench-password", email="bench@example.com",
        account_name="Bench Consulting SL", tax_id="B12345674",
    )
    account = user.account
    # The bench makes more requests than an hour's default allows; the count still runs.
    account.api_requests_per_hour = 10**9
    account.save(update_fields=["api_requests_per_hour"])
    client = Customer.objects.create(account=account, name="Cliente Ejemplo SA",
                                     tax_id="A58818501")
    line_data = [
        LineData(description=f"Servicio profesional {i}", quantity=Decimal("2"),
                 unit_price=Decimal("45.50"), iva_percent=Decimal("21") if i % 3 else
                 Decimal("10"))
        for i in range(10)
    ]
    template = invoice_create(account=account, client=client, lines=line_data, data={})
    start = datetime.date(2016, 1, 1)
    batch = 1000
    with transaction.atomic():
        for offset in range(1, invoice_count, batch):
            invoices = []
            for n in range(offset, min(offset + batch, invoice_count)):
                issue_date = start + datetime.timedelta(days=n // 3)
                invoice = Invoice(**{
                    f.attname: getattr(template, f.attname)
                    for f in Invoice._meta.concrete_fields if f.name not in ("id",)
                })
                invoice.issue_date = issue_date
                invoice.year = issue_date.year
                invoice.number = f"B{n:06d}"
                # Unfrozen while its lines go in (the database refuses lines of a frozen
                # issued invoice); frozen below, in one UPDATE, as the service leaves it.
                invoice.frozen = False
                invoices.append(invoice)
            Invoice.objects.bulk_create(invoices)
            lines = [
                InvoiceLine(invoice=inv, position=line.position, description=line.description,
                            quantity=line.quantity, unit_price=line.unit_price,
                            iva_percent=line.iva_percent, surcharge_percent=line.surcharge_percent,
                            total=line.total, discount_percent=line.discount_percent)
                for inv in invoices for line in template.line_list
            ]
            InvoiceLine.objects.bulk_create(lines, batch_size=2000)
        Invoice.objects.filter(account=account, frozen=False).update(frozen=True)
    hundred = [
        LineData(description=f"Línea {i} con una descripción algo más larga",
                 quantity=Decimal("1.5"),
                 unit_price=Decimal("12.3456"), iva_percent=Decimal("21"))
        for i in range(100)
    ]
    # Numbered by hand in its own series: the measured creates number on in the ordinary
    # one ("2026/0001", …) however many runs reuse the database, never after "BIG-…".
    invoice_create(account=account, client=client, lines=hundred,
                   data={"number": "BIG-1", "series": "BIG"})
    return user, services.api_key_for(user)


# -- measuring ------------------------------------------------------------------------------


def analyze() -> None:
    """Fresh statistics, so that the plans are those of a database in use (PostgreSQL's
    autovacuum would get there; right after a bulk load it has not)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def queries_of(label, send):
    send()  # warm up (and check it works)
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == 200, (label, response.status_code, response.content[:300])
    return len(queries), response


def rates_of(api_call, bare_call, seconds, slices=10):
    """Requests per second of each side over `seconds`, in `slices` alternating turns: a
    burst of load from elsewhere on the machine falls on both sides, not on one. Each turn
    starts with the heap collected and frozen (`in_process.freeze_heap`): otherwise a full
    collection walking the seed's ~250,000 objects (90 ms) lands on one side's turn, ±5 %
    a round. Each side still pays the collections its own allocations trigger."""
    counts, spent = [0, 0], [0.0, 0.0]
    for _ in range(slices):
        for side, send in enumerate((api_call, bare_call)):
            # Outside the turn's time: django.test.Client leaves three weakref.finalize
            # objects behind per request (its signal connections), which every full
            # collection would walk again, ever longer; frozen here, each side's turn
            # starts from the same heap.
            in_process.freeze_heap()
            started = time.perf_counter()
            while time.perf_counter() - started < seconds / slices:
                send()
                counts[side] += 1
            spent[side] += time.perf_counter() - started
    return counts[0] / spent[0], counts[1] / spent[1]


# What differs between two creates of the same body: the invoice itself, not the shape.
_VOLATILE = ("id", "number", "created_at", "updated_at", "links", "verifactu")


def same_representation(kind, api_response, bare_response) -> None:
    if kind == "list_xml":
        assert api_response.content == bare_response.content, (
            "the bare XML view's bytes differ from the API's")
        return
    api, bare = json.loads(api_response.content), json.loads(bare_response.content)
    if kind == "create":
        assert set(api) == set(bare) and set(api["verifactu"]) == set(bare["verifactu"])
        api = {k: v for k, v in api.items() if k not in _VOLATILE}
        bare = {k: v for k, v in bare.items() if k not in _VOLATILE}
    assert api == bare, f"{kind}: the bare view's JSON differs from the API's"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per side, case and round")
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        user, key = seed(options.invoices)
        analyze()
        account = user.account
        client_id = account.clients.first().pk
        big = account.invoices.get(number="BIG-1")
        http = Client(HTTP_X_API_KEY=key)
        api = f"/api/v1/accounts/{account.url_id}"
        new_invoice = json.dumps({
            "client_id": client_id,
            "lines": [{"description": f"Concepto {i}", "quantity": "3", "unit_price": "19.99",
                       "iva_percent": "21"} for i in range(10)],
        })
        cases = [
            ("list", "GET a 25-invoice page",
             lambda: http.get(f"{api}/invoices.json"),
             lambda: http.get(f"/bare/{account.pk}/invoices")),
            ("list_xml", "GET the page as XML",
             lambda: http.get(f"{api}/invoices.xml"),
             lambda: http.get(f"/bare/{account.pk}/invoices.xml")),
            ("detail", "GET a 100-line invoice",
             lambda: http.get(f"{api}/invoices/{big.pk}.json"),
             lambda: http.get(f"/bare/{account.pk}/invoices/{big.pk}")),
            ("create", "POST a 10-line invoice",
             lambda: http.post(f"{api}/invoices.json", new_invoice,
                               content_type="application/json"),
             lambda: http.post(f"/bare/{account.pk}/invoices/new", new_invoice,
                               content_type="application/json")),
        ]
        vendor = connection.vendor
        print(f"database: {vendor}, {account.invoices.count()} invoices, VERI*FACTU "
              f"{'on' if account.verifactu else 'off'}, {options.rounds} rounds of "
              f"{options.seconds:g} s per side and case; {in_process.cpu_reference()}")
        queries = {}
        for kind, label, api_call, bare_call in cases:
            api_queries, api_response = queries_of(label, api_call)
            bare_queries, bare_response = queries_of(label, bare_call)
            same_representation(kind, api_response, bare_response)
            queries[kind] = (api_queries, bare_queries)
        rates = {kind: [] for kind, *_ in cases}
        lock = in_process.LockTimer()
        for _ in range(options.rounds):
            for kind, _label, api_call, bare_call in cases:
                if kind == "create" and vendor == "postgresql":
                    timed = api_call

                    def api_call(timed=timed):
                        with connection.execute_wrapper(lock):
                            return timed()

                rates[kind].append(rates_of(api_call, bare_call, options.seconds))
        print(f"{'case':<24} {'API req/s':>9} {'queries':>7} {'bare req/s':>10} {'queries':>7}"
              f"  {'ratio per round':<17} {'median':>6} {'target':>6}")
        missed = []
        for kind, label, *_ in cases:
            ratios = [a / b for a, b in rates[kind]]
            ratio = statistics.median(ratios)
            api_rate = statistics.median(a for a, _ in rates[kind])
            bare_rate = statistics.median(b for _, b in rates[kind])
            if ratio < TARGETS[kind]:
                missed.append(f"{kind} {ratio:.2f} < {TARGETS[kind]:.2f}")
            rounds = " ".join(f"{r:.2f}" for r in ratios)
            print(f"{label:<24} {api_rate:>9.0f} {queries[kind][0]:>7} {bare_rate:>10.0f} "
                  f"{queries[kind][1]:>7}  {rounds:<17} {ratio:>6.2f} {TARGETS[kind]:>6.2f}")
        if vendor == "postgresql" and lock.held:
            held = statistics.median(lock.held)
            p95 = statistics.quantiles(lock.held, n=20)[-1] if len(lock.held) > 1 else held
            print(f"account lock held per API create: median {held:.2f} ms, p95 {p95:.2f} ms "
                  f"over {len(lock.held)} creates (target < {LOCK_TARGET_MS:g} ms median)")
            if held >= LOCK_TARGET_MS:
                missed.append(f"lock held {held:.2f} ms >= {LOCK_TARGET_MS:g} ms")
        print(in_process.cpu_reference(), "(at the end)")
        print("targets: met" if not missed else f"targets: NOT met: {'; '.join(missed)}")


if __name__ == "__main__":
    main()
