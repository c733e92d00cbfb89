"""Reads: invoices of an account, with what their representations need in a fixed number
of queries whatever the page size or line count; list pages whose cost does not grow with
the account."""

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import DateField, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Account
from facturagem.api.views import resolve_id
from facturagem.db import by_key, first_row
from invoices.models import Invoice, InvoiceCount, InvoiceLine, Payment
from verifactu.models import Record

SUMMARY_FIELDS = (
    "id", "account_id", "client_id", "number", "status", "issue_date", "client_name", "total",
    "paid_amount", "corrects_id", "frozen",
)


def invoice_list(*, account: Account) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(account=account)
        .only(*SUMMARY_FIELDS)
        .order_by("-issue_date", "-id")
    )


_TABLE = InvoiceCount._meta.db_table
# Pages that start before this offset are read with a plain OFFSET (a bounded walk); past
# it, from the day where the offset falls.
NEAR = 500

# The day groups of a filtered list in its order, each with how many invoices come before
# it, and the group where `offset` falls (the first whose running count exceeds it) or, past
# the end, the first group: one statement answers both X-Total-Count and where a page starts.
# For a range of dates (from/to): over the range's day rows.
_LOCATE_DAY = """
SELECT total, running - n, dated, day FROM (
    SELECT dated, day, n,
           SUM(n) OVER (ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS running,
           SUM(n) OVER () AS total
    FROM (SELECT dated, day, SUM({counted}) AS n FROM {table} AS c
          WHERE span = 'd' AND {where} GROUP BY dated, day) AS grouped
) AS days
ORDER BY CASE WHEN running > %s THEN 0 ELSE 1 END, {order}
LIMIT 1
"""
# Otherwise in two steps: the month where `offset` falls among the month rows (a few dozen),
# then its day among that month's day rows (at most 31). Past the end, no day: the total.
_LOCATE_MONTH = """
WITH months AS (
    SELECT dated, day, n,
           SUM(n) OVER (ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS running,
           SUM(n) OVER () AS total
    FROM (SELECT dated, day, SUM({counted}) AS n FROM {table} AS c
          WHERE span = 'm' AND {where} GROUP BY dated, day) AS grouped
), target AS (
    SELECT dated, day, running - n AS before, total FROM months
    ORDER BY CASE WHEN running > %s THEN 0 ELSE 1 END, {order}
    LIMIT 1
), days AS (
    SELECT dated, day, n,
           SUM(n) OVER (ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS running
    FROM (SELECT c.dated, c.day, SUM({counted}) AS n FROM {table} AS c, target AS t
          WHERE c.span = 'd' AND {where} AND c.dated = t.dated AND c.day >= t.day
            AND c.day < {next_month}
          GROUP BY c.dated, c.day) AS grouped
)
SELECT t.total, t.before + d.running - d.n, d.dated, d.day
FROM target AS t LEFT JOIN days AS d ON t.before + d.running > %s
ORDER BY CASE WHEN d.day IS NULL THEN 1 ELSE 0 END, {d_order}
LIMIT 1
"""
_NEXT_MONTH = {"postgresql": "t.day + INTERVAL '1 month'",
               "sqlite": "date(t.day, '+1 month')"}


@dataclass(frozen=True)
class CountedInvoices:
    """A filtered invoice list (`queryset`, ordered -issue_date, -id) paged with the
    maintained counts (InvoiceCount): the total is a sum over the counts' month rows, and
    a page starts at the day where its offset falls: `issue_date <= that day`, OFFSET what
    precedes it within the day, on the (…, issue_date, id) index. Same rows, same order,
    same total as `count()` and an OFFSET slice of `queryset`, in two queries whatever the
    page. `queryset` must hold exactly what the other fields say (the account's invoices,
    of `scope`'s client if not 0, paid or not, of `year`, issued from/to)."""

    queryset: QuerySet[Invoice]
    account_id: int
    scope: int = 0
    paid: bool | None = None
    year: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def _counted(self) -> str:
        """The column (or difference) that counts this list's invoices on a row."""
        return {None: "c.n", True: "c.n_paid", False: "c.n - c.n_paid"}[self.paid]

    @property
    def _span(self) -> str:
        """Month rows sum alike to day rows but for a range of dates, which needs days."""
        return "d" if self.date_from or self.date_to else "m"

    def _where(self) -> tuple[str, list[Any]]:
        where = ["c.account_id = %s", "c.scope = %s"]
        params: list[Any] = [self.account_id, self.scope]
        if self.paid is not None:
            where.append(f"{self._counted()} > 0")
        if self.year is not None:
            where.append("c.year = %s")
            params.append(self.year)
        for bound, operator in ((self.date_from, ">="), (self.date_to, "<=")):
            if bound is not None:
                where.append(f"c.dated AND c.day {operator} %s")
                params.append(connection.ops.adapt_datefield_value(bound))
        return " AND ".join(where), params

    def _total(self) -> int:
        where, params = self._where()
        [total] = first_row(f"SELECT SUM({self._counted()}) FROM {_TABLE} AS c "  # noqa: S608
                               f"WHERE c.span = %s AND {where}", [self._span, *params])
        return int(total or 0)

    def _locate(self, offset: int) -> tuple[int, bool, datetime.date | None, int] | None:
        """(total, dated, day, invoices before that day) of the day `offset` falls in;
        past the end, (total, …) with no day."""
        where, params = self._where()
        # The list's `ORDER BY issue_date DESC`: undated drafts first where NULL sorts as
        # the largest value (PostgreSQL), last where it sorts as the smallest (SQLite).
        dated_order = "ASC" if connection.features.nulls_order_largest else "DESC"
        formats = {"table": _TABLE, "where": where, "counted": self._counted(),
                   "order": f"dated {dated_order}, day DESC",
                   "d_order": f"d.dated {dated_order}, d.day DESC",
                   "next_month": _NEXT_MONTH.get(connection.vendor)}
        if self._span == "d" or formats["next_month"] is None:
            sql, values = _LOCATE_DAY.format(**formats), [*params, offset]
        else:
            sql, values = _LOCATE_MONTH.format(**formats), [*params, offset, *params, offset]
        row = first_row(sql, values)
        if row is None:
            return None
        total, before, dated, day = row
        if day is None:
            return int(total), False, None, 0
        return int(total), bool(dated), DateField().to_python(day), int(before)

    def values(self, *fields: str) -> "CountedInvoices":
        """The same list as rows of `fields` (what a summary that renders rows reads)."""
        return dataclasses.replace(self, queryset=self.queryset.values(*fields))

    def window(self, offset: int, limit: int) -> tuple[int, list[Invoice]]:
        if offset < NEAR:  # a walk of at most NEAR entries: no need to find the day
            total = self._total()
            return total, list(self.queryset[offset : offset + limit]) if offset < total else []
        found = self._locate(offset)
        if found is None:
            return 0, []
        total, dated, day, before = found
        if offset >= total or day is None:
            return total, []
        queryset = self.queryset
        undated_first = connection.features.nulls_order_largest
        if dated:
            starts = Q(issue_date__lte=day)
            queryset = queryset.filter(starts if undated_first
                                       else starts | Q(issue_date__isnull=True))
        elif not undated_first:
            queryset = queryset.filter(issue_date__isnull=True)
        skip = offset - before
        return total, list(queryset[skip : skip + limit])


