"""The wire machinery's own table: Idempotency-Key (facturagem/api/idempotency.py)."""

from django.db import models


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` of one account, and the first answer given to it (CONTRACT §10).

    The key itself is not kept: `key_digest` is its SHA-256, enough to find it again. A row
    without `status_code` is a request still running (until `locked_until`); with one, the
    answer that every repeat gets until `expires_at`. Bodies of answers that show a secret
    (a webhook's signing secret) are kept encrypted (`encrypted`)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key_digest = models.CharField("SHA-256 of the key", max_length=64)
    fingerprint = models.CharField("SHA-256 of the request", max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=1000)
    locked_until = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=list, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    encrypted = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "key_digest"], name="idempotency_key_once_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key_digest[:12]}…)"
