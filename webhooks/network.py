"""One POST to a receiver, refusing server-side request forgery.

- **Resolve once, check, connect to that address.** The host name is resolved here
  (`resolve`), every address it resolves to is checked, and the connection goes to a
  checked address: nothing resolves the name again between the check and the connection
  (no DNS-rebinding window). TLS still verifies the certificate against the host name
  (SNI and hostname check), and `Host` is the name.
- **Only global unicast addresses**: private, loopback, link-local, shared (CGNAT),
  multicast, reserved, unspecified and documentation ranges are refused, IPv4 addresses
  hidden in IPv6 (mapped, 6to4, Teredo, NAT64) included. One inward address among a name's
  answers refuses the name. WEBHOOKS_ALLOW_PRIVATE_TARGETS lifts this (tests, on-premises).
- **Redirects are never followed**: a 3xx is a failed attempt that says where it pointed.
- **Time is bounded**: WEBHOOK_CONNECT_TIMEOUT to connect, WEBHOOK_TIMEOUT for the whole
  attempt (a receiver that drips its answer a byte at a time is cut off at the deadline);
  only the first EXCERPT_BYTES of an answer are read.
- No proxy from the environment is used: a proxy would resolve the name itself.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

EXCERPT_BYTES = 1024
USER_AGENT = "FACTURAgem-Webhooks/1.0 (+https://facturagem.example/docs/api#webhooks)"

NOT_A_URL = "is not an http(s) URL"
HTTPS_ONLY = "must be an https:// URL"
HAS_CREDENTIALS = "must not carry a user name or password"
# Fragments about the URL: a 422 on `url` reads "Url points to …"; a refused attempt logs
# "refused: the URL points to …".
PRIVATE_ADDRESS = (
    "points to a private, loopback, link-local or otherwise non-public address ({host})"
)
RESOLVES_INWARD = (
    "resolves to {address} ({host}), a private, loopback, link-local or otherwise "
    "non-public address"
)
DOES_NOT_RESOLVE = "does not resolve ({host}: {error})"
CONNECT_FAILED = "connection to {host} ({address}) failed: {error}"
SEND_FAILED = "the exchange with {host} ({address}) failed: {error}"
TIMED_OUT = "no answer within {seconds:g} s"
TLS_FAILED = "TLS failed: {error}"
REDIRECTED = "redirected ({status}) to {location}: redirects are not followed"
PROTOCOL_ERROR = "the receiver's answer is not HTTP: {error}"

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The URL or an address it resolves to is not allowed, or the request failed."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query


@dataclass(frozen=True)
class Answer:
    status: int | None
    excerpt: str
    error: str
    address: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def private_targets_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)


def is_public(address: str) -> bool:
    """A global unicast address (and, for IPv6 wrappers of IPv4, a global IPv4 inside)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def parse(url: str) -> Target:
    """The URL's parts, or Refused with the rule it breaks (what a webhook's `url` must be)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(NOT_A_URL) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(NOT_A_URL)
    if parts.username is not None or parts.password is not None:
        raise Refused(HAS_CREDENTIALS)
    if parts.scheme != "https" and not (settings.DEBUG or private_targets_allowed()):
        raise Refused(HTTPS_ONLY)
    host = parts.hostname
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def check_literal(target: Target) -> None:
    """An IP address written in the URL is checked at once (a name is checked when used)."""
    try:
        ipaddress.ip_address(target.host)
    except ValueError:
        name = target.host.rstrip(".").lower()
        if (name == "localhost" or name.endswith(".localhost")) \
                and not private_targets_allowed():
            raise Refused(PRIVATE_ADDRESS.format(host=target.host)) from None
        return
    if not private_targets_allowed() and not is_public(target.host):
        raise Refused(PRIVATE_ADDRESS.format(host=target.host))


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order (the one resolution of a
    delivery: tests replace this function to make names point anywhere)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def addresses_for(target: Target) -> list[str]:
    try:
        ipaddress.ip_address(target.host)
        addresses = [target.host]
    except ValueError:
        try:
            addresses = resolve(target.host, target.port)
        except OSError as error:
            raise Refused(DOES_NOT_RESOLVE.format(host=target.host, error=error)) from error
    if not addresses:
        raise Refused(DOES_NOT_RESOLVE.format(host=target.host, error="no address"))
    if not private_targets_allowed():
        for address in addresses:
            if not is_public(address):
                raise Refused(RESOLVES_INWARD.format(host=target.host, address=address))
    return addresses


def _tls_context() -> ssl.SSLContext:
    # The same trust as the AEAT transport: REQUESTS_CA_BUNDLE when set, else the system's.
    cafile = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
    return ssl.create_default_context(cafile=cafile)


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to `address`, speaking to `host` (the Host header): no resolution of its own."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedTLSConnection(_PinnedConnection):
    default_port = 443

    def __init__(self, host: str, port: int, address: str, timeout: float,
                 context: ssl.SSLContext) -> None:
        super().__init__(host, port, address, timeout)
        self.context = context

    def connect(self) -> None:
        self.sock = self.context.wrap_socket(self._open(), server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, connect_timeout: float,
         timeout: float) -> Answer:
    """POSTs `body`; what came back (or why nothing did). Never raises for the receiver's
    failures: they are the answer's `error`. Refused for a URL the rules refuse."""
    started = time.monotonic()
    target = parse(url)
    check_literal(target)
    addresses = addresses_for(target)
    failed: Answer | None = None
    for address in addresses:  # every one of them checked above
        try:
            return _post_to(target, address, body, headers, started=started,
                            connect_timeout=connect_timeout, timeout=timeout)
        except _NotConnected as error:  # the next address, if the name has another
            failed = error.answer
    assert failed is not None
    return failed


