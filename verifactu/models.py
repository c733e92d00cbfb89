"""The chain of registration records (RD 1007/2023 arts. 9-12): append-only.

An account has one installation (its "virtual SIF": the AEAT identifies a SIF by the issuer's
NIF, IdSistemaInformatico and NumeroInstalacion, never reused) and one chain of records, each
linked to the one before it by `previous` and by the hash it carries. A record is written
once, in the transaction that issues, corrects or voids the invoice, under the account lock
that numbering takes; its legal content never changes afterwards (the model refuses, and so do
the database triggers of this app's migrations). Only the AEAT's answer (`status`, `csv`,
error code and text) is filled in later, by the sender.
"""

from django.db import models
from django.db.models import Q

from accounts.models import Account

# What the sender may write on a record after it was generated: the AEAT's answer.
ANSWER_FIELDS = ("status", "error_code", "error_description", "csv", "answered_at")


class AppendOnlyError(Exception):
    """A legal record (or an issued invoice) was about to be changed or deleted."""


class Installation(models.Model):
    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="verifactu_installation"
    )
    # NumeroInstalacion: unique forever, so a new installation can never repeat one.
    number = models.CharField("número de instalación", max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "instalación VERI*FACTU"
        verbose_name_plural = "instalaciones VERI*FACTU"

    def __str__(self) -> str:
        return self.number


class RecordQuerySet(models.QuerySet):
    def update(self, **fields):
        unexpected = set(fields) - set(ANSWER_FIELDS)
        if unexpected:
            raise AppendOnlyError(
                f"records are append-only: only the AEAT's answer may be written, "
                f"not {', '.join(sorted(unexpected))}"
            )
        return super().update(**fields)

    def delete(self):
        raise AppendOnlyError("records are append-only: they are never deleted")


class Record(models.Model):
    class Kind(models.TextChoices):
        ALTA = "alta", "alta"
        ANULACION = "anulacion", "anulación"

    class Status(models.TextChoices):
        PENDING = "pending", "pendiente"
        ACCEPTED = "accepted", "aceptado"
        ACCEPTED_WITH_ERRORS = "accepted_with_errors", "aceptado con errores"
        REJECTED = "rejected", "rechazado"

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="records"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="records")
    position = models.PositiveBigIntegerField("posición")
    # One successor per record at most: the chain can never fork.
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next"
    )
    kind = models.CharField(max_length=9, choices=Kind.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="records"
    )
    # The literals as the record's XML carries them (and its huella hashes them).
    invoice_type = models.CharField("TipoFactura", max_length=2, blank=True, default="")
    issuer_tax_id = models.CharField("IDEmisorFactura", max_length=9)
    invoice_number = models.CharField("NumSerieFactura", max_length=60)
    issue_date = models.CharField("FechaExpedicionFactura", max_length=10)
    # NULL, not "": an anulación carries no amounts at all (its API shows null).
    total_tax = models.CharField("CuotaTotal", max_length=20, null=True, blank=True)  # noqa: DJ001
    total_amount = models.CharField(  # noqa: DJ001
        "ImporteTotal", max_length=20, null=True, blank=True
    )
    previous_hash = models.CharField("huella anterior", max_length=64, blank=True, default="")
    hash = models.CharField("huella", max_length=64)
    generated_at = models.CharField("FechaHoraHusoGenRegistro", max_length=25)
    xml = models.TextField("registro XML")
    created_at = models.DateTimeField(auto_now_add=True)

    # The AEAT's answer, written by the sender.
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_description = models.TextField(blank=True, default="")
    csv = models.CharField("CSV", max_length=40, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = "registro VERI*FACTU"
        verbose_name_plural = "registros VERI*FACTU"
        ordering = ["installation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "position"], name="record_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position=1, previous__isnull=True, previous_hash="")
                | Q(position__gt=1, previous__isnull=False),
                name="record_first_or_chained",
            ),
            models.CheckConstraint(
                condition=Q(kind="alta", total_tax__isnull=False, total_amount__isnull=False)
                | Q(kind="anulacion", total_tax__isnull=True, total_amount__isnull=True),
                name="record_amounts_only_on_alta",
            ),
        ]
        indexes = [models.Index(fields=["account", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.invoice_number} #{self.position}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (
            update_fields is None or not set(update_fields) <= set(ANSWER_FIELDS)
        ):
            raise AppendOnlyError("records are append-only: a record is written once")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("records are append-only: they are never deleted")
