"""Signing secrets at rest. A webhook's secret must be recoverable (it keys the HMAC of
every delivery), so it cannot be hashed: it is encrypted with Fernet (AES-128-CBC +
HMAC-SHA256) under keys from the environment — WEBHOOK_ENCRYPTION_KEY, else the
CERTIFICATE_ENCRYPTION_KEY keys — never under SECRET_KEY, and never in the database: a dump
alone cannot forge a signature.

The same scheme as the certificates app's private keys (certificates/crypto.py: MultiFernet,
the first key encrypts, every key decrypts, `rotate` re-encrypts under the first), kept
apart because its keys and messages are the certificates' own."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NO_KEY = (
    "Neither WEBHOOK_ENCRYPTION_KEY nor CERTIFICATE_ENCRYPTION_KEY is set: the service cannot "
    "store webhook signing secrets. Generate a key with `python -c \"from cryptography.fernet "
    "import Fernet; print(Fernet.generate_key().decode())\"` and set WEBHOOK_ENCRYPTION_KEY."
)
WRONG_KEY = (
    "A stored webhook secret cannot be decrypted with any key in WEBHOOK_ENCRYPTION_KEY "
    "(was the old key removed before `manage.py rotate_webhook_key`?)"
)


class KeyMissing(ImproperlyConfigured):
    pass


def keys() -> list[str]:
    return list(settings.WEBHOOK_ENCRYPTION_KEYS or settings.CERTIFICATE_ENCRYPTION_KEYS or [])


def _fernet() -> MultiFernet:
    configured = keys()
    if not configured:
        raise KeyMissing(NO_KEY)
    return MultiFernet([Fernet(key) for key in configured])


def is_configured() -> bool:
    return bool(keys())


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise ImproperlyConfigured(WRONG_KEY) from error


def rotate(token: str) -> str:
    """The same secret, encrypted under the first key."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise ImproperlyConfigured(WRONG_KEY) from error
