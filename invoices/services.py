"""Invoices and payments: the business rules, one transaction each.

The lifecycle (CONTRACT §8): an invoice is a `draft` (no number, no record, freely edited and
deleted), then `issued` (numbered in its series and year, its parties' fiscal data frozen, and
— with the account's VERI*FACTU switch on — its record appended to the account's chain and its
fiscal content frozen for good), and maybe `voided` (issued by mistake; its number stays
consumed). A real sale is never edited once issued: it is corrected by a corrective invoice.

Everything that can be computed before the account lock is computed before it (lines, the tax
engine, the plan's count, the record's content and its XML but for the number and the chain
link, the account's installation). On PostgreSQL a new invoice's lines are even inserted
before it, and its number and record guessed (`_Guess`): the round trip that takes the lock
also inserts the invoice and its record and reads whether what the guess rested on still
holds; when it does not, those inserts are rolled back to a savepoint and the number and the
chain link are worked out again under the lock. On SQLite the IMMEDIATE
transaction mode serializes writers instead; database constraints back both.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.limits import check_can_add_invoice
from accounts.models import Account
from accounts.services import account_lock, account_lock_statement
from clients.models import Client
from facturagem import db
from invoices import numbering, taxes
from invoices.models import FROZEN_PARTY_FIELDS, ZERO, Invoice, InvoiceLine, Payment
from verifactu import services as records
from webhooks import events
from webhooks.services import event_emit

NUMBER_TAKEN = "has already been taken"
NUMBER_SEQUENCE_TOO_LONG = (
    "The next number after {latest} would be longer than {max} characters: "
    "give this invoice a number of its own."
)
DRAFT_HAS_NO_NUMBER = "is given when the invoice is issued, not to a draft"
AMOUNT_NOT_POSITIVE = "must be greater than 0"
AMOUNT_OVER_OUTSTANDING = "is more than what is outstanding ({outstanding})"
AMOUNT_TOO_LARGE = "is too large"
TOTAL_BELOW_PAID = "the invoice total ({total}) would be less than what has been paid ({paid})"
NOTHING_OUTSTANDING = "the invoice has nothing outstanding"
MARKED_PAID_NOTE = "Marked as paid"
UNKNOWN_STATUS = "is not included in the list (draft, issued)"
ISSUED_IS_FINAL = (
    "An issued invoice can't be changed: issue a corrective invoice "
    "(POST …/invoices/:id/corrections), or void it if it was issued by mistake "
    "(POST …/invoices/:id/void)."
)
VOIDED_IS_FINAL = "A voided invoice can't be changed."
SERIES_IS_FINAL = "can't change once the invoice is issued"
CANT_BACK_TO_DRAFT = "can't become draft again once the invoice is issued"
VOID_THROUGH_ITS_ROUTE = "becomes voided only through POST …/invoices/:id/void, with a reason"
DELETE_REFUSED = (
    "An issued invoice can't be deleted: issue a corrective invoice "
    "(POST …/invoices/:id/corrections), or void it if it was issued by mistake "
    "(POST …/invoices/:id/void)."
)
DELETE_REFUSED_CORRECTED = "An invoice that has corrective invoices can't be deleted."
NOT_ISSUED = "Only an issued invoice can be {action}."
CORRECT_A_DRAFT = "A draft is not corrected: change it, it has not been issued."
VOID_WITH_PAYMENTS = (
    "An invoice with payments was a real sale: issue a corrective invoice instead "
    "(delete its payments first if they were registered by mistake)."
)
VOID_WITH_CORRECTIONS = (
    "An invoice that has corrective invoices was a real sale: correct it instead."
)
CORRECTION_TYPE_SIMPLIFIED = "must be R5 for a simplified invoice (and only for one)"
SIMPLIFIED_OVER_LIMIT = (
    "A simplified invoice may total at most {limit} (RD 1619/2012 art. 4): "
    "issue a full invoice naming the client."
)
SIMPLIFIED_INTRA_EU = (
    "An intra-EU supply (E5) needs a full invoice (RD 1619/2012 art. 4.3)."
)
NOT_ON_A_DRAFT = "Payments are registered on issued invoices, not on drafts."
NOT_ON_A_VOIDED = "A voided invoice takes no payments."
CLIENT_REQUIRED = "can't be blank"
CLIENT_GONE = "does not exist"

# Amount columns hold 16 integer digits.
MAX_AMOUNT = Decimal("1e16")

INVOICE_FIELDS = (
    "number", "issue_date", "operation_date", "due_date", "discount_percent",
    "irpf_percent", "notes", "footer", "series", "description",
)
# What an issued invoice's PUT may carry with a different value (CONTRACT §8: what is
# neither printed on the invoice nor in its record).
MUTABLE_WHEN_ISSUED = ("paid",)


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    iva_percent: Decimal
    discount_percent: Decimal = ZERO
    treatment: str = taxes.TAXED


def today() -> datetime.date:
    return timezone.localdate()


def freeze_account(invoice: Invoice, account: Account) -> None:
    for name in FROZEN_PARTY_FIELDS:
        source = "country_id" if name == "country" else name
        setattr(invoice, f"account_{name}", getattr(account, source))
    invoice.account_iban = account.iban


def freeze_client(invoice: Invoice, client: Client | None) -> None:
    invoice.client = client
    for name in FROZEN_PARTY_FIELDS:
        source = "country_id" if name == "country" else name
        setattr(invoice, f"client_{name}", getattr(client, source) if client else "")
    if client is None:
        invoice.client_country = ""
    invoice.equivalence_surcharge = client.equivalence_surcharge if client else False


# -- numbers --------------------------------------------------------------------------------


# Numbering's reads run on every issue (before the account lock, and again under it when a
# guess did not hold): the ORM takes several times longer to build them than the database to
# answer them (~0.4 ms against 0.05 ms), so they are written once, in SQL.
_LATEST_NUMBER = (
    "SELECT number FROM invoices_invoice"
    " WHERE account_id = %s AND series = %s AND year = %s AND number <> ''"
    " ORDER BY id DESC LIMIT 1"
)  # one probe of the invoice_series_numbering index
_NUMBER_IN_ACCOUNT = "SELECT 1 FROM invoices_invoice WHERE account_id = %s AND number = %s"
_NUMBER_IN_YEAR = _NUMBER_IN_ACCOUNT + " AND year = %s"  # both on invoice_account_number


def _latest_number(account: Account, year: int, series: str) -> tuple[str, list]:
    """The query of the number of the latest invoice of `series` and `year`."""
    return _LATEST_NUMBER, [account.pk, series, year]


def _number_used(account: Account, year: int, number: str) -> tuple[str, list]:
    """The query of an invoice numbered `number` whose number the next must not repeat: with
    VERI*FACTU, the account's (the number as printed is the record's NumSerieFactura,
    CONTRACT §8); without it, that year's (§6)."""
    if account.verifactu:
        return _NUMBER_IN_ACCOUNT, [account.pk, number]
    return _NUMBER_IN_YEAR, [account.pk, number, year]


