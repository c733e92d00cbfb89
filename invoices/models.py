import datetime
import re
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify

from accounts.models import PERCENT_VALIDATORS, Account
from clients.models import Client
from invoices import taxes

ZERO = Decimal("0.00")
# A number that is a slug already but for its case ("2026-0042", "A-7"): most of them.
_SLUG_BUT_CASE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII | re.IGNORECASE)


def invoice_url_id(pk: int, number: str) -> str:
    """`<id>-<slug of the number>` (drafts: `<id>-borrador`), the invoice's Rails `to_param`.
    Most numbers skip slugify's Unicode normalisation and its two regex passes (a list page
    writes 25 to 100 of these); the result is the same (tests/unit/test_invoice_url_id.py)."""
    if not number:
        return f"{pk}-borrador"
    number = number.replace("/", "-")
    slug = number.lower() if _SLUG_BUT_CASE.fullmatch(number) else slugify(number)
    return f"{pk}-{slug}" if slug else str(pk)


def _money(verbose_name: str, **options) -> models.DecimalField:
    # 16 integer digits: line amounts are capped at 12 integer digits each, and an invoice
    # adds up to 500 of them.
    return models.DecimalField(
        verbose_name, max_digits=18, decimal_places=2, default=ZERO, **options
    )


def _percent(verbose_name: str, **options) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, default=ZERO, **options
    )


# Paid in full: a positive total and as much paid (the `paid` filter and the list's flag).
PAID_CONDITION = Q(total__gt=0, paid_amount__gte=F("total"))

FROZEN_PARTY_FIELDS = (
    "name", "tax_id", "street1", "street2", "city", "province", "postal_code", "country",
)


# What may still change on an invoice issued under VERI*FACTU: neither printed on it nor in
# its record. The database refuses any other change (see the invoices migrations' triggers).
MUTABLE_WHEN_ISSUED = ("paid_amount", "updated_at", "status", "void_reason", "voided_at")


