from decimal import Decimal

from django.db import models

from accounts.models import PERCENT_VALIDATORS, Account, Address


class Client(Address):
    """Someone an account invoices."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="clients")
    discount_percent = models.DecimalField(
        "descuento", max_digits=5, decimal_places=2, default=Decimal("0.00"),
        validators=PERCENT_VALIDATORS,
    )
    equivalence_surcharge = models.BooleanField(
        "recargo de equivalencia", default=False,
        help_text="A retailer under recargo de equivalencia: its invoices carry the surcharge.",
    )
    # How the AEAT identifies a recipient without a Spanish NIF (IDOtro/IDType). Empty:
    # worked out from the country (an EU VAT number, or a foreign tax id).
    id_type = models.CharField(
        "tipo de identificación",
        max_length=2,
        blank=True,
        default="",
        choices=[
            ("02", "NIF-IVA (EU VAT number)"),
            ("03", "pasaporte"),
            ("04", "documento oficial del país de residencia"),
            ("05", "certificado de residencia"),
            ("06", "otro documento probatorio"),
            ("07", "no censado"),
        ],
    )
    notes = models.TextField("notas", blank=True, default="")

    class Meta:
        verbose_name = "cliente"
        verbose_name_plural = "clientes"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["account", "name"])]
