"""Certificates: an account uploads, replaces or removes its own; the sender asks
`credentials_for(account)`.

Who may an account's certificate belong to (the AEAT's code 4112: "the holder of the
certificate must be the Obligado Emisión, a Colaborador Social, an Apoderado or a
Sucesor"):
- the taxpayer itself: a natural-person certificate whose NIF is the account's `tax_id`
  (an autónomo), or a legal-entity representative's or an entity seal certificate whose
  entity NIF (organizationIdentifier) is the account's `tax_id`;
- the taxpayer's representative, declared with `representative=true` at upload: the
  certificate of an asesor, a gestoría, an apoderado or a colaborador social, whatever its
  NIF. Whether that person or firm may present for the taxpayer is recorded at the AEAT
  (apoderamiento, colaboración social), which nobody can check offline: the AEAT checks it
  at the first submission, and refuses with 4112 otherwise. Messages then name the holder
  as `Representante` in their header.
Anything else is a 422 on `certificate`, naming both NIFs.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from stdnum.es import nif as spanish_nif

from accounts.models import Account
from certificates import bundle as pkcs12
from certificates import crypto
from certificates.credentials import ACCOUNT, SERVICE, Credentials
from certificates.models import AccountCertificate

MAX_SIZE = 64 * 1024  # a qualified certificate with its chain is a few kilobytes

TOO_LARGE = "is larger than 64 KB: not a certificate file"
NOT_YOURS = (
    "is for NIF {nif}, not the account's tax_id {tax_id}; a representative's certificate "
    "(asesor, gestoría, apoderado, colaborador social) is uploaded with representative=true"
)
NO_TAX_ID = "the account has no tax_id: set the account's NIF before uploading its certificate"
OWN_NOT_REPRESENTATIVE = "must be false: the certificate is the account's own (NIF {nif})"

SERVICE_UNREADABLE = "The service-wide AEAT certificate ({source}) cannot be used: {problem}"
SERVICE_TWO_SOURCES = "Set AEAT_CERTIFICATE_FILE or AEAT_CERTIFICATE_BASE64, not both"


def normalized_nif(value: str) -> str:
    """`ES-B12345674`, `b 1234 5674` → `B12345674` (a Spanish NIF without the VAT prefix)."""
    value = spanish_nif.compact(value or "")
    return value[2:] if value.startswith("ES") and len(value) == 11 else value


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


@transaction.atomic
def certificate_upload(
    *,
    account: Account,
    data: bytes,
    password: str,
    representative: bool = False,
    now: datetime.datetime | None = None,
) -> AccountCertificate:
    """Opens, checks and stores (replacing any previous one) the account's certificate.
    Raises ValidationError naming `certificate`, `password` or `representative`, and
    crypto.KeyMissing when the service has no CERTIFICATE_ENCRYPTION_KEY."""
    now = now or timezone.now()
    if len(data) > MAX_SIZE:
        raise _refuse("certificate", TOO_LARGE)
    try:
        opened = pkcs12.open_pkcs12(data, password)
        pkcs12.check_usable(opened, now=now)
    except pkcs12.BundleError as error:
        raise _refuse(error.field, error.message) from error
    identity = opened.identity
    own_nif = normalized_nif(account.tax_id)
    if identity.nif == own_nif:
        if representative:
            raise _refuse("representative", OWN_NOT_REPRESENTATIVE.format(nif=identity.nif))
    elif not representative:
        if not own_nif:
            raise _refuse("certificate", NO_TAX_ID)
        raise _refuse("certificate", NOT_YOURS.format(nif=identity.nif, tax_id=own_nif))

    token = crypto.encrypt(opened.private_key_pem())
    fields = {
        "kind": identity.kind,
        "representative": representative,
        "tax_id": identity.nif,
        "holder_name": identity.name[:200],
        "person_tax_id": identity.person_nif,
        "person_name": identity.person_name[:200],
        "subject": opened.subject,
        "issuer": opened.issuer,
        "serial_number": opened.serial_number[:64],
        "fingerprint": opened.fingerprint,
        "not_before": opened.not_before,
        "not_after": opened.not_after,
        "certificate_pem": opened.certificate_pem().decode("ascii"),
        "private_key_encrypted": token,
    }
    certificate, _created = AccountCertificate.objects.select_for_update().update_or_create(
        account=account, defaults=fields
    )
    return certificate


def certificate_delete(*, account: Account) -> None:
    """Removes the account's certificate (AccountCertificate.DoesNotExist if none)."""
    deleted, _ = AccountCertificate.objects.filter(account=account).delete()
    if not deleted:
        raise AccountCertificate.DoesNotExist


