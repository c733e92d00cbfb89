"""Invoices and payments: the business rules, one transaction each.

Numbers are assigned under a lock on the account row, so concurrent creates never get
the same one (on SQLite the IMMEDIATE transaction mode serializes writers instead); a
database constraint backs it. Payments lock the invoice row, so two racing payments cannot
overpay it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.limits import check_can_add_invoice
from accounts.models import Account
from clients.models import Client
from invoices import numbering
from invoices.models import FROZEN_PARTY_FIELDS, ZERO, Invoice, InvoiceLine, Payment

NUMBER_TAKEN = "has already been taken for this year"
AMOUNT_NOT_POSITIVE = "must be greater than 0"
AMOUNT_OVER_OUTSTANDING = "is more than what is outstanding ({outstanding})"
AMOUNT_TOO_LARGE = "is too large"
TOTAL_BELOW_PAID = "the invoice total ({total}) would be less than what has been paid ({paid})"
NOTHING_OUTSTANDING = "the invoice has nothing outstanding"
MARKED_PAID_NOTE = "Marked as paid"

# Amount columns hold 16 integer digits.
MAX_AMOUNT = Decimal("1e16")

INVOICE_FIELDS = (
    "number", "issue_date", "operation_date", "due_date", "discount_percent",
    "irpf_percent", "notes", "footer",
)


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    iva_percent: Decimal
    discount_percent: Decimal = ZERO


def today() -> datetime.date:
    return timezone.localdate()


def freeze_account(invoice: Invoice, account: Account) -> None:
    for name in FROZEN_PARTY_FIELDS:
        source = "country_id" if name == "country" else name
        setattr(invoice, f"account_{name}", getattr(account, source))
    invoice.account_iban = account.iban


def freeze_client(invoice: Invoice, client: Client) -> None:
    invoice.client = client
    for name in FROZEN_PARTY_FIELDS:
        source = "country_id" if name == "country" else name
        setattr(invoice, f"client_{name}", getattr(client, source))
    invoice.equivalence_surcharge = client.equivalence_surcharge


def invoice_next_number(*, account: Account, year: int) -> str:
    """The number the next invoice of `year` gets. Call under the account lock to reserve it."""
    latest = (
        Invoice.objects.filter(account=account, year=year)
        .order_by("-id")
        .values_list("number", flat=True)
        .first()
    )
    candidate = numbering.increment(latest, year) if latest else numbering.first_number(year)
    # A number typed by hand may already sit ahead in the sequence: step over it.
    numbers = Invoice.objects.filter(account=account, year=year)
    while numbers.filter(number=candidate).exists():
        candidate = numbering.increment(candidate, year)
    return candidate


def _build_lines(invoice: Invoice, lines: list[LineData]) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            iva_percent=line.iva_percent,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _compute(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Runs the tax engine and copies its figures onto the invoice and its lines."""
    breakdown = invoice.breakdown(lines)
    errors: dict[str, list[str]] = {}
    for index, (line, result) in enumerate(zip(lines, breakdown.lines, strict=True)):
        line.total = result.total
        line.surcharge_percent = result.surcharge_percent
        if abs(result.total) >= MAX_AMOUNT:
            errors[f"lines[{index}].total"] = [AMOUNT_TOO_LARGE]
    for name in ("subtotal", "discount", "tax_base", "iva", "surcharge", "irpf", "total"):
        value = getattr(breakdown, name)
        if abs(value) >= MAX_AMOUNT and name not in errors:
            errors.setdefault("total", [AMOUNT_TOO_LARGE])
        setattr(invoice, name, value)
    if errors:
        raise ValidationError(errors)


def _save(invoice: Invoice, lines: list[InvoiceLine] | None, *, replace: bool = True) -> None:
    try:
        with transaction.atomic():
            invoice.save()
            if lines is not None:
                if replace:
                    invoice.lines.all().delete()
                InvoiceLine.objects.bulk_create(lines)
    except IntegrityError as error:
        # The constraint is the last line of defence behind the account lock.
        raise ValidationError({"number": [NUMBER_TAKEN]}) from error
    if lines is not None:
        invoice.line_list = lines


def _check_number(invoice: Invoice) -> None:
    duplicate = Invoice.objects.filter(
        account_id=invoice.account_id, year=invoice.year, number=invoice.number
    ).exclude(pk=invoice.pk)
    if duplicate.exists():
        raise ValidationError({"number": [NUMBER_TAKEN]})


def _lock_account(account: Account) -> None:
    Account.objects.select_for_update().filter(pk=account.pk).values_list("pk").first()


