"""Reads: invoices of an account, with what their representations need in a fixed number
of queries whatever the page size or line count."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import Account
from facturagem.api.views import resolve_id
from invoices.models import Invoice, InvoiceLine, Payment
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
    invoice = queryset.first()
    if invoice is None:
        raise Http404
    return invoice


def payment_get(*, invoice: Invoice, payment_id: str | int) -> Payment:
    payment = Payment.objects.filter(invoice=invoice, pk=resolve_id(payment_id)).first()
    if payment is None:
        raise Http404
    return payment
