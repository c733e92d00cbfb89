"""Private keys at rest: Fernet (AES-128-CBC + HMAC-SHA256) under keys from the
environment (`CERTIFICATE_ENCRYPTION_KEY`, never SECRET_KEY), through MultiFernet so that
keys rotate: the first key encrypts, every listed key decrypts, and
`manage.py rotate_certificate_key` re-encrypts every stored key under the first."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NO_KEY = (
    "CERTIFICATE_ENCRYPTION_KEY is not set: the service cannot store or use account "
    "certificates. Generate one with `python -c \"from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())\"` and set it in the environment."
)
WRONG_KEY = (
    "A stored certificate key cannot be decrypted with any key in "
    "CERTIFICATE_ENCRYPTION_KEY (was the old key removed before rotating?)"
)


class KeyMissing(ImproperlyConfigured):
    pass


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "CERTIFICATE_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise KeyMissing(NO_KEY)
    return MultiFernet([Fernet(key) for key in keys])


def is_configured() -> bool:
    return bool(getattr(settings, "CERTIFICATE_ENCRYPTION_KEYS", None))


def encrypt(secret: bytes) -> str:
    return _fernet().encrypt(secret).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken as error:
        raise ImproperlyConfigured(WRONG_KEY) from error


def rotate(token: str) -> str:
    """The same secret, encrypted under the first key."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise ImproperlyConfigured(WRONG_KEY) from error