@transaction.atomic
def invoice_create(
    *, account: Account, client: Client, lines: list[LineData], data: dict[str, Any]
) -> Invoice:
    _lock_account(account)
    check_can_add_invoice(account)
    invoice = Invoice(
        account=account,
        issue_date=data.get("issue_date") or today(),
        discount_percent=client.discount_percent,
        irpf_percent=account.default_irpf_percent,
        footer=account.invoice_footer,
    )
    freeze_account(invoice, account)
    freeze_client(invoice, client)
    for name in INVOICE_FIELDS:
        if data.get(name) is not None and name != "number":
            setattr(invoice, name, data[name])
    invoice.year = invoice.issue_date.year
    if data.get("number"):
        invoice.number = data["number"]
        _check_number(invoice)
    else:
        invoice.number = invoice_next_number(account=account, year=invoice.year)
    line_models = _build_lines(invoice, lines)
    _compute(invoice, line_models)
    _save(invoice, line_models, replace=False)
    invoice.payment_list = []
    return invoice


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    data: dict[str, Any],
    client: Client | None = None,
    lines: list[LineData] | None = None,
) -> Invoice:
    """PUT: attributes not sent keep their values; `lines`, when sent, replace the lines.

    `paid` acts only when it differs from the invoice's state: `paid=false` sent back by a
    GET → PUT round-trip of a partly paid invoice must not delete its payments (CONTRACT §4:
    read-only attributes sent back are ignored)."""
    _lock_account(invoice.account)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    was_paid = invoice.paid
    client_changed = client is not None and client.pk != invoice.client_id
    if client_changed:
        freeze_client(invoice, client)
    for name in INVOICE_FIELDS:
        if name in data:
            value = data[name]
            if name in ("notes", "footer") and value is None:
                value = ""
            if name in ("issue_date", "number", "discount_percent", "irpf_percent") and (
                value is None or value == ""
            ):
                continue
            setattr(invoice, name, value)
    invoice.year = invoice.issue_date.year
    _check_number(invoice)
    line_models = (
        _build_lines(invoice, lines) if lines is not None else list(invoice.lines.all())
    )
    _compute(invoice, line_models)
    if invoice.total < invoice.paid_amount:
        raise ValidationError(
            {"base": [TOTAL_BELOW_PAID.format(total=invoice.total, paid=invoice.paid_amount)]}
        )
    _save(invoice, line_models if lines is not None else None)
    if lines is None and line_models and client_changed:
        # The lines stay, but a new client under (or out of) recargo de equivalencia
        # changes their surcharge rate: keep the stored lines in step with the totals.
        InvoiceLine.objects.bulk_update(line_models, ["surcharge_percent", "total"])
    if data.get("paid") is not None and data["paid"] != was_paid:
        invoice_mark_paid(invoice=invoice, paid=data["paid"])
    return invoice


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    invoice.delete()


def _validate_payment_amount(amount: Decimal, outstanding: Decimal) -> None:
    if amount <= ZERO:
        raise ValidationError({"amount": [AMOUNT_NOT_POSITIVE]})
    if amount > outstanding:
        raise ValidationError(
            {"amount": [AMOUNT_OVER_OUTSTANDING.format(outstanding=max(outstanding, ZERO))]}
        )


@transaction.atomic
def invoice_register_payment(
    *,
    invoice: Invoice,
    amount: Decimal,
    date: datetime.date | None = None,
    method: str = Payment.Method.TRANSFER,
    notes: str = "",
) -> Payment:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _validate_payment_amount(amount, locked.outstanding)
    payment = Payment.objects.create(
        invoice=locked, amount=amount, date=date or today(), method=method, notes=notes
    )
    Invoice.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") + amount)
    invoice.paid_amount = locked.paid_amount + amount
    return payment


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, paid: bool) -> None:
    """`paid=true` pays what is outstanding; `paid=false` removes the invoice's payments."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if paid:
        if locked.outstanding > ZERO:
            Payment.objects.create(
                invoice=locked,
                amount=locked.outstanding,
                date=today(),
                method=Payment.Method.OTHER,
                notes=MARKED_PAID_NOTE,
            )
            Invoice.objects.filter(pk=locked.pk).update(paid_amount=F("total"))
            invoice.paid_amount = locked.total
    else:
        locked.payments.all().delete()
        Invoice.objects.filter(pk=locked.pk).update(paid_amount=ZERO)
        invoice.paid_amount = ZERO


@transaction.atomic
def payment_delete(*, payment: Payment) -> None:
    locked = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    Invoice.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") - payment.amount)
    payment.delete()


def invoice_new(
    *, account: Account, client: Client | None = None, source: Invoice | None = None
) -> Invoice:
    """An unsaved invoice, prefilled: the account's data and defaults, the next number and
    today's date; the client's data with `client`; everything of `source` but its number
    and dates with `source` (a due date keeps its distance from the issue date)."""
    issue_date = today()
    invoice = Invoice(
        account=account,
        issue_date=issue_date,
        year=issue_date.year,
        irpf_percent=account.default_irpf_percent,
        footer=account.invoice_footer,
        number=invoice_next_number(account=account, year=issue_date.year),
    )
    freeze_account(invoice, account)
    lines: list[InvoiceLine] = []
    if source is not None:
        client = client or source.client
        for name in ("discount_percent", "irpf_percent", "notes", "footer"):
            setattr(invoice, name, getattr(source, name))
        if source.due_date:
            invoice.due_date = issue_date + (source.due_date - source.issue_date)
        lines = [
            InvoiceLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                iva_percent=line.iva_percent,
            )
            for line in source.lines.all()
        ]
    if client is not None:
        freeze_client(invoice, client)
        if source is None:
            invoice.discount_percent = client.discount_percent
    else:
        invoice.client_name = ""
        invoice.client_country = ""
    _compute(invoice, lines)
    invoice.line_list = lines
    invoice.payment_list = []
    return invoice
