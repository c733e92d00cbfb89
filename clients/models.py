from decimal import Decimal

from django.db import models

from accounts.models import PERCENT_VALIDATORS, Account, Address
from facturagem.validators import validate_dir3

DIR3_FIELDS = ("dir3_accounting_office", "dir3_managing_body", "dir3_processing_unit")


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
    # A Spanish public administration receives invoices through FACe, routed by the DIR3 codes
    # of three of its units (Ley 25/2013, Orden HAP/1074/2014). Any code, or the switch, makes
    # the client one: then all three are needed for its FacturaE documents.
    public_administration = models.BooleanField(
        "administración pública", default=False,
        help_text="Invoices go through FACe: they need the three DIR3 codes below.",
    )
    dir3_accounting_office = models.CharField(
        "DIR3 oficina contable", max_length=10, blank=True, default="",
        validators=[validate_dir3],
    )
    dir3_managing_body = models.CharField(
        "DIR3 órgano gestor", max_length=10, blank=True, default="", validators=[validate_dir3],
    )
    dir3_processing_unit = models.CharField(
        "DIR3 unidad tramitadora", max_length=10, blank=True, default="",
        validators=[validate_dir3],
    )

    class Meta:
        verbose_name = "cliente"
        verbose_name_plural = "clientes"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["account", "name"])]

    @property
    def is_public_administration(self) -> bool:
        return self.public_administration or any(getattr(self, name) for name in DIR3_FIELDS)
