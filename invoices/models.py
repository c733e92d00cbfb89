from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify

from accounts.models import PERCENT_VALIDATORS, Account
from clients.models import Client
from invoices import taxes

ZERO = Decimal("0.00")


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


FROZEN_PARTY_FIELDS = (
    "name", "tax_id", "street1", "street2", "city", "province", "postal_code", "country",
)


class Invoice(models.Model):
    """A full invoice (factura completa). The fiscal data of both parties are frozen on it
    as issued: later edits of the account or the client never rewrite it."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField("número", max_length=40)
    year = models.PositiveSmallIntegerField("año", editable=False)
    issue_date = models.DateField("fecha de expedición")
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
    currency = models.CharField(max_length=3, default="EUR", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "factura"
        verbose_name_plural = "facturas"
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "year", "number"], name="invoice_number_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0), name="invoice_paid_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-issue_date", "-id"]),
            models.Index(fields=["account", "client", "-issue_date"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def url_id(self) -> str:
        slug = slugify(self.number.replace("/", "-"))
        return f"{self.pk}-{slug}" if slug else str(self.pk)

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


PAID = Q(total__gt=0, paid_amount__gte=F("total"))


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.TextField("concepto", max_length=2000)
    quantity = models.DecimalField("cantidad", max_digits=15, decimal_places=3)
    unit_price = models.DecimalField("precio unitario", max_digits=16, decimal_places=4)
    discount_percent = _percent("descuento", validators=PERCENT_VALIDATORS)
    iva_percent = _percent("IVA")
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