def _first_value(query: tuple[str, list]) -> Any:
    row = db.first_row(*query)
    return row[0] if row is not None else None


def _number_after(account: Account, year: int, series: str, latest: str | None) -> str:
    candidate = (
        numbering.increment(latest, year, series)
        if latest else numbering.first_number(year, series)
    )
    # A number typed by hand may already sit ahead in the sequence: step over it.
    while _first_value(_number_used(account, year, candidate)) is not None:
        candidate = numbering.increment(candidate, year, series)
    if len(candidate) > numbering.MAX_LENGTH:
        raise ValidationError(
            {"base": [NUMBER_SEQUENCE_TOO_LONG.format(latest=latest, max=numbering.MAX_LENGTH)]}
        )
    return candidate


def invoice_next_number(*, account: Account, year: int, series: str = "") -> str:
    """The number the next invoice of `series` and `year` gets. Call under the account lock
    to reserve it."""
    latest = _first_value(_latest_number(account, year, series))
    return _number_after(account, year, series, latest)


def _check_number(invoice: Invoice) -> None:
    sql, params = _number_used(invoice.account, invoice.year, invoice.number)
    if invoice.pk is not None:
        sql, params = sql + " AND id <> %s", [*params, invoice.pk]
    if _first_value((sql, params)) is not None:
        raise ValidationError({"number": [NUMBER_TAKEN]})


# -- lines and figures ----------------------------------------------------------------------


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
            treatment=line.treatment,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _compute(invoice: Invoice, lines: list[InvoiceLine]) -> taxes.Breakdown:
    """Runs the tax engine and copies its figures onto the invoice and its lines."""
    try:
        breakdown = invoice.breakdown(lines)
    except taxes.InvalidTreatment as error:
        raise ValidationError({"lines": [str(error)]}) from error
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
    invoice.tax_breakdown = breakdown  # computed once: its representation shows the same
    return breakdown


