"""The list paged by the maintained counts (invoices.selectors.CountedInvoices) answers
exactly what the naive query answers — `count()` and an OFFSET slice of the filtered,
ordered queryset — for every page, page size and filter, after any mix of writes; the
counts stay right whoever writes (services, admin, bulk, raw SQL); tenants never mix; and
the queries stay a fixed few whatever the page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Client
from facturagem.api import pagination
from invoices import selectors
from invoices.filters import InvoiceFilter
from invoices.models import PAID, Invoice, InvoiceCount
from tests.factories import make_client, make_invoice, pay
from tests.invoice_counts import expected_counts, stored_counts

pytestmark = pytest.mark.django_db

DAYS = [datetime.date(2025, 12, 30) + datetime.timedelta(days=n) for n in range(6)]
TOTAL = Decimal("121.00")


def invoices_url(persona) -> str:
    return f"/api/v1/accounts/{persona.account.pk}/invoices.json"


@pytest.fixture
def seek_always(monkeypatch):
    """Every page past the first row found from the counts, not by a plain OFFSET."""
    monkeypatch.setattr(selectors, "NEAR", 1)


# -- the oracle -------------------------------------------------------------------------------


def naive(account, params: dict, client=None):
    """(total, ids of the page) as the list answered before the counts: the filtered,
    ordered queryset, its count() and an OFFSET slice."""
    queryset = selectors.invoice_list(account=account)
    if client is not None:
        queryset = queryset.filter(client=client)
    filters = {k: v for k, v in params.items() if k not in ("page", "per_page")}
    queryset = InvoiceFilter(data=filters, queryset=queryset).qs
    page, per_page = int(params.get("page", 1)), int(params.get("per_page", 25))
    offset = (page - 1) * per_page
    return queryset.count(), [i.pk for i in queryset[offset : offset + per_page]]


def counted(account, params: dict, client=None):
    """(total, ids of the page) through the selector and pagination the view uses."""
    queryset = selectors.invoice_list(account=account)
    if client is not None:
        queryset = queryset.filter(client=client)
    filters = {k: v for k, v in params.items() if k not in ("page", "per_page")}
    filterset = InvoiceFilter(data=filters, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    pages = selectors.invoice_pages(
        filterset.qs, account=account, client_id=client.pk if client else None,
        filters=filterset.form.cleaned_data,
    )
    page = pagination.paginate(pages, params)
    return page.total, [i.pk for i in page.items]


def assert_counts_right():
    assert stored_counts() == expected_counts()


# -- writes, as any writer may do them ------------------------------------------------------


_numbers = iter(range(1, 10**9))


def insert(account, client, *, day, paid=False, draft=False, total=TOTAL) -> Invoice:
    """A bare row (no service): what bulk loads, the admin or raw SQL may leave behind."""
    return Invoice.objects.create(
        account=account, client=client, invoice_type="F1" if client else "F2",
        status="draft" if draft else "issued",
        number="" if draft else f"T{next(_numbers)}",
        issue_date=day, year=day.year if day else None,
        account_name=account.name, client_name=client.name if client else "",
        total=total, paid_amount=total if paid else Decimal("0.00"),
    )


WRITES = st.lists(
    st.tuples(
        st.sampled_from(["issue", "issue", "issue", "draft", "delete_draft", "redate_draft",
                         "pay", "unpay", "void", "zero_total", "raw_redate", "bulk_pay"]),
        st.integers(0, 2),  # account
        st.integers(0, 3),  # client (3: none, a simplified invoice)
        st.integers(0, len(DAYS)),  # day (len: none, for drafts)
        st.integers(0, 10**6),  # which invoice, for changes
    ),
    min_size=1, max_size=40,
)


def apply(write, accounts, clients):
    kind, a, c, d, pick = write
    account = accounts[a]
    client = clients[a][c] if c < 3 else None
    day = DAYS[d] if d < len(DAYS) else None
    mine = Invoice.objects.filter(account=account).order_by("pk")
    drafts = mine.filter(status="draft")
    if kind == "issue":
        insert(account, client, day=day or DAYS[0], paid=pick % 2 == 0)
    elif kind == "draft":
        insert(account, client, day=day, draft=True)
    elif kind == "delete_draft" and drafts.exists():
        drafts[pick % drafts.count()].delete()
    elif kind == "redate_draft" and drafts.exists():
        draft = drafts[pick % drafts.count()]
        draft.issue_date, draft.year = day, day.year if day else None
        draft.save()
    elif kind in ("pay", "unpay") and mine.exists():
        target = mine[pick % mine.count()]
        amount = target.total if kind == "pay" else Decimal("0.00")
        Invoice.objects.filter(pk=target.pk).update(paid_amount=amount)
    elif kind == "void" and mine.filter(status="issued").exists():
        issued = mine.filter(status="issued")
        issued.filter(pk=issued[pick % issued.count()].pk).update(status="voided")
    elif kind == "zero_total" and mine.exists():
        Invoice.objects.filter(pk=mine[pick % mine.count()].pk).update(total=Decimal("0.00"))
    elif kind == "raw_redate" and drafts.exists():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE invoices_invoice SET issue_date = %s, year = %s WHERE id = %s",
                [day, day.year if day else None, drafts[pick % drafts.count()].pk],
            )
    elif kind == "bulk_pay":
        mine.filter(issue_date=day).update(paid_amount=TOTAL)


FILTERS = [
    {}, {"paid": "true"}, {"paid": "false"}, {"paid": "1"}, {"year": "2025"},
    {"year": "2026"}, {"from": "2025-12-31"}, {"to": "2026-01-02"},
    {"from": "2026-01-01", "to": "2026-01-03", "paid": "false"},
    {"year": "2026", "paid": "true", "to": "2026-01-02"}, {"q": "T1"}, {"q": "  "},
]


def every_page(account, clients, per_pages=(1, 2, 3, 7), all_clients=True):
    """Every page of these page sizes, for every filter (and each client's, and a client's
    route), and one past the end: as the oracle."""
    scopes = [(None, {}), *[(None, {"client_id": str(c.pk)})
                            for c in (clients if all_clients else clients[:1])],
              (clients[0], {})]
    for client, base in scopes:
        for filters in FILTERS:
            params = {**base, **filters}
            total, _ = naive(account, params, client)
            for per_page in per_pages:
                for page in range(1, total // per_page + 3):
                    query = {**params, "page": str(page), "per_page": str(per_page)}
                    assert counted(account, query, client) == naive(account, query, client), (
                        client, query)


@pytest.fixture
def tenants(alice, bob, db):
    from tests.conftest import make_persona

    carol = make_persona("carol", account_name="Carol SL", tax_id="B12345674")
    accounts = [alice.account, bob.account, carol.account]
    clients = [[make_client(account, name=f"Cliente {i}") for i in range(3)]
               for account in accounts]
    return accounts, clients


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(writes=WRITES)
def test_every_page_of_every_filter_is_the_naive_querys_after_any_writes(
    tenants, seek_always, writes
):
    accounts, clients = tenants
    with transaction.atomic():
        for write in writes:
            apply(write, accounts, clients)
        assert_counts_right()
        for account, its_clients in zip(accounts, clients, strict=True):
            every_page(account, its_clients, per_pages=(2, 5), all_clients=False)
        transaction.set_rollback(True)


def test_many_invoices_on_one_day_and_undated_drafts_page_exactly(tenants, seek_always):
    accounts, clients = tenants
    account, (first, second, _) = accounts[0], clients[0]
    for n in range(23):
        insert(account, first if n % 3 else second, day=DAYS[2], paid=n % 4 == 0)
    for n in range(5):
        insert(account, first, day=None, draft=True)
        insert(account, second, day=DAYS[n], draft=True)
    insert(accounts[1], clients[1][0], day=DAYS[2])  # someone else's, the same day
    assert_counts_right()
    every_page(account, clients[0])


def test_the_plain_offset_below_near_and_the_seek_above_agree(tenants, monkeypatch):
    accounts, clients = tenants
    for n in range(40):
        insert(accounts[0], clients[0][n % 3], day=DAYS[n % 4], paid=n % 5 == 0)
    answers = []
    for near in (10**6, 1):
        monkeypatch.setattr(selectors, "NEAR", near)
        answers.append([counted(accounts[0], {"page": str(p), "per_page": "3", **f})
                        for f in FILTERS for p in range(1, 16)])
    assert answers[0] == answers[1]


# -- the counts, whoever writes ------------------------------------------------------------


def test_the_counts_follow_the_services(alice, seek_always):
    acme = make_client(alice.account)
    first = make_invoice(alice.account, acme, issue_date="2026-01-10")
    make_invoice(alice.account, acme, issue_date="2026-01-10")
    assert_counts_right()
    pay(first, "121.00")
    assert_counts_right()
    draft = make_invoice(alice.account, acme, draft=True)
    assert_counts_right()
    from invoices import services

    services.invoice_update(invoice=draft, data={"issue_date": datetime.date(2026, 2, 1)})
    assert_counts_right()
    services.invoice_delete(invoice=Invoice.objects.get(pk=draft.pk))
    assert_counts_right()
    assert counted(alice.account, {"paid": "true"}) == (1, [first.pk])


def test_the_counts_follow_bulk_writes_and_raw_sql(tenants):
    accounts, clients = tenants
    Invoice.objects.bulk_create([
        Invoice(account=accounts[0], client=clients[0][n % 3], number=f"B{n}", year=2026,
                issue_date=DAYS[n % len(DAYS)], account_name="x", client_name="y",
                total=TOTAL, paid_amount=TOTAL if n % 2 else 0)
        for n in range(30)
    ])
    assert_counts_right()
    Invoice.objects.filter(account=accounts[0], issue_date=DAYS[1]).update(paid_amount=0)
    assert_counts_right()
    Invoice.objects.filter(account=accounts[0], issue_date=DAYS[2]).update(
        client=clients[0][2])
    assert_counts_right()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE invoices_invoice SET account_id = %s WHERE issue_date = %s "
                       "AND client_id = %s",
                       [accounts[1].pk, DAYS[3], clients[0][0].pk])
        cursor.execute("DELETE FROM invoices_invoice WHERE issue_date = %s", [DAYS[4]])
    assert_counts_right()
    Invoice.objects.filter(account=accounts[0]).delete()
    assert_counts_right()


def test_the_counts_follow_the_admin(admin_web, alice):
    admin_client = admin_web
    acme = make_client(alice.account)
    make_invoice(alice.account, acme, issue_date="2026-01-10")
    issued = make_invoice(alice.account, acme, issue_date="2026-01-11")
    draft = make_invoice(alice.account, acme, draft=True, issue_date="2026-01-12")
    assert_counts_right()

    response = admin_client.post(reverse("admin:invoices_invoice_changelist"), {
        "action": "mark_paid", "_selected_action": [str(issued.pk)],
    })
    assert response.status_code == 302
    assert Invoice.objects.get(pk=issued.pk).paid
    assert_counts_right()
    response = admin_client.post(
        reverse("admin:invoices_invoice_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert_counts_right()


# -- tenants and the wire ---------------------------------------------------------------------


def test_tenants_never_mix(api, alice, bob, seek_always):
    alices, bobs = make_client(alice.account), make_client(bob.account)
    for n in range(7):
        insert(alice.account, alices, day=DAYS[n % 3])
        insert(bob.account, bobs, day=DAYS[n % 3], paid=True)
    insert(bob.account, bobs, day=DAYS[0])

    for query in ("", "?paid=true", f"?client_id={bobs.pk}", "?page=2&per_page=3",
                  f"?client_id={bobs.pk}&page=2&per_page=1", "?year=2025&page=2&per_page=1"):
        response = api.send("GET", invoices_url(alice) + query, key=alice.api_key)
        mine = set(Invoice.objects.filter(account=alice.account).values_list("pk", flat=True))
        assert response.status_code == 200
        assert {item["id"] for item in response.json()} <= mine
        params = dict(p.split("=") for p in query[1:].split("&")) if query else {}
        total, ids = naive(alice.account, params)
        assert (int(response["X-Total-Count"]), [i["id"] for i in response.json()]) == (
            total, ids)
    assert naive(alice.account, {"client_id": str(bobs.pk)})[0] == 0


def _links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])}


def test_deep_pages_answer_the_same_body_and_headers_on_the_wire(api, alice, seek_always):
    acme, other = make_client(alice.account), make_client(alice.account, name="Otra SL")
    for n in range(30):
        insert(alice.account, acme if n % 4 else other, day=DAYS[n % 5], paid=n % 3 == 0)
    insert(alice.account, acme, day=None, draft=True)
    urls = [invoices_url(alice), f"/api/v1/accounts/{alice.account.pk}/clients/{acme.pk}"
            "/invoices.json"]
    for url in urls:
        client = acme if "clients" in url else None
        for query in ("page=4&per_page=7", "page=5&per_page=7", "page=9&per_page=7",
                      "paid=false&page=3&per_page=4", "to=2026-01-01&page=2&per_page=2"):
            response = api.send("GET", f"{url}?{query}", key=alice.api_key)
            params = dict(p.split("=") for p in query.split("&"))
            total, ids = naive(alice.account, params, client)
            assert response.status_code == 200
            assert [item["id"] for item in response.json()] == ids
            assert response["X-Total-Count"] == str(total)
            last = max(1, -(-total // int(params["per_page"])))
            assert f"page={last}&" in _links(response)["last"]


def test_deep_pages_and_filters_run_the_same_few_queries(
    api, alice, seek_always, django_assert_max_num_queries
):
    acme = make_client(alice.account)
    Invoice.objects.bulk_create([
        Invoice(account=alice.account, client=acme, number=f"S-{n:04d}", year=2026,
                issue_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300),
                account_name="x", client_name=acme.name, total=TOTAL,
                paid_amount=TOTAL if n % 2 else 0)
        for n in range(400)
    ])
    for query in ("", "page=40&per_page=5", "page=4&per_page=100", "page=80&per_page=5",
                  "page=999", "paid=true&page=30&per_page=5", f"client_id={acme.pk}&page=70"
                  "&per_page=5", "year=2026&page=3&per_page=100", "q=S-00&page=2"):
        for per_page in ("5", "100"):
            url = invoices_url(alice) + "?" + re.sub(r"per_page=\d+", "", query)
            url += f"&per_page={per_page}"
            with django_assert_max_num_queries(3):
                response = api.send("GET", url, key=alice.api_key)
            assert response.status_code == 200


def test_a_client_route_and_a_client_filter_for_another_client_is_empty(api, alice):
    acme, other = make_client(alice.account), make_client(alice.account, name="Otra SL")
    insert(alice.account, acme, day=DAYS[0])
    url = f"/api/v1/accounts/{alice.account.pk}/clients/{acme.pk}/invoices.json"
    pages = selectors.invoice_pages(
        selectors.invoice_list(account=alice.account).filter(client=acme).filter(
            client=other),
        account=alice.account, client_id=acme.pk, filters={"client_id": other.pk},
    )
    assert pagination.paginate(pages, {}).total == 0
    assert api.send("GET", url, key=alice.api_key)["X-Total-Count"] == "1"


def test_paid_is_exactly_the_paid_filter(alice):
    acme = make_client(alice.account)
    rows = [insert(alice.account, acme, day=DAYS[0], total=total) for total in
            (Decimal("0.00"), Decimal("10.00"), Decimal("10.00"), Decimal("10.00"))]
    Invoice.objects.filter(pk=rows[0].pk).update(paid_amount=Decimal("5.00"))
    Invoice.objects.filter(pk=rows[1].pk).update(paid_amount=Decimal("9.99"))
    Invoice.objects.filter(pk=rows[2].pk).update(paid_amount=Decimal("10.00"))
    Invoice.objects.filter(pk=rows[3].pk).update(paid_amount=Decimal("10.01"))
    paid = set(Invoice.objects.filter(PAID).values_list("pk", flat=True))
    assert paid == {rows[2].pk, rows[3].pk}
    assert InvoiceCount.objects.values_list("n", "n_paid").get(scope=0, span="d") == (4, 2)
    assert Client.objects.count() == 1
