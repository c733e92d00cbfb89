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

# What the sender may write on a record after it was generated: the AEAT's answer, and the
# message (Submission) that carried it last.
ANSWER_FIELDS = ("status", "error_code", "error_description", "csv", "answered_at",
                 "submission")


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

    # Neither has an index of its own: record_position_unique starts with the installation,
    # the indexes below with the account (fewer to write per record, under the account lock).
    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="records", db_index=False
    )
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
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_description = models.TextField(blank=True, default="")
    csv = models.CharField("CSV", max_length=40, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    # The last message that carried the record (its answer, or why it failed, is there).
    submission = models.ForeignKey(
        "Submission", on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )

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
        indexes = [
            models.Index(fields=["account", "id"]),
            # The sender's read, and the account's warning: its pending records in chain order.
            models.Index(fields=["account", "status", "position"],
                         name="record_pending_in_order"),
            # The sweep's read of every issuer with records to send: only pending ones.
            models.Index(fields=["installation"], condition=Q(status="pending"),
                         name="record_pending_issuers"),
        ]

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


class Submission(models.Model):
    """One message to the AEAT (one HTTPS POST): the envelope as sent, and what came back —
    the raw answer with its CSV, EstadoEnvio and TiempoEsperaEnvio, or the transport error or
    SOAP Fault. Each record's line answer is written on the record, which links here."""

    class State(models.TextChoices):
        SENDING = "sending", "enviando"
        ANSWERED = "answered", "respondido"
        FAILED = "failed", "fallido (se reintenta)"
        REFUSED = "refused", "rechazado por la AEAT (no se reintenta)"

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="submissions"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="submissions")
    # 1 for the first attempt at these records; n for the n-th in a row after failures.
    attempt = models.PositiveIntegerField("intento", default=1)
    incidencia = models.BooleanField("Incidencia=S", default=False)
    record_count = models.PositiveIntegerField("registros")
    endpoint = models.CharField(max_length=300)
    presenter_nif = models.CharField("NIF del certificado", max_length=20, blank=True)
    representative = models.BooleanField("como representante", default=False)
    envelope = models.TextField("mensaje enviado")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENDING,
                             db_index=True)
    response = models.TextField("respuesta (tal cual)", blank=True, default="")
    status = models.CharField("EstadoEnvio", max_length=20, blank=True, default="")
    csv = models.CharField("CSV", max_length=40, blank=True, default="")
    wait_seconds = models.PositiveIntegerField("TiempoEsperaEnvio", null=True, blank=True)
    presented_at = models.CharField("TimestampPresentacion", max_length=30, blank=True,
                                    default="")
    # connection, timeout, tls, http, garbage (TransportError) or client, server (SoapFault)
    error_kind = models.CharField(max_length=10, blank=True, default="")
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField("enviado")
    finished_at = models.DateTimeField("terminado", null=True, blank=True)

    class Meta:
        verbose_name = "envío a la AEAT"
        verbose_name_plural = "envíos a la AEAT"
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "id"])]

    def __str__(self) -> str:
        return f"envío {self.pk} ({self.record_count} registros, {self.get_state_display()})"


class SendingState(models.Model):
    """Where an issuer's sending stands (one row per installation; the sender's lock).

    `lease_owner`/`lease_until` are the lock that keeps one message in flight per issuer
    across processes and machines: taken with one conditional UPDATE, held without an open
    transaction while the message travels (SQLite would lock every writer otherwise), and
    given back when the answer is stored — or taken over once expired (a worker that died).
    """

    class Hold(models.TextChoices):
        NONE = "", "—"
        NO_CERTIFICATE = "no_certificate", "sin certificado"
        EXPIRED_CERTIFICATE = "expired_certificate", "certificado caducado"
        REFUSED = "refused", "rechazado por la AEAT"

    installation = models.OneToOneField(
        Installation, on_delete=models.PROTECT, primary_key=True, related_name="sending"
    )
    lease_owner = models.CharField(max_length=40, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    # Not before this may the next message go: the AEAT's wait (flow_control) or a backoff.
    not_before = models.DateTimeField(null=True, blank=True)
    flow_control = models.BooleanField(default=False)
    wait_seconds = models.PositiveIntegerField("TiempoEsperaEnvio", default=60)
    failures = models.PositiveIntegerField("fallos seguidos", default=0)
    # Records generated up to this moment waited because of an incident (a failed attempt, a
    # hold): a message that carries one says Incidencia=S (Orden HAC/1177/2024 art. 16.4).
    late_until = models.DateTimeField(null=True, blank=True)
    # Sending stopped until what caused it changes (the certificate, the account's NIF/name).
    hold = models.CharField(max_length=20, choices=Hold.choices, blank=True, default="")
    hold_signature = models.CharField(max_length=64, blank=True, default="")
    reason = models.TextField("motivo", blank=True, default="")
    # A send task is queued to run at this time (None: none is): no duplicates in the queue.
    task_due_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "estado de envío"
        verbose_name_plural = "estados de envío"

    def __str__(self) -> str:
        return f"envío de {self.installation_id}"
