"""Throughput of the v1 API against bare Django views that return the same JSON.

Seeds an account with 10,000 invoices of 10 lines each (plus one 100-line invoice), then,
in one process and one run, measures for each case the requests per second and the SQL
queries per request of:

- the API: `GET …/invoices.json` (a 25-invoice page), `GET …/invoices/:id.json` (100 lines),
  `POST …/invoices.json` (10 lines);
- a bare Django view that authenticates the same api_key, builds the same JSON by hand from
  `.values()` and returns it (for POST: parses the JSON, runs the same tax engine, inserts).

The ratio API / bare is the figure (target ≥ 0.70). Requests go through Django's full
handler and middleware in-process (django.test.Client), so the network is not measured.

    python bench/bench_api.py [--seconds 3] [--invoices 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturagem_bench python bench/bench_api.py
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/facturagem-bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "facturagem.settings"

import warnings  # noqa: E402

import django  # noqa: E402

# whitenoise warns that collectstatic has not run: no static file is served here.
warnings.filterwarnings("ignore", message="No directory at")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from accounts import api_keys, services  # noqa: E402
from accounts.models import User  # noqa: E402
from clients.models import Client as Customer  # noqa: E402
from invoices import taxes  # noqa: E402
from invoices.models import Invoice, InvoiceLine  # noqa: E402
from invoices.services import LineData, invoice_create  # noqa: E402

# -- the bare views: what the endpoints would be with nothing but Django ---------------------


def _user(request):
    key = request.headers.get("X-Api-Key", "")
    user = User.objects.filter(api_key_digest=api_keys.digest(key)).first()
    if user is None or not api_keys.matches(key, user_id=user.pk, salt=user.api_key_salt):
        return None
    return user


def _base(request) -> str:
    return request.build_absolute_uri("/api/v1")


def _account_path(account_id, name) -> str:
    from django.utils.text import slugify

    return f"/accounts/{account_id}-{slugify(name)}"


def _invoice_links(base, account_path, invoice) -> list[dict]:
    from django.utils.text import slugify

    path = f"{account_path}/invoices/{invoice['id']}-{slugify(invoice['number'].replace('/', '-'))}"
    return [
        {"rel": "self", "uri": f"{base}{path}.json"},
        {"rel": "account", "uri": f"{base}{account_path}.json"},
        {"rel": "client", "uri": f"{base}{account_path}/clients/{invoice['client_id']}.json"},
        {"rel": "payments", "uri": f"{base}{path}/payments.json"},
        {"rel": "pdf", "uri": f"{base}{path}.pdf"},
        {"rel": "copy",
         "uri": f"{base}{account_path}/invoices/new.json?invoice_id={invoice['id']}"},
    ]


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def bare_list(request, account_id):
    user = _user(request)
    if user is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    account = user.account
    base, account_path = _base(request), _account_path(account.pk, account.name)
    rows = Invoice.objects.filter(account=account).order_by("-issue_date", "-id")
    total = rows.count()
    rows = rows.values("id", "number", "issue_date", "client_name", "total", "paid_amount",
                       "client_id")[:25]
    data = [
        {
            "id": row["id"],
            "number": row["number"],
            "issue_date": row["issue_date"].isoformat(),
            "client_name": row["client_name"],
            "total": _money(row["total"]),
            "paid": row["total"] > 0 and row["paid_amount"] >= row["total"],
            "links": _invoice_links(base, account_path, row),
        }
        for row in rows
    ]
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")
    response["X-Total-Count"] = str(total)
    return response


INVOICE_VALUES = [
    f.name for f in Invoice._meta.concrete_fields if f.name not in ("account", "client", "year")
] + ["client_id"]


def _invoice_json(base, account_path, invoice, lines, payments) -> dict:
    breakdown = taxes.compute(
        [taxes.LineInput(quantity=ln["quantity"], unit_price=ln["unit_price"],
                         iva_percent=ln["iva_percent"], discount_percent=ln["discount_percent"])
         for ln in lines],
        discount_percent=invoice["discount_percent"], irpf_percent=invoice["irpf_percent"],
        equivalence_surcharge=invoice["equivalence_surcharge"],
    )
    data = {}
    for name, value in invoice.items():
        if isinstance(value, Decimal):
            value = _money(value)
        elif isinstance(value, datetime.datetime):
            value = timezone.localtime(value).isoformat()
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    data["lines"] = [
        {
            "description": ln["description"],
            "quantity": str(ln["quantity"].quantize(Decimal("0.001"))),
            "unit_price": str(ln["unit_price"].quantize(Decimal("0.0001"))),
            "discount_percent": _money(ln["discount_percent"]),
            "iva_percent": _money(ln["iva_percent"]),
            "surcharge_percent": _money(ln["surcharge_percent"]),
            "total": _money(ln["total"]),
        }
        for ln in lines
    ]
    data["taxes"] = [
        {name: str(getattr(row, name)) for name in
         ("iva_percent", "base", "iva", "surcharge_percent", "surcharge")}
        for row in breakdown.taxes
    ]
    data["outstanding"] = _money(invoice["total"] - invoice["paid_amount"])
    data["paid"] = invoice["total"] > 0 and invoice["paid_amount"] >= invoice["total"]
    data["payments"] = [
        {**p, "amount": _money(p["amount"]), "date": p["date"].isoformat()} for p in payments
    ]
    data["links"] = _invoice_links(base, account_path, invoice)
    return data


def bare_detail(request, account_id, invoice_id):
    user = _user(request)
    if user is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    account = user.account
    invoice = Invoice.objects.filter(account=account, pk=invoice_id).values(*INVOICE_VALUES).first()
    lines = list(InvoiceLine.objects.filter(invoice_id=invoice_id).order_by("position").values())
    payments = list(
        Invoice.objects.get(pk=invoice_id).payments.values("id", "amount", "date", "method",
                                                          "notes")
    )
    data = _invoice_json(_base(request), _account_path(account.pk, account.name), invoice,
                         lines, payments)
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")


@csrf_exempt
def bare_create(request, account_id):
    user = _user(request)
    if user is None:
        return JsonResponse({"errors": ["Invalid api_key"]}, status=401)
    account = user.account
    body = json.loads(request.body, parse_float=Decimal)
    client = Customer.objects.get(account=account, pk=body["client_id"])
    lines = [
        LineData(description=ln["description"], quantity=Decimal(ln["quantity"]),
                 unit_price=Decimal(ln["unit_price"]), iva_percent=Decimal(ln["iva_percent"]))
        for ln in body["lines"]
    ]
    invoice = invoice_create(account=account, client=client, lines=lines, data={})
    values = Invoice.objects.filter(pk=invoice.pk).values(*INVOICE_VALUES).first()
    line_values = [
        {name: getattr(line, name) for name in
         ("description", "quantity", "unit_price", "discount_percent", "iva_percent",
          "surcharge_percent", "total")}
        for line in invoice.line_list
    ]
    data = _invoice_json(_base(request), _account_path(account.pk, account.name), values,
                         line_values, [])
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")


urlpatterns = [
    path("bare/<int:account_id>/invoices", bare_list),
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
    hundred = [
        LineData(description=f"Línea {i} con una descripción algo más larga",
                 quantity=Decimal("1.5"),
                 unit_price=Decimal("12.3456"), iva_percent=Decimal("21"))
        for i in range(100)
    ]
    invoice_create(account=account, client=client, lines=hundred, data={"number": "BIG-1"})
    return user, services.api_key_for(user)


# -- measuring ------------------------------------------------------------------------------


def queries_of(label, send):
    send()  # warm up (and check it works)
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == 200, (label, response.status_code, response.content[:300])
    return len(queries), response


def rate(send, seconds):
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        send()
        count += 1
    return count / (time.perf_counter() - started)


def compare(api_call, bare_call, seconds, rounds=5):
    """Alternates short rounds of each and keeps each side's best: a machine busy with
    something else slows both alike instead of whichever happened to run then."""
    api_best = bare_best = 0.0
    for _ in range(rounds):
        api_best = max(api_best, rate(api_call, seconds / rounds))
        bare_best = max(bare_best, rate(bare_call, seconds / rounds))
    return api_best, bare_best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--invoices", type=int, default=10_000)
    options = parser.parse_args()

    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        user, key = seed(options.invoices)
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
            ("GET a 25-invoice page",
             lambda: http.get(f"{api}/invoices.json"),
             lambda: http.get(f"/bare/{account.pk}/invoices")),
            ("GET a 100-line invoice",
             lambda: http.get(f"{api}/invoices/{big.pk}.json"),
             lambda: http.get(f"/bare/{account.pk}/invoices/{big.pk}")),
            ("POST a 10-line invoice",
             lambda: http.post(f"{api}/invoices.json", new_invoice,
                               content_type="application/json"),
             lambda: http.post(f"/bare/{account.pk}/invoices/new", new_invoice,
                               content_type="application/json")),
        ]
        print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
              f"{account.invoices.count()} invoices, {options.seconds:.0f} s per measure")
        print(f"{'case':<26} {'API req/s':>10} {'queries':>8} {'bare req/s':>11} "
              f"{'queries':>8} {'ratio':>6}")
        ok = True
        for label, api_call, bare_call in cases:
            api_queries, api_response = queries_of(label, api_call)
            bare_queries, bare_response = queries_of(label, bare_call)
            api_rate, bare_rate = compare(api_call, bare_call, options.seconds)
            if label.startswith("GET"):
                same = json.loads(api_response.content) == json.loads(bare_response.content)
                assert same, f"{label}: the bare view's JSON differs from the API's"
            ratio = api_rate / bare_rate
            ok &= ratio >= 0.7
            print(f"{label:<26} {api_rate:>10.0f} {api_queries:>8} {bare_rate:>11.0f} "
                  f"{bare_queries:>8} {ratio:>6.2f}")
        print("target: API ≥ 0.70 × bare on each case:", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
