"""api_keys that a database dump does not reveal.

A key is `HMAC-SHA256(API_KEY_SECRET, "<user id>:<salt>")`. The database keeps the random
per-user salt (so that logging in again can hand back the same key, as the v1 contract
requires) and a SHA-256 digest of the key (to find its user with one indexed lookup).
Neither is a usable key without the server's secret.
"""

import hashlib
import hmac
import secrets

from django.conf import settings


def derive(user_id: int, salt: str) -> str:
    message = f"{user_id}:{salt}".encode()
    return hmac.new(settings.API_KEY_SECRET.encode(), message, hashlib.sha256).hexdigest()[:40]


def digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def matches(api_key: str, *, user_id: int, salt: str) -> bool:
    """Constant-time: the digest found the row, the HMAC proves the key."""
    if not salt:
        return False
    return hmac.compare_digest(derive(user_id, salt), api_key)
