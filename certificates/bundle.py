"""A PKCS#12 file opened and read the way the AEAT reads a Spanish qualified certificate.

No Django here: the rules are plain functions over `cryptography` objects, testable alone.

Spanish qualified certificates (ETSI EN 319 412-1/-2/-3, FNMT, ACCV, Camerfirma…) carry:
- the natural person's NIF in the subject's `serialNumber`, as `IDCES-12345678Z` (older
  ones: bare `12345678Z`; `PNOES-`/`TINES-` are the other ETSI semantics identifiers);
- a legal person's NIF in `organizationIdentifier` (OID 2.5.4.97), as `VATES-B12345674`.

So: a natural-person certificate has only the first; a legal-entity representative's
certificate (FNMT "representante de persona jurídica") has both, the person acting for
the entity; an entity seal (sello de entidad) has only the entity. The NIF the certificate
presents for at the AEAT is the entity's when there is one, else the person's.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from stdnum.es import nif as spanish_nif

NATURAL_PERSON = "natural_person"
ENTITY_REPRESENTATIVE = "legal_entity_representative"
ENTITY_SEAL = "entity_seal"
KINDS = (NATURAL_PERSON, ENTITY_REPRESENTATIVE, ENTITY_SEAL)

ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")
# ETSI EN 319 411-2 policies for EU qualified certificates issued to legal persons (seals).
LEGAL_PERSON_POLICIES = frozenset({
    ObjectIdentifier("0.4.0.194112.1.1"),  # QCP-l
    ObjectIdentifier("0.4.0.194112.1.3"),  # QCP-l-qscd
})
PERSON_PREFIXES = ("IDCES-", "PNOES-", "TINES-")
ENTITY_PREFIXES = ("VATES-", "NTRES-")

NOT_PKCS12 = "is not a PKCS#12 file (.p12 or .pfx)"
WRONG_PASSWORD = "does not open this PKCS#12 file"  # noqa: S105 (a message)
NO_PRIVATE_KEY = "has no private key: export the certificate together with its private key"
NO_CERTIFICATE = "has no certificate"
KEY_MISMATCH = "holds a private key that does not belong to its certificate"
UNSUPPORTED_KEY = "holds a key type the AEAT does not accept (RSA or EC only)"
NOT_FOR_CLIENTS = "cannot authenticate a TLS client (its extended key usage lacks clientAuth)"
EXPIRED = "expired on {date}"
NOT_YET_VALID = "is not valid until {date}"
NO_NIF = (
    "carries no Spanish NIF (neither the subject's serialNumber, e.g. IDCES-12345678Z, "
    "nor its organizationIdentifier, e.g. VATES-B12345674)"
)


class BundleError(ValueError):
    """A PKCS#12 file refused; `field` is the upload's parameter it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Identity:
    """Who a certificate is, as the AEAT sees it."""

    kind: str  # one of KINDS
    nif: str  # the NIF it presents for: the entity's, else the person's
    name: str  # the entity's name, else the person's ("SURNAMES GIVEN NAME" when known)
    person_nif: str  # the natural person's NIF ("" for a seal)
    person_name: str  # the natural person's name ("" for a seal)


@dataclass(frozen=True)
class Bundle:
    """An opened PKCS#12: the certificate, its chain and the private key, in memory."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    identity: Identity

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def issuer(self) -> str:
        return self.certificate.issuer.rfc4514_string()

    @property
    def serial_number(self) -> str:
        return format(self.certificate.serial_number, "X")

    @property
    def not_before(self) -> datetime.datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after_utc

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate's DER, hex."""
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()

    def certificate_pem(self) -> bytes:
        """The certificate, then its chain (what a TLS client presents)."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for c in (self.certificate, *self.chain))

    def private_key_pem(self) -> bytes:
        """The private key, unencrypted PKCS#8: for memory only (encrypt before storing)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


# -- opening ----------------------------------------------------------------------------


def _der_header(data: bytes, offset: int) -> tuple[int, int, int] | None:
    """(tag, content offset, content length) of the DER element at `offset`."""
    if offset + 2 > len(data):
        return None
    tag, first = data[offset], data[offset + 1]
    offset += 2
    if first < 0x80:
        return tag, offset, first
    count = first & 0x7F
    if count == 0 or count > 4 or offset + count > len(data):
        return None
    return tag, offset + count, int.from_bytes(data[offset:offset + count], "big")