def invoice_pages(
    queryset: QuerySet[Invoice], *, account: Account, client_id: Any = None,
    filters: dict[str, Any] | None = None,
) -> QuerySet[Invoice] | CountedInvoices:
    """What the list pages through: `queryset` is the account's list (of `client_id`'s
    invoices if given) with `filters` (InvoiceFilter's cleaned data) applied. A search (`q`)
    is paged as it is (count and OFFSET, on the trigram indexes); everything else by the
    maintained counts."""
    filters = filters or {}
    if (filters.get("q") or "").strip():
        return queryset
    client = filters.get("client_id")
    if client_id is not None:
        if client is not None and int(client) != int(client_id):
            return queryset  # two different clients: nothing, counted the plain way
        client = client_id
    year = filters.get("year")
    return CountedInvoices(
        queryset,
        account_id=account.pk,
        scope=int(client) if client is not None else 0,
        paid=filters.get("paid"),
        year=int(year) if year is not None else None,
        date_from=filters.get("from"),
        date_to=filters.get("to"),
    )


def with_representation(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """What `InvoiceOutput` reads, in a fixed number of queries for any number of invoices:
    the lines, the payments, the record of its issue, and what it corrects (joined)."""
    return queryset.select_related("corrects").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position"),
                 to_attr="line_list"),
        Prefetch("payments", queryset=Payment.objects.order_by("date", "id"),
                 to_attr="payment_list"),
        Prefetch("records", queryset=Record.objects.filter(kind=Record.Kind.ALTA)
                 .order_by("position"), to_attr="alta_records"),
    )


def invoice_get(*, account: Account, invoice_id: str | int, with_details: bool = True) -> Invoice:
    """The account's invoice, with `line_list` and `payment_list`; 404 for anyone else's."""
    queryset = Invoice.objects.filter(account=account, pk=resolve_id(invoice_id))
    if with_details:
        queryset = with_representation(queryset)
    invoice = by_key(queryset)
    if invoice is None:
        raise Http404
    return invoice


def payment_get(*, invoice: Invoice, payment_id: str | int) -> Payment:
    payment = by_key(Payment.objects.filter(invoice=invoice, pk=resolve_id(payment_id)))
    if payment is None:
        raise Http404
    return payment


LINE_COLUMNS = (
    "description", "quantity", "unit_price", "discount_percent", "iva_percent", "treatment",
    "surcharge_percent", "total",
)
RECORD_COLUMNS = (
    "hash", "generated_at", "status", "csv", "issuer_tax_id", "invoice_number", "issue_date",
    "total_amount",
)


def invoice_to_show(*, account: Account, invoice_id: str | int) -> Invoice:
    """What `invoice_get` gives a representation to read, in four plain queries:
    its lines and its record as rows of what InvoiceOutput reads (a 100-line invoice spent
    a third of its GET building line instances through the prefetch machinery). Only for
    showing: a row is not a model instance to change. (tests/api/test_invoice_summary.py
    holds the representation to the selector's.)"""
    invoice = invoice_get(account=account, invoice_id=invoice_id, with_details=False)
    invoice.line_list = list(
        InvoiceLine.objects.filter(invoice_id=invoice.pk).order_by("position")
        .values_list(*LINE_COLUMNS, named=True)
    )
    invoice.payment_list = list(invoice.payments.order_by("date", "id"))
    invoice.alta_records = list(
        Record.objects.filter(invoice_id=invoice.pk, kind=Record.Kind.ALTA)
        .order_by("-position").values_list(*RECORD_COLUMNS, named=True)[:1]
    )
    return invoice