def _check_simplified(invoice: Invoice, lines: list[InvoiceLine], account: Account) -> None:
    if not invoice.is_simplified:
        return
    if invoice.total > account.simplified_invoice_limit and not invoice.is_corrective:
        raise ValidationError(
            {"base": [SIMPLIFIED_OVER_LIMIT.format(limit=account.simplified_invoice_limit)]}
        )
    if any(line.treatment == "E5" for line in lines):
        raise ValidationError({"base": [SIMPLIFIED_INTRA_EU]})


def _save_lines(invoice: Invoice, lines: list[InvoiceLine], *, replace: bool) -> None:
    if replace:
        invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(lines)
    invoice.line_list = lines


# -- issue ----------------------------------------------------------------------------------


def _lock_account(account: Account) -> bool:
    """Locks the account row; its VERI*FACTU switch as it stands under the lock."""
    row = account_lock(account.pk, "verifactu")
    return bool(row[1]) if row is not None else False


def _check_client_exists(invoice: Invoice) -> None:
    """Under the account lock, which a client's DELETE takes too: the client is still there
    (a 422, not a foreign-key violation at commit)."""
    if invoice.client_id is not None and not Client.objects.filter(pk=invoice.client_id).exists():
        raise ValidationError({"client_id": [CLIENT_GONE]})


def _prepare_issue(
    invoice: Invoice, lines: list[InvoiceLine], breakdown: taxes.Breakdown
) -> records.PreparedAlta | None:
    """Before the lock: the issue date, the rules of simplified invoices and, with VERI*FACTU
    on, the record's content checked against the AEAT's rules and its XML built but for the
    number and the chain link (a ValidationError says what is missing, e.g. the account's or
    the client's tax id)."""
    invoice.issue_date = invoice.issue_date or today()
    invoice.year = invoice.issue_date.year
    _check_simplified(invoice, lines, invoice.account)
    if not invoice.account.verifactu:
        return None
    return records.alta_prepare(invoice=invoice, lines=lines, breakdown=breakdown)


_GUESS_SAVEPOINT = "facturagem_issue_guess"


@dataclass
class _Guess:
    """An issue worked out before the account lock from what the database said then: its
    number, its record linked onto the chain's head, and the facts both rest on (the
    account's VERI*FACTU switch, the client is there, the series' latest number and the
    chain's head are what they were, the number is free). One round trip takes the lock,
    writes the invoice and its record, and reads those facts as they stood under the lock
    before the writes (`lock_and_write`); all of it compiled and bound before the lock. On
    PostgreSQL, where issues of one account run side by side, the lock is held 1.8-2.0 ms
    (counted from that round trip's send) instead of 4.2-5.1 ms when they were worked out
    under it (bench/bench_scale.py)."""

    number: str
    alta: records.Linked | None
    insert: db.Insert  # the invoice's
    statement: str  # the lock; a savepoint; the inserts and the facts: bound, one text
    expected: tuple  # the facts as guessed, the switch first

    def lock_and_write(self, account: Account) -> tuple[bool, bool]:
        """Whether the guessed invoice and record are written, and the account's VERI*FACTU
        switch as it stands under the lock, which this takes. Writes resting on a fact that
        changed are rolled back to the savepoint taken under the lock (the lock stays)."""
        with connection.cursor() as cursor:
            try:
                cursor.execute(self.statement)  # no parameters: one simple query
            except IntegrityError:  # a number or a chain position taken in the meantime
                cursor.execute(f"ROLLBACK TO SAVEPOINT {_GUESS_SAVEPOINT}")
                return False, _lock_account(account)  # held already: the switch as it is
            cursor.nextset()  # past the lock's row
            cursor.nextset()  # and the savepoint's
            facts = tuple(cursor.fetchone())
            if facts == self.expected:
                return True, facts[0]
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_GUESS_SAVEPOINT}")
        return False, bool(facts[0])  # None: the account is gone