def certificate_get(*, account: Account) -> AccountCertificate:
    return AccountCertificate.objects.get(account=account)


def stored_certificates_exist() -> bool:
    """(For the start-up check; False when the table does not exist yet.)"""
    from django.db import DatabaseError

    try:
        return AccountCertificate.objects.exists()
    except DatabaseError:
        return False


def certificate_rotate_keys() -> int:
    """Re-encrypts every stored private key under the first CERTIFICATE_ENCRYPTION_KEY;
    the older keys can be removed from the environment afterwards."""
    count = 0
    with transaction.atomic():
        for certificate in AccountCertificate.objects.select_for_update().only(
            "pk", "private_key_encrypted"
        ):
            certificate.private_key_encrypted = crypto.rotate(certificate.private_key_encrypted)
            certificate.save(update_fields=["private_key_encrypted"])
            count += 1
    return count


# -- for the sender -----------------------------------------------------------------------


def _account_credentials(certificate: AccountCertificate) -> Credentials:
    return Credentials(
        certificate_pem=certificate.certificate_pem.encode("ascii"),
        private_key_pem=crypto.decrypt(certificate.private_key_encrypted),
        holder_name=certificate.holder_name,
        holder_nif=certificate.tax_id,
        kind=certificate.kind,
        representative=(
            (certificate.holder_name, certificate.tax_id) if certificate.representative else None
        ),
        source=ACCOUNT,
        not_after=certificate.not_after,
        fingerprint=certificate.fingerprint,
    )


_service_lock = threading.Lock()
_service_cache: dict[tuple[str, str, str], Credentials] = {}


def _service_source() -> tuple[str, bytes] | None:
    path = getattr(settings, "AEAT_CERTIFICATE_FILE", "")
    encoded = getattr(settings, "AEAT_CERTIFICATE_BASE64", "")
    if path and encoded:
        raise ImproperlyConfigured(SERVICE_TWO_SOURCES)
    if path:
        try:
            return "AEAT_CERTIFICATE_FILE", Path(path).read_bytes()
        except OSError as error:
            raise ImproperlyConfigured(SERVICE_UNREADABLE.format(
                source="AEAT_CERTIFICATE_FILE", problem=error.strerror)) from error
    if encoded:
        try:
            return "AEAT_CERTIFICATE_BASE64", base64.b64decode(
                "".join(encoded.split()), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ImproperlyConfigured(SERVICE_UNREADABLE.format(
                source="AEAT_CERTIFICATE_BASE64", problem="not base64")) from error
    return None


def service_credentials() -> Credentials | None:
    """The service-wide certificate from the settings, presenting as the taxpayers'
    representative; None when none is configured. A configured one that cannot be opened is
    ImproperlyConfigured: an operator's mistake, said loudly."""
    source = _service_source()
    if source is None:
        return None
    name, data = source
    password = getattr(settings, "AEAT_CERTIFICATE_PASSWORD", "")
    key = (name, pkcs12.sha256(data), pkcs12.sha256(password.encode()))
    with _service_lock:
        cached = _service_cache.get(key)
        if cached is not None:
            return cached
        try:
            opened = pkcs12.open_pkcs12(data, password)
        except pkcs12.BundleError as error:
            problem = f"{error.field} {error.message}"
            raise ImproperlyConfigured(SERVICE_UNREADABLE.format(source=name, problem=problem)
                                       ) from error
        identity = opened.identity
        credentials = Credentials(
            certificate_pem=opened.certificate_pem(),
            private_key_pem=opened.private_key_pem(),
            holder_name=identity.name,
            holder_nif=identity.nif,
            kind=identity.kind,
            representative=(identity.name, identity.nif),
            source=SERVICE,
            not_after=opened.not_after,
            fingerprint=opened.fingerprint,
        )
        _service_cache.clear()
        _service_cache[key] = credentials
        return credentials


def credentials_for(account: Account) -> Credentials | None:
    """The certificate the account's records are sent with: its own (even expired: the
    taxpayer chose who presents, and must renew it; the sender can tell with
    `credentials.expired(now)`), else the service-wide one presenting as representative,
    else None (records stay pending: "no AEAT certificate configured").

    Raises ImproperlyConfigured when a stored key cannot be decrypted (no or wrong
    CERTIFICATE_ENCRYPTION_KEY) or the service's certificate cannot be opened."""
    certificate = AccountCertificate.objects.filter(account=account).first()
    if certificate is not None:
        return _account_credentials(certificate)
    return service_credentials()