class _NotConnected(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.error)
        self.answer = answer


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _post_to(target: Target, address: str, body: bytes, headers: dict[str, str], *,
             started: float, connect_timeout: float, timeout: float) -> Answer:
    remaining = max(0.001, timeout - (time.monotonic() - started))
    connect_in = min(connect_timeout, remaining)
    if target.scheme == "https":
        connection: _PinnedConnection = _PinnedTLSConnection(
            target.host, target.port, address, connect_in, _tls_context())
    else:
        connection = _PinnedConnection(target.host, target.port, address, connect_in)
    timer: threading.Timer | None = None
    expired = threading.Event()
    try:
        try:
            connection.connect()
        except ssl.SSLError as error:
            return Answer(None, "", TLS_FAILED.format(error=error), address, _elapsed(started))
        except TimeoutError as error:
            raise _NotConnected(Answer(None, "", TIMED_OUT.format(seconds=connect_in), address,
                                       _elapsed(started))) from error
        except OSError as error:
            message = CONNECT_FAILED.format(host=target.host, address=address, error=error)
            raise _NotConnected(Answer(None, "", message, address, _elapsed(started))) from error
        remaining = max(0.001, timeout - (time.monotonic() - started))
        connection.sock.settimeout(remaining)

        def cut_off() -> None:  # the whole attempt's deadline, however the bytes drip
            expired.set()
            with contextlib.suppress(OSError, AttributeError):  # closed already
                connection.sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(remaining, cut_off)
        timer.daemon = True
        timer.start()
        try:
            connection.request("POST", target.path, body=body,
                               headers={"User-Agent": USER_AGENT, **headers})
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES)
        except (TimeoutError, http.client.HTTPException, OSError) as error:
            if expired.is_set() or isinstance(error, TimeoutError):
                message = TIMED_OUT.format(seconds=timeout)
            elif isinstance(error, http.client.HTTPException):
                message = PROTOCOL_ERROR.format(error=error or type(error).__name__)
            else:
                message = SEND_FAILED.format(host=target.host, address=address, error=error)
            return Answer(None, "", message, address, _elapsed(started))
        if expired.is_set():
            return Answer(None, "", TIMED_OUT.format(seconds=timeout), address,
                          _elapsed(started))
        text = excerpt.decode("utf-8", "replace")
        error = ""
        if 300 <= response.status < 400:
            location = (response.getheader("Location") or "(no Location)")[:500]
            error = REDIRECTED.format(status=response.status, location=location)
        return Answer(response.status, text, error, address, _elapsed(started))
    finally:
        if timer is not None:
            timer.cancel()
        connection.close()
