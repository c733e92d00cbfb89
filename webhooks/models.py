"""Outbound events: an account's webhooks, the events that happened, and their deliveries
with every attempt (CONTRACT §10)."""

import uuid

from django.db import models

from accounts.models import Account


class Webhook(models.Model):
    """Where an account wants to hear about `events`. Its signing secret is stored encrypted
    (webhooks.crypto); after a rotation the previous one still signs until
    `previous_secret_until`. A webhook that keeps failing is switched off by the service
    (`active` false, with `disabled_at` and `disabled_reason`)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    secret = models.TextField("secreto (cifrado)")
    previous_secret = models.TextField("secreto anterior (cifrado)", blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField("fallos seguidos", default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.url

    @property
    def url_id(self) -> str:
        return str(self.pk)


class Event(models.Model):
    """Something that happened to an account's invoice, payment or record. `body` is the
    JSON every delivery of it sends, byte for byte: `{"id", "type", "created_at", "data"}`
    with `data` the resource as the JSON API showed it at that moment."""

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE,
                                related_name="webhook_events")
    type = models.CharField(max_length=40)
    created_at = models.DateTimeField(db_index=True)
    body = models.TextField()

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"


class Delivery(models.Model):
    """One event to one webhook: up to MAX_ATTEMPTS attempts (webhooks.delivery)."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # every attempt failed
        CANCELLED = "cancelled"  # the webhook was switched off before it went

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("intentos", default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the delivery while its attempt travels; a task is queued until then.
    lease_until = models.DateTimeField(null=True, blank=True)
    task_due_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["webhook", "-id"], name="delivery_by_webhook"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.webhook.url}"


class Attempt(models.Model):
    """One try at a delivery, as it went: when, how long, the receiver's answer (its status
    and the start of its body) or what went wrong."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    url = models.CharField(max_length=2000)
    address = models.CharField("dirección IP", max_length=45, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("delivery_id", "number")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_once")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def error_or_none(self) -> str | None:
        return self.error or None
