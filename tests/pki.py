"""A throw-away public-key infrastructure for the tests, made with `cryptography`: a CA,
TLS server certificates, and client certificates shaped like Spanish qualified ones
(natural person, legal-entity representative, entity seal), also as PKCS#12 files.

    ca = CertificateAuthority("Test CA")
    server = ca.issue_server("127.0.0.1", "localhost")
    alice = ca.issue_natural_person(nif="12345678Z", given_name="ALICIA", surname="GARCÍA")
    alice.pkcs12("secret")           # bytes of a .p12, as a taxpayer exports it
    alice.write_pem(tmp_path)        # (cert_path, key_path)

Keys are EC P-256 by default (fast); `key="rsa"` gives RSA-2048, as most Spanish
certificates are.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")
QCP_NATURAL = ObjectIdentifier("0.4.0.194112.1.0")
QCP_LEGAL = ObjectIdentifier("0.4.0.194112.1.1")
# What a Spanish qualified certificate allows (FNMT's: digitalSignature, nonRepudiation,
# keyEncipherment): TLS client authentication and signing documents (FacturaE, XAdES).
SIGNING_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=True,
    data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
    encipher_only=False, decipher_only=False,
)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_key(kind: str = "ec"):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class Issued:
    """A certificate, its key and the CA that issued it."""

    certificate: x509.Certificate
    key: object
    ca: CertificateAuthority | None = None

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def key_der(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def pkcs12(self, password: str | None, *, with_key: bool = True, legacy: bool = False,
               with_chain: bool = True) -> bytes:
        """A .p12 as a browser or Windows exports it (`legacy`: 3DES + SHA-1, the format of
        older Windows and FNMT exports)."""
        if password is None:
            encryption = serialization.NoEncryption()
        elif legacy:
            encryption = (
                serialization.PrivateFormat.PKCS12.encryption_builder()
                .kdf_rounds(2048)
                .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
                .hmac_hash(hashes.SHA1())  # noqa: S303 (the legacy format on purpose)
                .build(password.encode())
            )
        else:
            encryption = serialization.BestAvailableEncryption(password.encode())
        chain = [self.ca.certificate] if (self.ca and with_chain) else None
        return pkcs12.serialize_key_and_certificates(
            b"facturagem-test", self.key if with_key else None, self.certificate, chain,
            encryption,
        )

    def write_pem(self, directory: Path, name: str = "cert") -> tuple[Path, Path]:
        cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
        cert_path.write_bytes(self.certificate_pem())
        key_path.write_bytes(self.key_pem())
        key_path.chmod(0o600)
        return cert_path, key_path


class CertificateAuthority:
    def __init__(self, name: str = "FACTURAgem Test CA", *, key: str = "ec") -> None:
        self.key = new_key(key)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FACTURAgem tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now() - datetime.timedelta(days=1))
            .not_valid_after(now() + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def write_pem(self, directory: Path, name: str = "ca") -> Path:
        path = directory / f"{name}.pem"
        path.write_bytes(self.certificate_pem())
        return path

    def issue(
        self,
        subject: x509.Name,
        *,
        key: str = "ec",
        usages: tuple[ObjectIdentifier, ...] = (ExtendedKeyUsageOID.CLIENT_AUTH,),
        sans: list[x509.GeneralName] | None = None,
        policies: tuple[ObjectIdentifier, ...] = (),
        key_usage: x509.KeyUsage | None = None,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> Issued:
        private_key = new_key(key)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.certificate.subject)
            .public_key(private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now() - datetime.timedelta(days=1))
            .not_valid_after(not_after or now() + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
        )
        if usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        if key_usage is not None:
            builder = builder.add_extension(key_usage, critical=True)
        if policies:
            builder = builder.add_extension(x509.CertificatePolicies(
                [x509.PolicyInformation(oid, None) for oid in policies]), critical=False)
        return Issued(builder.sign(self.key, hashes.SHA256()), private_key, self)

    def issue_server(self, *hostnames: str) -> Issued:
        sans: list[x509.GeneralName] = []
        for host in hostnames or ("127.0.0.1", "localhost"):
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                sans.append(x509.DNSName(host))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0]
                                                if hostnames else "localhost")])
        return self.issue(subject, usages=(ExtendedKeyUsageOID.SERVER_AUTH,), sans=sans)

    # Spanish qualified certificates (FNMT-style subjects) -------------------------------

    def issue_natural_person(self, *, nif: str = "12345678Z", given_name: str = "ALICIA",
                             surname: str = "GARCÍA LÓPEZ", **options) -> Issued:
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCES-{nif}"),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {given_name} - {nif}"),
        ])
        options.setdefault("policies", (QCP_NATURAL,))
        options.setdefault("key_usage", SIGNING_KEY_USAGE)
        return self.issue(subject, **options)

    def issue_entity_representative(self, *, entity_nif: str = "B12345674",
                                    entity_name: str = "KOVACEK NIENOW SL",
                                    person_nif: str = "12345678Z", given_name: str = "ALICIA",
                                    surname: str = "GARCÍA LÓPEZ", **options) -> Issued:
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(ORGANIZATION_IDENTIFIER, f"VATES-{entity_nif}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, entity_name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCES-{person_nif}"),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.COMMON_NAME,
                               f"{person_nif} {given_name} {surname} (R: {entity_nif})"),
        ])
        options.setdefault("policies", (QCP_NATURAL,))
        options.setdefault("key_usage", SIGNING_KEY_USAGE)
        return self.issue(subject, **options)

    def issue_entity_seal(self, *, entity_nif: str = "B12345674",
                          entity_name: str = "KOVACEK NIENOW SL", **options) -> Issued:
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(ORGANIZATION_IDENTIFIER, f"VATES-{entity_nif}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, entity_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{entity_name} SELLO FACTURACION"),
        ])
        options.setdefault("policies", (QCP_LEGAL,))
        options.setdefault("key_usage", SIGNING_KEY_USAGE)
        return self.issue(subject, **options)
