"""The Heroku add-on protocol's shared-secret checks, as pure functions (no Django).

- Provisioning calls carry HTTP Basic with the manifest's `id` and `api/password`.
- Single sign-on carries tokens derived from the manifest's `sso_salt`:
  `resource_token = sha1(resource_id:salt:timestamp)` (also the legacy v1 `token`) and
  `user_scoped_resource_token = sha256(resource_id:salt:timestamp:user_id:email)`.

Every comparison is constant-time (`hmac.compare_digest`): the time a wrong guess takes
says nothing about how much of it was right.
"""

import base64
import binascii
import hashlib
import hmac

SSO_MAX_CLOCK_SKEW = 5 * 60  # seconds, either way (Heroku's documented window)


def resource_token(resource_id: str, salt: str, timestamp: str) -> str:
    # SHA-1 because Heroku's protocol fixes it; the salt is the secret, not the hash.
    message = f"{resource_id}:{salt}:{timestamp}".encode()
    return hashlib.sha1(message).hexdigest()  # noqa: S324


def user_scoped_resource_token(
    resource_id: str, salt: str, timestamp: str, user_id: str, email: str
) -> str:
    message = f"{resource_id}:{salt}:{timestamp}:{user_id}:{email}".encode()
    return hashlib.sha256(message).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time equality of two secrets (any text, compared as UTF-8 bytes)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def token_matches(expected: str, given: str) -> bool:
    """A hex token as sent by Heroku (lower case; upper case accepted)."""
    return same(expected, given.strip().lower())


def basic_credentials(header: str) -> tuple[str, str] | None:
    """`Basic base64(user:password)` → (user, password); anything else → None."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def basic_credentials_match(header: str, *, username: str, password: str) -> bool:
    """Both halves are always compared (no short cut on a wrong user name)."""
    if not username or not password:
        return False
    credentials = basic_credentials(header)
    if credentials is None:
        return False
    user_ok = same(username, credentials[0])
    password_ok = same(password, credentials[1])
    return user_ok & password_ok


def timestamp_is_fresh(timestamp: int, *, now: float) -> bool:
    return abs(now - timestamp) <= SSO_MAX_CLOCK_SKEW