def _guess_issue(
    invoice: Invoice, content: records.PreparedAlta | None, number: str
) -> _Guess | None:
    """Before the lock, a new invoice with its id reserved: its `_Guess`, or None where
    none is worth making (the account's first record creates its installation, under the
    lock) or the database already says the issue would be refused (the lock then says how)."""
    account = invoice.account
    # The facts, one SELECT of them all with no table of its own.
    facts = [_sql(Account.objects.filter(pk=account.pk).values("verifactu"))]
    expected: list[Any] = [content is not None]
    if invoice.client_id is not None:
        facts.append(_sql(Client.objects.filter(pk=invoice.client_id).values("pk"), "EXISTS"))
        expected.append(True)
    if not number:
        latest = _latest_number(account, invoice.year, invoice.series)
        facts.append((f"({latest[0]})", tuple(latest[1])))
        expected.append(_first_value(latest))
        try:
            number = _number_after(account, invoice.year, invoice.series, expected[-1])
        except ValidationError:
            return None
    sql, params = _number_used(account, invoice.year, number)
    facts.append((f"EXISTS ({sql})", tuple(params)))
    expected.append(False)
    invoice.number = number
    invoice.status = Invoice.Status.ISSUED
    invoice.frozen = content is not None
    inserts = [db.insert_later(invoice)]
    alta = None
    if content is not None:
        if content.installation is None:
            return None
        try:
            alta = records.alta_link(invoice=invoice, content=content, ahead=True)
        except ValidationError:
            return None
        facts.append(_sql(records.chain_head(content.installation)))
        expected.append(alta.record.previous_id)
        inserts.append(alta.insert)
    lock, unbound = db.bound(*account_lock_statement(account.pk))
    check, unbound_check = db.bound("SELECT " + ", ".join(sql for sql, _ in facts),
                                    [param for _, params in facts for param in params])
    if unbound is not None or unbound_check is not None or any(i.params for i in inserts):
        raise RuntimeError("a guess is made on PostgreSQL, its statements bound")
    writes = ", ".join(f"new_{n} AS ({i.sql})" for n, i in enumerate(inserts))
    return _Guess(number=number, alta=alta, insert=inserts[0], expected=tuple(expected),
                  statement=f"{lock}; SAVEPOINT {_GUESS_SAVEPOINT}; WITH {writes} {check}")


def _lock(account: Account, guess: _Guess | None) -> tuple[bool, bool]:
    """Takes the account lock: with a guess, in the round trip that writes it (whether it
    was written, and the VERI*FACTU switch); else alone (False, and the switch)."""
    if guess is None:
        return False, _lock_account(account)
    return guess.lock_and_write(account)


def _sql(queryset, prefix: str = "") -> tuple[str, tuple]:
    """`queryset` as a subquery's SQL and parameters (`EXISTS (…)` or `(…)`)."""
    sql, params = queryset.query.sql_with_params()
    return f"{prefix} ({sql})".lstrip(), tuple(params)


def _issue(
    invoice: Invoice,
    lines: list[InvoiceLine],
    breakdown: taxes.Breakdown,
    *,
    number: str = "",
    new: bool,
) -> Invoice:
    """Numbers and saves `invoice` (a new one, or a locked draft with its lines saved) as
    issued, with its record when the account keeps them. Runs inside a transaction."""
    content = _prepare_issue(invoice, lines, breakdown)
    # PostgreSQL checks foreign keys at commit: a new invoice's lines go in before the lock,
    # under its id taken from the sequence now, and the invoice alone (frozen already, when
    # the account keeps records) under the lock; its number and record are guessed before
    # it too. On SQLite the whole transaction holds the database's write lock anyway.
    if new and invoice.account.max_invoices_per_month is not None:
        # Before the lock (the plan's count is not what numbering and the chain need
        # serial): requests racing at the plan's edge may each pass, one invoice over it.
        # Accounts without a limit (as loaded for this request: most) skip its query.
        check_can_add_invoice(invoice.account)
    lines_first = new and connection.vendor == "postgresql"
    guess = None
    if lines_first:
        db.reserve_id(invoice)
        _save_lines(invoice, lines, replace=False)
        guess = _guess_issue(invoice, content, number)
        if content is not None:  # its XML may be finished in place: built anew if need be
            content = content.content
    # Under the lock from here to the commit: only what must be serial.
    written, verifactu = _lock(invoice.account, guess)
    if written:
        invoice.number = guess.number
        guess.insert.written()
        invoice.alta_records = (
            [records.record_store(guess.alta, written=True)] if guess.alta else [])
        return invoice
    _check_client_exists(invoice)
    if verifactu and content is None:  # switched on a moment ago
        invoice.account.verifactu = True
        content = records.alta_prepare(invoice=invoice, lines=lines, breakdown=breakdown)
    if number:
        invoice.number = number
        _check_number(invoice)
    else:
        invoice.number = invoice_next_number(
            account=invoice.account, year=invoice.year, series=invoice.series
        )
    invoice.status = Invoice.Status.ISSUED
    # Frozen as it is saved, unless lines are still to go in (the database refuses line
    # inserts into a frozen invoice).
    invoice.frozen = verifactu and (lines_first or not new)
    try:
        # No savepoint (two statements under the lock): a violation ends the transaction,
        # and the ValidationError leaves the caller's atomic block, which rolls it back.
        with transaction.atomic(savepoint=False):
            invoice.save(force_insert=lines_first)
            if new and not lines_first:
                _save_lines(invoice, lines, replace=False)
    except IntegrityError as error:
        # The constraint is the last line of defence behind the account lock.
        raise ValidationError({"number": [NUMBER_TAKEN]}) from error
    invoice.alta_records = []
    if verifactu:
        invoice.alta_records = [records.record_alta(invoice=invoice, content=content)]
        if not invoice.frozen:  # its lines went in after it: frozen last
            Invoice.objects.filter(pk=invoice.pk).update(frozen=True)
            invoice.frozen = True
    return invoice


