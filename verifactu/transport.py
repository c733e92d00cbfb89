"""HTTPS to the AEAT with a client certificate: one function, `post`, the same code path
for the real endpoint and the test suite's stand-in (only the URL and the trusted CA
differ).

TLS: the server's certificate is always verified (there is no way to turn it off here),
against the bundle named by REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) when set, else the
system's trust store (certifi's when the system has none).

The private key never touches a disk. Python's `ssl` loads a client key only from a path,
so the key goes to OpenSSL through an anonymous in-memory file (Linux `memfd_create`,
read back through /proc/self/fd), and is itself encrypted there under a one-time random
passphrase that exists only in this process. Where memfd does not exist (macOS), the same
encrypted PEM goes through a 0600 temporary file deleted right after loading: even then
nothing usable is left on disk. The loaded SSLContext is kept (per certificate and trust),
so this happens once per certificate, not once per message.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import ssl
import tempfile
from collections.abc import Iterator

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter

from certificates.credentials import Credentials
from verifactu.errors import TransportError
from verifactu.soap import parse_fault

# The AEAT's endpoints (SistemaFacturacion.wsdl, service sfVerifactu): www1/prewww1 take
# personal and representative certificates, www10/prewww10 entity seals.
ENDPOINTS = {
    ("production", False):
        "https://www1.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
    ("production", True):
        "https://www10.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
    ("test", False): "https://prewww1.aeat.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
    ("test", True): "https://prewww10.aeat.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
}
HEADERS = {
    "Content-Type": "text/xml; charset=UTF-8",
    "SOAPAction": '""',  # the WSDL's soapAction="", quoted as SOAP 1.1 requires
    "Accept": "text/xml",
}
MAX_ANSWER = 32 * 1024 * 1024  # 1000 answer lines are ~1.5 MB

VERIFY_REQUIRED = "TLS verification cannot be turned off for the AEAT"
ANSWER_TOO_LARGE = "the AEAT's answer exceeds 32 MB"
HTTP_ERROR = "HTTP {status} without a SOAP answer"
TLS_FAILED = "TLS failed: {error}"
TIMED_OUT = "no answer within {seconds} s ({phase})"
CONNECTION_FAILED = "connection failed: {error}"
NOT_HTTPS = "The AEAT endpoint must be an https:// URL (a client certificate needs TLS): {url}"


def endpoint_url(credentials: Credentials | None = None) -> str:
    """AEAT_ENDPOINT when set (a proxy, or the stand-in), else the AEAT_ENVIRONMENT's
    address for the certificate's type: an entity seal goes to the seal host."""
    if settings.AEAT_ENDPOINT:
        return settings.AEAT_ENDPOINT
    seal = bool(credentials is not None and credentials.seal)
    return ENDPOINTS[(settings.AEAT_ENVIRONMENT, seal)]


def default_timeout() -> tuple[float, float]:
    return (settings.AEAT_CONNECT_TIMEOUT, settings.AEAT_READ_TIMEOUT)


# -- the client certificate, into OpenSSL without a usable copy on disk -------------------


@contextlib.contextmanager
def _in_memory_file(data: bytes) -> Iterator[str]:
    """A path OpenSSL can open whose content lives in memory (or, without memfd, a 0600
    temporary file removed on exit)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("facturagem-aeat-key", os.MFD_CLOEXEC)
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    fd, path = tempfile.mkstemp(prefix="facturagem-aeat-", suffix=".pem")  # mode 0600
    try:
        os.write(fd, data)
        os.close(fd)
        fd = -1
        yield path
    finally:
        if fd >= 0:
            os.close(fd)
        os.unlink(path)


def _trust(context: ssl.SSLContext, verify: bool | str) -> None:
    if isinstance(verify, str):
        if os.path.isdir(verify):
            context.load_verify_locations(capath=verify)
        else:
            context.load_verify_locations(cafile=verify)
        return
    context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if not context.cert_store_stats().get("x509_ca"):
        import certifi

        context.load_verify_locations(cafile=certifi.where())


@functools.lru_cache(maxsize=64)
def tls_context(credentials: Credentials, verify: bool | str) -> ssl.SSLContext:
    """A client context: the server verified (hostname and chain), our certificate shown."""
    if verify is False:
        raise ValueError(VERIFY_REQUIRED)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _trust(context, verify)
    passphrase = secrets.token_bytes(32)
    key = serialization.load_pem_private_key(credentials.private_key_pem, password=None)
    encrypted_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    with _in_memory_file(credentials.certificate_pem + b"\n" + encrypted_key) as path:
        context.load_cert_chain(path, password=passphrase)
    return context


class ClientCertificateAdapter(HTTPAdapter):
    """requests' adapter with our SSLContext: trust and client certificate in one place."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        if verify is False:
            raise ValueError(VERIFY_REQUIRED)
        host_params, _ = super().build_connection_pool_key_attributes(request, verify, None)
        return host_params, {"ssl_context": tls_context(self.credentials, verify),
                             "cert_reqs": "CERT_REQUIRED"}

    def cert_verify(self, conn, url, verify, cert) -> None:
        # The trust is in our context: keep urllib3 from loading certifi on top of it.
        if verify is False:
            raise ValueError(VERIFY_REQUIRED)
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


# -- the request ------------------------------------------------------------------------


def _read(response: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER:
            raise TransportError("garbage", ANSWER_TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


def post(
    url: str,
    envelope: bytes,
    credentials: Credentials,
    *,
    timeout: float | tuple[float, float],
) -> bytes:
    """POSTs one SOAP envelope; the body of a 200 answer. Raises SoapFault for a SOAP
    Fault (whatever the HTTP status) and TransportError for no usable answer."""
    if not url.lower().startswith("https://"):
        raise ImproperlyConfigured(NOT_HTTPS.format(url=url))
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    with requests.Session() as session:
        session.mount("https://", ClientCertificateAdapter(credentials))
        try:
            response = session.post(url, data=envelope, headers=HEADERS, timeout=(connect, read),
                                    stream=True, allow_redirects=False, verify=True)
            with response:
                body = _read(response)
        except requests.exceptions.SSLError as error:
            raise TransportError("tls", TLS_FAILED.format(error=_short(error))) from error
        except requests.exceptions.ConnectTimeout as error:
            raise TransportError("timeout", TIMED_OUT.format(seconds=connect, phase="connect")
                                 ) from error
        except (requests.exceptions.ReadTimeout, TimeoutError) as error:
            raise TransportError("timeout", TIMED_OUT.format(seconds=read, phase="read")
                                 ) from error
        except requests.exceptions.RequestException as error:
            if _is_tls(error):
                raise TransportError("tls", TLS_FAILED.format(error=_short(error))) from error
            raise TransportError("connection", CONNECTION_FAILED.format(error=_short(error))
                                 ) from error
    fault = parse_fault(body)
    if fault is not None:
        fault.body = body
        raise fault
    if response.status_code == 200:
        return body
    error = TransportError("http", HTTP_ERROR.format(status=response.status_code))
    error.body = body[:64 * 1024]
    raise error


def _is_tls(error: BaseException) -> bool:
    """A TLS alert from the server (e.g. our certificate refused) reaches requests as a
    ConnectionError wrapping an ssl.SSLError."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return True
        for arg in getattr(current, "args", ()):
            if isinstance(arg, ssl.SSLError):
                return True
            reason = getattr(arg, "reason", None)
            if isinstance(reason, ssl.SSLError):
                return True
        current = current.__cause__ or current.__context__
    return False


def _short(error: BaseException) -> str:
    text = str(error)
    return text if len(text) <= 300 else text[:297] + "…"