class Invoice(models.Model):
    """An invoice: full (F1), simplified (F2) or corrective (R1-R5). The fiscal data of both
    parties are frozen on it as issued: later edits of the account or the client never
    rewrite it. Issued under VERI*FACTU (`frozen`), its fiscal content never changes again;
    corrections are new invoices (`corrects`), mistakes are voided."""

    class Status(models.TextChoices):
        DRAFT = "draft", "borrador"
        ISSUED = "issued", "emitida"
        VOIDED = "voided", "anulada"

    class Type(models.TextChoices):
        F1 = "F1", "factura completa"
        F2 = "F2", "factura simplificada"
        R1 = "R1", "rectificativa (art. 80.1, 80.2, 80.6 LIVA y error fundado en derecho)"
        R2 = "R2", "rectificativa (art. 80.3 LIVA)"
        R3 = "R3", "rectificativa (art. 80.4 LIVA)"
        R4 = "R4", "rectificativa (resto)"
        R5 = "R5", "rectificativa de factura simplificada"

    class Method(models.TextChoices):
        DIFFERENCES = "differences", "por diferencias"
        SUBSTITUTION = "substitution", "por sustitución"

    # No index of its own: every index of the table starts with it (one less to write per
    # issue, under the account lock).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    # A simplified invoice may name no recipient.
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    status = models.CharField(
        "estado", max_length=6, choices=Status.choices, default=Status.ISSUED
    )
    # Issued under VERI*FACTU: the database refuses any change to its fiscal content.
    frozen = models.BooleanField("inalterable", default=False, editable=False)
    invoice_type = models.CharField(
        "tipo", max_length=2, choices=Type.choices, default=Type.F1
    )
    series = models.CharField("serie", max_length=10, blank=True, default="")
    # The number as printed, series included (NumSerieFactura); empty for a draft.
    number = models.CharField("número", max_length=40, blank=True, default="")
    year = models.PositiveSmallIntegerField("año", null=True, editable=False)
    issue_date = models.DateField("fecha de expedición", null=True, blank=True)
    operation_date = models.DateField("fecha de operación", null=True, blank=True)
    due_date = models.DateField("vencimiento", null=True, blank=True)

    account_name = models.CharField(max_length=200)
    account_tax_id = models.CharField(max_length=20, blank=True, default="")
    account_street1 = models.CharField(max_length=200, blank=True, default="")
    account_street2 = models.CharField(max_length=200, blank=True, default="")
    account_city = models.CharField(max_length=100, blank=True, default="")
    account_province = models.CharField(max_length=100, blank=True, default="")
    account_postal_code = models.CharField(max_length=20, blank=True, default="")
    account_country = models.CharField(max_length=2, default="ES")
    account_iban = models.CharField(max_length=34, blank=True, default="")
    client_name = models.CharField(max_length=200)
    client_tax_id = models.CharField(max_length=20, blank=True, default="")
    client_street1 = models.CharField(max_length=200, blank=True, default="")
    client_street2 = models.CharField(max_length=200, blank=True, default="")
    client_city = models.CharField(max_length=100, blank=True, default="")
    client_province = models.CharField(max_length=100, blank=True, default="")
    client_postal_code = models.CharField(max_length=20, blank=True, default="")
    client_country = models.CharField(max_length=2, default="ES")
    equivalence_surcharge = models.BooleanField("recargo de equivalencia", default=False)

    discount_percent = _percent("descuento", validators=PERCENT_VALIDATORS)
    irpf_percent = _percent("IRPF", validators=PERCENT_VALIDATORS)
    # Computed by invoices.taxes whenever lines or percentages change (never edited).
    subtotal = _money("subtotal", editable=False)
    discount = _money("descuento", editable=False)
    tax_base = _money("base imponible", editable=False)
    iva = _money("IVA", editable=False)
    surcharge = _money("recargo", editable=False)
    irpf = _money("IRPF", editable=False)
    total = _money("total", editable=False)
    paid_amount = _money("pagado", editable=False)

    notes = models.TextField("notas", blank=True, default="")
    footer = models.TextField("pie", blank=True, default="")
    # DescripcionOperacion of the record; empty: made from the lines' descriptions.
    description = models.CharField(
        "descripción de la operación", max_length=500, blank=True, default=""
    )
    currency = models.CharField(max_length=3, default="EUR", editable=False)

    # A corrective invoice (R1-R5): what it corrects, how and why (RD 1619/2012 art. 15).
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name="rectifica",
    )
    correction_method = models.CharField(
        "método", max_length=12, choices=Method.choices, blank=True, default=""
    )
    correction_reason = models.TextField("motivo", blank=True, default="")
    # A void (anulación): an invoice issued by mistake; its number stays consumed.
    void_reason = models.TextField("motivo de anulación", blank=True, default="")
    voided_at = models.DateTimeField("anulada el", null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "factura"
        verbose_name_plural = "facturas"
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "year", "number"],
                condition=~Q(number=""),
                name="invoice_number_unique_per_year",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0), name="invoice_paid_amount_not_negative"
            ),
            # Anything but a draft has a number, a date and a year.
            models.CheckConstraint(
                condition=Q(status="draft")
                | (~Q(number="") & Q(issue_date__isnull=False) & Q(year__isnull=False)),
                name="invoice_issued_has_number_and_date",
            ),
            # A full or corrective invoice names its recipient; only a simplified one may not.
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(invoice_type__in=["F2", "R5"]),
                name="invoice_recipient_unless_simplified",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True, invoice_type__in=["F1", "F2"])
                | Q(corrects__isnull=False, invoice_type__in=["R1", "R2", "R3", "R4", "R5"]),
                name="invoice_corrective_names_what_it_corrects",
            ),
        ]
        # The list's order is (-issue_date, -id) under every filter: each index the list
        # reads ends in it, so a page is a walk from where it starts (see InvoiceCount).
        # PostgreSQL also has trigram indexes for `q` (migration 0004, not declared here:
        # SQLite has no GIN).
        indexes = [
            models.Index(fields=["account", "-issue_date", "-id"]),
            models.Index(fields=["account", "client", "-issue_date", "-id"],
                         name="invoice_client_list"),
            models.Index(fields=["account", "year", "-issue_date", "-id"],
                         name="invoice_year_list"),
            # `paid` (the filter's exact Q and its negation: the planner proves them).
            models.Index(fields=["account", "-issue_date", "-id"], condition=PAID_CONDITION,
                         name="invoice_paid_list"),
            models.Index(fields=["account", "-issue_date", "-id"], condition=~PAID_CONDITION,
                         name="invoice_unpaid_list"),
            # The latest number of a series and year, in one index probe (numbering). With
            # the number in it (PostgreSQL), an index-only probe the planner prefers to
            # walking the primary key backwards through other accounts' newer invoices.
            models.Index(fields=["account", "series", "year", "-id"], include=["number"],
                         name="invoice_series_numbering"),
            # Is this number taken in the account (numbering with VERI*FACTU), one probe.
            models.Index(fields=["account", "number"], name="invoice_account_number"),
            # The plan's monthly count reads this month's entries only.
            models.Index(fields=["account", "created_at"], name="invoice_created_per_account"),
        ]

    def __str__(self) -> str:
        return self.number or f"borrador {self.pk}"

    @property
    def is_corrective(self) -> bool:
        return self.corrects_id is not None

    @property
    def is_simplified(self) -> bool:
        return self.invoice_type in ("F2", "R5")

    @property
    def url_id(self) -> str:
        return invoice_url_id(self.pk, self.number)

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid_amount

    @property
    def paid(self) -> bool:
        return self.total > ZERO and self.paid_amount >= self.total

    def lines_for_tax_engine(self, lines) -> list[taxes.LineInput]:
        return [
            taxes.LineInput(
                quantity=line.quantity,
                unit_price=line.unit_price,
                iva_percent=line.iva_percent,
                discount_percent=line.discount_percent,
                treatment=line.treatment,
            )
            for line in lines
        ]

    def breakdown(self, lines) -> taxes.Breakdown:
        return taxes.compute(
            self.lines_for_tax_engine(lines),
            discount_percent=self.discount_percent,
            irpf_percent=self.irpf_percent,
            equivalence_surcharge=self.equivalence_surcharge,
        )