def looks_like_pkcs12(data: bytes) -> bool:
    """PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, … } (RFC 7292): enough
    to tell a wrong password from a file that is not PKCS#12 at all."""
    outer = _der_header(data, 0)
    if outer is None or outer[0] != 0x30:
        return False
    version = _der_header(data, outer[1])
    if version is None or version[0] != 0x02 or version[2] != 1:
        return False
    if data[version[1]] != 3:
        return False
    auth_safe = _der_header(data, version[1] + 1)
    return auth_safe is not None and auth_safe[0] == 0x30


def open_pkcs12(data: bytes, password: str) -> Bundle:
    """The certificate, chain and key of a PKCS#12 file, or BundleError naming the field."""
    if not data or not looks_like_pkcs12(data):
        raise BundleError("certificate", NOT_PKCS12)
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None
        )
    except ValueError as error:
        raise BundleError("password", WRONG_PASSWORD) from error
    except Exception as error:  # an algorithm OpenSSL refuses, a malformed inner structure
        raise BundleError("certificate", NOT_PKCS12) from error
    if key is None:
        raise BundleError("certificate", NO_PRIVATE_KEY)
    if certificate is None:
        raise BundleError("certificate", NO_CERTIFICATE)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise BundleError("certificate", UNSUPPORTED_KEY)
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise BundleError("certificate", KEY_MISMATCH)
    return Bundle(certificate=certificate, chain=tuple(chain), private_key=key,
                  identity=identity_of(certificate))


def check_usable(bundle: Bundle, *, now: datetime.datetime) -> None:
    """Refuses a certificate the AEAT's TLS endpoint would refuse."""
    if now < bundle.not_before:
        raise BundleError("certificate", NOT_YET_VALID.format(date=bundle.not_before.date()))
    if now > bundle.not_after:
        raise BundleError("certificate", EXPIRED.format(date=bundle.not_after.date()))
    try:
        usage = bundle.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return
    if not ({ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
            & set(usage.value)):
        raise BundleError("certificate", NOT_FOR_CLIENTS)


# -- identity ---------------------------------------------------------------------------


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value).strip() if values else ""


def _nif(value: str, prefixes: tuple[str, ...]) -> str:
    """The NIF in an ETSI semantics identifier (`IDCES-12345678Z`) or a bare NIF."""
    value = value.strip().upper()
    for prefix in prefixes:
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    else:
        if "-" in value:
            return ""
    value = spanish_nif.compact(value)
    return value if spanish_nif.is_valid(value) else ""


def _is_legal_person_policy(certificate: x509.Certificate) -> bool:
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return False
    return any(p.policy_identifier in LEGAL_PERSON_POLICIES for p in policies.value)


def identity_of(certificate: x509.Certificate) -> Identity:
    subject = certificate.subject
    person_nif = _nif(_attribute(subject, NameOID.SERIAL_NUMBER), PERSON_PREFIXES)
    entity_nif = _nif(_attribute(subject, ORGANIZATION_IDENTIFIER), ENTITY_PREFIXES)
    common_name = _attribute(subject, NameOID.COMMON_NAME)
    surname = _attribute(subject, NameOID.SURNAME)
    given = _attribute(subject, NameOID.GIVEN_NAME)
    person_name = " ".join(part for part in (surname, given) if part) or common_name
    if entity_nif:
        seal = not person_nif or _is_legal_person_policy(certificate)
        return Identity(
            kind=ENTITY_SEAL if seal else ENTITY_REPRESENTATIVE,
            nif=entity_nif,
            name=_attribute(subject, NameOID.ORGANIZATION_NAME) or common_name,
            person_nif="" if seal else person_nif,
            person_name="" if seal else person_name,
        )
    if not person_nif:
        raise BundleError("certificate", NO_NIF)
    return Identity(kind=NATURAL_PERSON, nif=person_nif, name=person_name,
                    person_nif=person_nif, person_name=person_name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