def _new_invoice(
    *, account: Account, client: Client | None, data: dict[str, Any]
) -> Invoice:
    invoice = Invoice(
        account=account,
        issue_date=data.get("issue_date"),
        discount_percent=client.discount_percent if client else ZERO,
        irpf_percent=account.default_irpf_percent,
        footer=account.invoice_footer,
        invoice_type=Invoice.Type.F2 if data.get("simplified") else Invoice.Type.F1,
    )
    freeze_account(invoice, account)
    freeze_client(invoice, client)
    for name in INVOICE_FIELDS:
        if data.get(name) is not None and name != "number":
            setattr(invoice, name, data[name])
    return invoice


def _wants_draft(data: dict[str, Any]) -> bool:
    status = data.get("status")
    if status not in (None, "", Invoice.Status.DRAFT, Invoice.Status.ISSUED):
        raise ValidationError({"status": [UNKNOWN_STATUS]})
    return bool(data.get("draft")) or status == Invoice.Status.DRAFT


@transaction.atomic
def invoice_create(
    *, account: Account, client: Client | None, lines: list[LineData], data: dict[str, Any]
) -> Invoice:
    """POST …/invoices: an issued invoice, as FACTURAgem always did (with `draft=true` or
    `status=draft`, a draft); `paid=true` also pays it, all in one transaction."""
    if client is None and not data.get("simplified"):
        raise ValidationError({"client_id": [CLIENT_REQUIRED]})
    draft = _wants_draft(data)
    invoice = _new_invoice(account=account, client=client, data=data)
    line_models = _build_lines(invoice, lines)
    breakdown = _compute(invoice, line_models)
    invoice.payment_list = []
    if draft:
        if data.get("number"):
            raise ValidationError({"number": [DRAFT_HAS_NO_NUMBER]})
        if data.get("paid"):
            raise ValidationError({"base": [NOT_ON_A_DRAFT]})
        invoice.status = Invoice.Status.DRAFT
        invoice.year = invoice.issue_date.year if invoice.issue_date else None
        _lock_account(account)
        _check_client_exists(invoice)
        invoice.save()
        _save_lines(invoice, line_models, replace=False)
        return invoice
    invoice = _issue(invoice, line_models, breakdown, number=data.get("number") or "",
                     new=True)
    event_emit(type=events.INVOICE_ISSUED, instance=invoice)
    if data.get("paid"):  # in the same transaction: a refused payment creates nothing
        invoice_mark_paid(invoice=invoice, paid=True)
    return invoice


def _lock_invoice(invoice: Invoice) -> Invoice:
    """The invoice's row, locked; Invoice.DoesNotExist (a 404) if it went meanwhile."""
    locked = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    if locked is None:
        raise Invoice.DoesNotExist
    return locked


def _line_key(line: InvoiceLine | LineData) -> tuple:
    return (
        line.description, line.quantity, line.unit_price, line.discount_percent,
        line.iva_percent, line.treatment,
    )


# Sent empty, these keep their value (as a legacy PUT treats them); the others are cleared.
_KEPT_WHEN_BLANK = ("number", "issue_date", "discount_percent", "irpf_percent")
_TEXT_FIELDS = ("notes", "footer", "description", "series")