PAID = PAID_CONDITION

# The day an undated invoice (a draft) is counted under, with `dated` false.
UNDATED = datetime.date(1, 1, 1)


class InvoiceCount(models.Model):
    """How many invoices an account has per issue day (and per month) and year, and how many
    of them are paid: once for the whole account (`scope` 0) and once per client (`scope` = the
    client's id). Kept by database triggers on invoices_invoice (migration 0005), so every
    writer (services, the admin, bulk updates, raw SQL) keeps it exact; never written by the
    application.

    The invoice list reads it for X-Total-Count and to start a deep page at its day
    (invoices.selectors.CountedInvoices): a sum over one row per month (per day in a range
    of dates), whatever the size of the account. `n_paid` counts exactly `PAID` (total > 0
    and paid_amount >= total); `year` 0 stands for none; undated invoices are counted on
    UNDATED with `dated` false."""

    # (Its index is the key's prefix.)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    scope = models.BigIntegerField("0: the whole account; else a client's id")
    # "d": the invoices of `day`; "m": of the month that starts on `day` (a deep page finds
    # its month among a few dozen rows, then its day among at most 31).
    span = models.CharField(max_length=1, choices=[("d", "day"), ("m", "month")])
    day = models.DateField()
    dated = models.BooleanField()
    year = models.PositiveSmallIntegerField()
    n = models.IntegerField()
    n_paid = models.IntegerField()

    class Meta:
        constraints = [
            # The counts are not in it: their updates stay HOT (no index entry per change;
            # the table leaves room on its pages for them, migration 0005), and what the list
            # sums is a few dozen rows.
            models.UniqueConstraint(
                fields=["account", "scope", "span", "dated", "day", "year"],
                name="invoice_count_key",
            )
        ]

    def __str__(self) -> str:
        return (f"{self.account_id}/{self.scope} {self.span} {self.day} {self.year}: "
                f"{self.n_paid}/{self.n}")


class InvoiceLine(models.Model):
    # Indexed by line_position_unique (invoice, position).
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    position = models.PositiveIntegerField()
    description = models.TextField("concepto", max_length=2000)
    quantity = models.DecimalField("cantidad", max_digits=15, decimal_places=3)
    unit_price = models.DecimalField("precio unitario", max_digits=16, decimal_places=4)
    discount_percent = _percent("descuento", validators=PERCENT_VALIDATORS)
    iva_percent = _percent("IVA")
    # S1 taxed; S2 reverse charge; E1-E6 exempt; N1, N2 not subject (invoices.taxes).
    treatment = models.CharField(
        "tratamiento", max_length=2, default=taxes.TAXED,
        choices=[(code, code) for code in taxes.TREATMENTS],
    )
    surcharge_percent = _percent("recargo", editable=False)
    total = _money("importe", editable=False)

    class Meta:
        verbose_name = "línea"
        verbose_name_plural = "líneas"
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_position_unique")
        ]

    def __str__(self) -> str:
        return self.description[:60]


class Payment(models.Model):
    class Method(models.TextChoices):
        TRANSFER = "transfer", "transferencia"
        CASH = "cash", "efectivo"
        CARD = "card", "tarjeta"
        DIRECT_DEBIT = "direct_debit", "domiciliación"
        OTHER = "other", "otro"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField("importe", max_digits=18, decimal_places=2)
    date = models.DateField("fecha")
    method = models.CharField(
        "forma de pago", max_length=20, choices=Method.choices, default=Method.TRANSFER
    )
    notes = models.TextField("notas", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cobro"
        verbose_name_plural = "cobros"
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.date}"
