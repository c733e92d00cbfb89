"""Rate limits on the whole API (CONTRACT §10): a fixed one-hour window per api_key (per
client address for requests without one), counted in the shared cache, so that every
worker and machine counts the same requests.

Every API response says where its caller stands: `X-RateLimit-Limit` (requests an hour),
`X-RateLimit-Remaining` and `X-RateLimit-Reset` (when the window ends, in Unix seconds,
as GitHub's API writes it). Beyond the limit: 429 with `Retry-After` (seconds).
"""

import contextlib
import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from rest_framework.throttling import BaseThrottle

from accounts.limits import api_rate_limit

WINDOW_SECONDS = 3600


def client_address(request) -> str:
    """REMOTE_ADDR, or the address the nearest trusted proxy saw (TRUSTED_PROXY_HOPS from
    the right of X-Forwarded-For): addresses further left are whatever the client wrote."""
    request = getattr(request, "_request", request)
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int  # Unix time
    exceeded: bool

    @property
    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }

    def retry_after(self) -> int:
        return max(1, self.reset - int(time.time()))


def _caller(request) -> tuple[str, int]:
    """(bucket, its hourly limit): the authenticated user (one api_key at a time), else the
    client's address."""
    if not hasattr(request, "_user") and hasattr(request, "_authenticate"):
        # Refused before authentication (a 406): the key still decides whose count it is.
        with contextlib.suppress(Exception):  # a bad key: the address's count
            request.user  # noqa: B018
    user = getattr(request, "_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        account = getattr(user, "account", None)
        return f"user:{user.pk}", api_rate_limit(account)
    return f"address:{client_address(request)}", settings.API_ANONYMOUS_RATE_LIMIT_PER_HOUR


def _count_in_database(backend: DatabaseCache, bucket: str, window: int) -> int:
    """One statement, the count it leaves: an upsert into the database cache's table.

    Django's DatabaseCache has no atomic increment: `add` + `incr` cost ten statements
    (two of them a COUNT of the whole table) and two transactions per request, and `incr`
    reset the window's expiry to the cache's default timeout. These rows are written and
    read only here, as a plain number (the key's `rate:` prefix keeps them apart from the
    pickled `ratelimit:` rows an older version wrote); they expire with their window, and a
    caller's first request of a window deletes the table's expired rows."""
    key = backend.make_and_validate_key(f"rate:{bucket}:{window}")
    connection = connections[router.db_for_write(backend.cache_model_class)]

    def column_value(moment: datetime.datetime):
        """`moment` as the table's `expires` column takes it (naive when USE_TZ is off)."""
        if not settings.USE_TZ:
            moment = moment.replace(tzinfo=None)
        return connection.ops.adapt_datetimefield_value(moment)

    expires = column_value(
        datetime.datetime.fromtimestamp(window + WINDOW_SECONDS + 60, tz=datetime.UTC))
    # The table's name is the setting's (CACHES LOCATION), quoted; the values are parameters.
    table = connection.ops.quote_name(backend._table)
    # On PostgreSQL, a statement that is its own transaction commits without waiting for
    # its WAL flush (`synchronous_commit` off for that transaction only): a crash may lose
    # the last fraction of a second of counts, never anything else. Inside an outer
    # transaction (whose commit may hold invoices) the setting is left alone.
    relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
    rows = (
        "SELECT %s, '1', %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s"
        if relaxed else "VALUES (%s, '1', %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (cache_key, value, expires) {rows} "
            f"ON CONFLICT (cache_key) DO UPDATE "
            f"SET value = CAST(CAST({table}.value AS INTEGER) + 1 AS TEXT) RETURNING value",
            [key, expires],
        )
        count = int(cursor.fetchone()[0])
        if count == 1:  # once a window per caller: what has expired goes (an index range)
            now = datetime.datetime.now(tz=datetime.UTC).replace(microsecond=0)
            cursor.execute(
                f"DELETE FROM {table} WHERE expires < %s",  # noqa: S608
                [column_value(now)],
            )
    return count


def _count_in_cache(bucket: str, window: int) -> int:
    key = f"ratelimit:{bucket}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS + 60):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS + 60)
        return 1


def consume(request) -> RateLimit:
    """Counts one request of this caller in the current window."""
    bucket, limit = _caller(request)
    now = int(time.time())
    window = now - now % WINDOW_SECONDS
    backend = caches["default"]
    if isinstance(backend, DatabaseCache):
        count = _count_in_database(backend, bucket, window)
    else:
        count = _count_in_cache(bucket, window)
    return RateLimit(
        limit=limit,
        remaining=max(0, limit - count),
        reset=window + WINDOW_SECONDS,
        exceeded=count > limit,
    )


def state_for(request) -> RateLimit:
    """The request's rate-limit state, counted once per request."""
    state = getattr(request, "_rate_limit", None)
    if state is None:
        state = consume(request)
        request._rate_limit = state
    return state


class ApiKeyRateThrottle(BaseThrottle):
    """DRF's throttle hook: runs after authentication, so an api_key's own bucket counts."""

    def allow_request(self, request, view) -> bool:
        self.state = state_for(request)
        return not self.state.exceeded

    def wait(self) -> int:
        return self.state.retry_after()