def _changes(
    invoice: Invoice,
    data: dict[str, Any],
    client: Client | None,
    lines: list[LineData] | None,
) -> list[str]:
    """The attributes a PUT would change (a GET → PUT round-trip changes none)."""
    changed = []
    for name in INVOICE_FIELDS:
        if name not in data:
            continue
        sent = data[name]
        if sent in (None, ""):
            if name in _KEPT_WHEN_BLANK:
                continue
            sent = "" if name in _TEXT_FIELDS else None
        if sent != getattr(invoice, name):
            changed.append(name)
    if client is not None and client.pk != invoice.client_id:
        changed.append("client_id")
    if data.get("simplified") is not None and data["simplified"] != invoice.is_simplified:
        changed.append("simplified")
    if lines is not None:
        current = [_line_key(line) for line in invoice.lines.order_by("position")]
        if current != [_line_key(line) for line in lines]:
            changed.append("lines")
    return changed


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    data: dict[str, Any],
    client: Client | None = None,
    lines: list[LineData] | None = None,
) -> Invoice:
    """PUT: attributes not sent keep their values; `lines`, when sent, replace the lines.

    A draft takes any change, and `status=issued` issues it. An issued invoice under
    VERI*FACTU takes only what is neither printed nor recorded (`paid`); anything else is a
    422 that names the corrective invoice. Without VERI*FACTU the legacy rules apply.

    `paid` acts only when it differs from the invoice's state: `paid=false` sent back by a
    GET → PUT round-trip of a partly paid invoice must not delete its payments (CONTRACT §4:
    read-only attributes sent back are ignored)."""
    status = data.get("status")
    if status not in (None, "", *Invoice.Status.values):
        raise ValidationError({"status": [UNKNOWN_STATUS]})
    if data.get("draft") is not None and data["draft"] != (invoice.status == "draft"):
        status = Invoice.Status.DRAFT if data["draft"] else Invoice.Status.ISSUED
    _lock_account(invoice.account)
    locked = _lock_invoice(invoice)
    locked.account = invoice.account
    if locked.status == Invoice.Status.DRAFT:
        return _update_draft(locked, data, client, lines, issue=status == "issued")
    if status == Invoice.Status.DRAFT:
        raise ValidationError({"status": [CANT_BACK_TO_DRAFT]})
    if status == Invoice.Status.VOIDED and locked.status != Invoice.Status.VOIDED:
        raise ValidationError({"status": [VOID_THROUGH_ITS_ROUTE]})
    if locked.status == Invoice.Status.VOIDED:
        if _changes(locked, data, client, lines) or data.get("paid"):
            raise ValidationError({"base": [VOIDED_IS_FINAL]})
        return locked
    if locked.frozen or locked.account.verifactu:
        if _changes(locked, data, client, lines):
            raise ValidationError({"base": [ISSUED_IS_FINAL]})
    else:
        _update_legacy(locked, data, client, lines)
    if data.get("paid") is not None and data["paid"] != locked.paid:
        invoice_mark_paid(invoice=locked, paid=data["paid"])
    return locked


def _apply(
    invoice: Invoice, data: dict[str, Any], client: Client | None
) -> None:
    if client is not None and client.pk != invoice.client_id:
        freeze_client(invoice, client)
    if data.get("simplified") is not None:
        invoice.invoice_type = Invoice.Type.F2 if data["simplified"] else Invoice.Type.F1
    for name in INVOICE_FIELDS:
        if name in data:
            value = data[name]
            if name in _TEXT_FIELDS and value is None:
                value = ""
            if name in _KEPT_WHEN_BLANK and value in (None, ""):
                continue
            setattr(invoice, name, value)


def _update_draft(
    invoice: Invoice,
    data: dict[str, Any],
    client: Client | None,
    lines: list[LineData] | None,
    *,
    issue: bool,
) -> Invoice:
    number = data.get("number") or ""
    if number and not issue:
        raise ValidationError({"number": [DRAFT_HAS_NO_NUMBER]})
    _apply(invoice, {**data, "number": None}, client)
    if invoice.client_id is None and not invoice.is_simplified:
        raise ValidationError({"client_id": [CLIENT_REQUIRED]})
    line_models = (
        _build_lines(invoice, lines) if lines is not None else list(invoice.lines.all())
    )
    breakdown = _compute(invoice, line_models)
    invoice.year = invoice.issue_date.year if invoice.issue_date else None
    invoice.save()
    if lines is not None:
        _save_lines(invoice, line_models, replace=True)
    elif client is not None:
        InvoiceLine.objects.bulk_update(line_models, ["surcharge_percent", "total"])
    invoice.line_list = line_models
    if issue:
        _issue(invoice, line_models, breakdown, number=number, new=False)
        event_emit(type=events.INVOICE_ISSUED, instance=invoice)
    return invoice


