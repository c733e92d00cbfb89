"""`Idempotency-Key` on every POST (CONTRACT §10), in the one place every view goes through.

A POST that carries the header claims the key for its account before the operation runs
(one INSERT against a unique constraint: of twenty concurrent requests with one key, one
runs), and stores its answer — status, headers, body — when it ends. Then, for 24 hours:

- the same key with the same request (method, path, parameters) replays the stored answer,
  marked `Idempotent-Replayed: true`;
- the same key with another request is a 422 that names the first one;
- the same key while the first request still runs is a 409 with `Retry-After`.

Choices:
- Keys are per account (the api_key's, or the web session's). The session POST (logging in)
  has no account yet and ignores the header: it creates nothing, and logging in again gives
  the same api_key anyway (CONTRACT §2). A POST turned into another verb by `_method` is
  that verb, and the header means nothing there.
- The fingerprint is the SHA-256 of the method, the path (with its suffix) and the
  parameters as the view reads them (query and body, wrapped or flat alike), `api_key` left
  out: a retry may carry the key in another place.
- Answers of 500 and above are not kept: the key is released and a retry runs again. So are
  refusals before the operation (401, 429, a malformed body, unexpected parameters).
- A request that dies while running holds its key until `LOCK_SECONDS` (beyond the
  server's own request timeout), then a repeat runs it again.
- Only the key's SHA-256 is stored. Answers of views that show a secret (`shows_secrets`: a
  webhook's signing secret at creation and rotation) are stored encrypted (Fernet, under a
  key derived from SECRET_KEY): a database dump shows neither.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, status

from facturagem.api.exceptions import UnprocessableEntity

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
LIFETIME = datetime.timedelta(hours=24)
# Longer than any request may run (gunicorn's timeout is 25 s, Heroku's router 30 s).
LOCK_SECONDS = 60
RETRY_AFTER_SECONDS = 1
MAX_LENGTH = 255
# What a replay does not repeat: the rate-limit state is the current request's own.
NOT_REPLAYED = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")

KEY_REUSED = (
    "This Idempotency-Key was first used for another request ({method} {path} with other "
    "parameters) in the last 24 hours: send a new key for a new request"
)
KEY_IN_PROGRESS = (
    "A request with this Idempotency-Key is still running: retry after {seconds} second(s) "
    "to get its answer"
)
KEY_TOO_LONG = f"is too long (maximum is {MAX_LENGTH} characters)"
KEY_INVALID = "must be printable ASCII characters"
KEY_UNREADABLE = (
    "The answer kept for this Idempotency-Key can no longer be read (the service's secret "
    "key changed): send a new key"
)


class InProgress(exceptions.APIException):
    """409: the first request with this key has not finished."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self) -> None:
        super().__init__(KEY_IN_PROGRESS.format(seconds=RETRY_AFTER_SECONDS))
        self.retry_after = RETRY_AFTER_SECONDS


class Replay(Exception):
    """The stored answer, raised from a view's `initial` and returned by its handler."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("replay")
        self.response = response


@dataclass
class Claim:
    """The key a running request holds."""

    pk: int
    finished: bool = False


def _model():
    from facturagem.models import IdempotencyKey

    return IdempotencyKey


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"facturagem.idempotency:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def key_of(request) -> str | None:
    """The request's key: None without the header; a 422 when it is not one."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) > MAX_LENGTH:
        raise UnprocessableEntity({"idempotency_key": [KEY_TOO_LONG]})
    if not key or not all(" " <= character <= "~" for character in key):
        raise UnprocessableEntity({"idempotency_key": [KEY_INVALID]})
    return key


def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    significant = {name: value for name, value in params.items() if name != "api_key"}
    text = json.dumps([method, path, significant], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def begin(request, *, params: dict[str, Any]) -> Claim | None:
    """Before a POST's operation runs: a Claim to `finish` with its answer, None when the
    request has no key (or no account), or raises Replay, InProgress or a 422."""
    if request.method != "POST":
        return None
    key = key_of(request)
    if key is None:
        return None
    user = getattr(request, "user", None)
    account = getattr(user, "account", None) if user is not None else None
    if account is None:
        return None
    digest = hashlib.sha256(key.encode("ascii")).hexdigest()
    path = request.path[:1000]
    request_fingerprint = fingerprint(request.method, path, params)
    model = _model()
    for _ in range(3):  # a key released or expired meanwhile: claim it again
        now = timezone.now()
        try:
            with transaction.atomic():
                row = model.objects.create(
                    account=account, key_digest=digest, fingerprint=request_fingerprint,
                    method=request.method, path=path, created_at=now,
                    locked_until=now + datetime.timedelta(seconds=LOCK_SECONDS),
                    expires_at=now + LIFETIME,
                )
            return Claim(pk=row.pk)
        except IntegrityError:
            pass
        existing = model.objects.filter(account=account, key_digest=digest).first()
        if existing is None:
            continue
        if existing.expires_at <= now:
            model.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != request_fingerprint:
            raise UnprocessableEntity(
                {"base": [KEY_REUSED.format(method=existing.method, path=existing.path)]}
            )
        if existing.status_code is None:
            if existing.locked_until is not None and existing.locked_until > now:
                raise InProgress
            # Its request died on the way (the lock outlives any live request): run again.
            taken = model.objects.filter(
                pk=existing.pk, status_code__isnull=True, locked_until=existing.locked_until
            ).update(locked_until=now + datetime.timedelta(seconds=LOCK_SECONDS))
            if taken:
                return Claim(pk=existing.pk)
            raise InProgress
        raise Replay(_replay(existing))
    raise InProgress


def _replay(stored) -> HttpResponse:
    body = bytes(stored.body)
    if stored.encrypted:
        try:
            body = _fernet().decrypt(body)
        except InvalidToken:
            raise UnprocessableEntity({"base": [KEY_UNREADABLE]}) from None
    response = HttpResponse(body, status=stored.status_code)
    for name, value in stored.headers:
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def finish(claim: Claim, response: HttpResponse, *, secret: bool) -> None:
    """The answer to keep for the claimed key (a 5xx releases the key instead)."""
    claim.finished = True
    if response.status_code >= 500 or getattr(response, "streaming", False):
        release(claim)
        return
    if hasattr(response, "render") and callable(response.render):
        response.render()
    body = bytes(response.content)
    if secret:
        body = _fernet().encrypt(body)
    headers = [
        [name, value] for name, value in response.items() if name.lower() not in NOT_REPLAYED
    ]
    _model().objects.filter(pk=claim.pk).update(
        status_code=response.status_code, headers=headers, body=body, encrypted=secret,
        locked_until=None,
    )


def release(claim: Claim) -> None:
    """The operation failed unexpectedly: the key is free for a retry."""
    claim.finished = True
    _model().objects.filter(pk=claim.pk, status_code__isnull=True).delete()


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Deletes the keys past their 24 hours (the worker's sweep runs it). How many."""
    deleted, _ = _model().objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