def _update_legacy(
    invoice: Invoice,
    data: dict[str, Any],
    client: Client | None,
    lines: list[LineData] | None,
) -> None:
    """An issued invoice of an account without VERI*FACTU: the rules of CONTRACT §1-§7."""
    if "series" in data and (data["series"] or "") != invoice.series:
        raise ValidationError({"series": [SERIES_IS_FINAL]})
    client_changed = client is not None and client.pk != invoice.client_id
    _apply(invoice, data, client)
    invoice.year = invoice.issue_date.year
    _check_number(invoice)
    line_models = (
        _build_lines(invoice, lines) if lines is not None else list(invoice.lines.all())
    )
    _compute(invoice, line_models)
    _check_simplified(invoice, line_models, invoice.account)
    if invoice.total < invoice.paid_amount:
        raise ValidationError(
            {"base": [TOTAL_BELOW_PAID.format(total=invoice.total, paid=invoice.paid_amount)]}
        )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as error:
        raise ValidationError({"number": [NUMBER_TAKEN]}) from error
    if lines is not None:
        _save_lines(invoice, line_models, replace=True)
    elif line_models and client_changed:
        # The lines stay, but a new client under (or out of) recargo de equivalencia
        # changes their surcharge rate: keep the stored lines in step with the totals.
        InvoiceLine.objects.bulk_update(line_models, ["surcharge_percent", "total"])


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    """A draft goes; an issued or voided invoice stays when the account keeps records (or it
    was issued under them). Without VERI*FACTU, the legacy DELETE."""
    _lock_account(invoice.account)
    locked = _lock_invoice(invoice)
    if locked.status != Invoice.Status.DRAFT:
        if locked.frozen or invoice.account.verifactu:
            raise ValidationError({"base": [DELETE_REFUSED]})
        if locked.corrections.exists():
            raise ValidationError({"base": [DELETE_REFUSED_CORRECTED]})
    locked.delete()


# -- corrective invoices and voids ------------------------------------------------------------


def _correction_type(original: Invoice, requested: str | None) -> str:
    if original.is_simplified:
        if requested not in (None, "", Invoice.Type.R5):
            raise ValidationError({"correction_type": [CORRECTION_TYPE_SIMPLIFIED]})
        return Invoice.Type.R5
    if requested == Invoice.Type.R5:
        raise ValidationError({"correction_type": [CORRECTION_TYPE_SIMPLIFIED]})
    return requested or Invoice.Type.R1


def _default_correction_lines(original: Invoice, method: str) -> list[LineData]:
    """By differences, a full reversal (the original's lines negated); by substitution,
    the original's lines as they were (to be replaced by the right ones)."""
    sign = Decimal(-1) if method == Invoice.Method.DIFFERENCES else Decimal(1)
    return [
        LineData(
            description=line.description,
            quantity=line.quantity * sign,
            unit_price=line.unit_price,
            iva_percent=line.iva_percent,
            discount_percent=line.discount_percent,
            treatment=line.treatment,
        )
        for line in original.lines.order_by("position")
    ]


@transaction.atomic
def invoice_correct(
    *,
    invoice: Invoice,
    reason: str,
    correction_type: str | None = None,
    method: str | None = None,
    lines: list[LineData] | None = None,
    issue_date: datetime.date | None = None,
) -> Invoice:
    """A corrective invoice (factura rectificativa, RD 1619/2012 art. 15) for `invoice`,
    issued in the account's corrective series with its own record."""
    if invoice.status == Invoice.Status.DRAFT:
        raise ValidationError({"base": [CORRECT_A_DRAFT]})
    if invoice.status != Invoice.Status.ISSUED:
        raise ValidationError({"base": [NOT_ISSUED.format(action="corrected")]})
    account = invoice.account
    method = method or Invoice.Method.DIFFERENCES
    corrective = Invoice(
        account=account,
        issue_date=issue_date,
        discount_percent=invoice.discount_percent,
        irpf_percent=invoice.irpf_percent,
        footer=account.invoice_footer,
        invoice_type=_correction_type(invoice, correction_type),
        series=account.corrective_series,
        corrects=invoice,
        correction_method=method,
        correction_reason=reason,
    )
    # The operation corrected is the original's: its date decides the rates that apply
    # (a 2024 rate of 5 % is corrected at 5 % in 2027).
    corrective.operation_date = invoice.operation_date or invoice.issue_date
    freeze_account(corrective, account)
    freeze_client(corrective, invoice.client)
    # The correction mirrors the operation it corrects: the same recargo treatment.
    corrective.equivalence_surcharge = invoice.equivalence_surcharge
    corrective.description = f"Rectificación de la factura {invoice.number}: {reason}"[:500]
    line_models = _build_lines(
        corrective, lines if lines is not None else _default_correction_lines(invoice, method)
    )
    breakdown = _compute(corrective, line_models)
    corrective.payment_list = []
    _issue(corrective, line_models, breakdown, new=True)
    event_emit(type=events.INVOICE_ISSUED, instance=corrective)
    event_emit(type=events.INVOICE_CORRECTED, instance=corrective)
    return corrective


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str) -> Invoice:
    """Voids an invoice issued by mistake (anulación): it stays readable, its number stays
    consumed, and — if it was issued under VERI*FACTU — a cancellation record is chained."""
    _lock_account(invoice.account)
    locked = _lock_invoice(invoice)
    if locked.status != Invoice.Status.ISSUED:
        raise ValidationError({"base": [NOT_ISSUED.format(action="voided")]})
    if locked.paid_amount > ZERO:
        raise ValidationError({"base": [VOID_WITH_PAYMENTS]})
    if locked.corrections.exclude(status=Invoice.Status.VOIDED).exists():
        raise ValidationError({"base": [VOID_WITH_CORRECTIONS]})
    locked.status = Invoice.Status.VOIDED
    locked.void_reason = reason
    locked.voided_at = timezone.now()
    locked.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
    if locked.frozen:
        locked.account = invoice.account
        records.record_anulacion(invoice=locked)
    event_emit(type=events.INVOICE_VOIDED, instance=locked)
    return locked


# -- payments ---------------------------------------------------------------------------------


def _validate_payment_amount(amount: Decimal, outstanding: Decimal) -> None:
    if amount <= ZERO:
        raise ValidationError({"amount": [AMOUNT_NOT_POSITIVE]})
    if amount > outstanding:
        raise ValidationError(
            {"amount": [AMOUNT_OVER_OUTSTANDING.format(outstanding=max(outstanding, ZERO))]}
        )


def _check_takes_payments(invoice: Invoice) -> None:
    if invoice.status == Invoice.Status.DRAFT:
        raise ValidationError({"base": [NOT_ON_A_DRAFT]})
    if invoice.status == Invoice.Status.VOIDED:
        raise ValidationError({"base": [NOT_ON_A_VOIDED]})


@transaction.atomic
def invoice_register_payment(
    *,
    invoice: Invoice,
    amount: Decimal,
    date: datetime.date | None = None,
    method: str = Payment.Method.TRANSFER,
    notes: str = "",
) -> Payment:
    locked = _lock_invoice(invoice)
    _check_takes_payments(locked)
    _validate_payment_amount(amount, locked.outstanding)
    payment = Payment.objects.create(
        invoice=locked, amount=amount, date=date or today(), method=method, notes=notes
    )
    Invoice.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") + amount)
    invoice.paid_amount = locked.paid_amount + amount
    event_emit(type=events.PAYMENT_CREATED, instance=payment)
    if amount == locked.outstanding:  # this payment completes it
        event_emit(type=events.INVOICE_PAID, instance=locked)
    return payment


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, paid: bool) -> None:
    """`paid=true` pays what is outstanding; `paid=false` removes the invoice's payments."""
    locked = _lock_invoice(invoice)
    if paid:
        _check_takes_payments(locked)
        if locked.outstanding > ZERO:
            payment = Payment.objects.create(
                invoice=locked,
                amount=locked.outstanding,
                date=today(),
                method=Payment.Method.OTHER,
                notes=MARKED_PAID_NOTE,
            )
            Invoice.objects.filter(pk=locked.pk).update(paid_amount=F("total"))
            invoice.paid_amount = locked.total
            event_emit(type=events.PAYMENT_CREATED, instance=payment)
            event_emit(type=events.INVOICE_PAID, instance=locked)
    else:
        payments = list(locked.payments.all())
        Payment.objects.filter(pk__in=[payment.pk for payment in payments]).delete()
        Invoice.objects.filter(pk=locked.pk).update(paid_amount=ZERO)
        invoice.paid_amount = ZERO
        for payment in payments:
            event_emit(type=events.PAYMENT_DELETED, instance=payment)


@transaction.atomic
def payment_delete(*, payment: Payment) -> None:
    """Under the invoice's lock, and only if the payment still exists: two racing DELETEs of
    one payment subtract it once (the second is a 404)."""
    locked = _lock_invoice(payment.invoice)
    deleted, _ = Payment.objects.filter(pk=payment.pk, invoice=locked).delete()
    if not deleted:
        raise Payment.DoesNotExist
    Invoice.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") - payment.amount)
    event_emit(type=events.PAYMENT_DELETED, instance=payment)


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
        for name in ("discount_percent", "irpf_percent", "notes", "footer", "description"):
            setattr(invoice, name, getattr(source, name))
        if source.is_simplified:
            invoice.invoice_type = Invoice.Type.F2
        if source.due_date and source.issue_date:
            invoice.due_date = issue_date + (source.due_date - source.issue_date)
        lines = [
            InvoiceLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                iva_percent=line.iva_percent,
                treatment=line.treatment,
            )
            for line in source.lines.all()
        ]
    freeze_client(invoice, client)
    if client is not None and source is None:
        invoice.discount_percent = client.discount_percent
    _compute(invoice, lines)
    invoice.line_list = lines
    invoice.payment_list = []
    return invoice
