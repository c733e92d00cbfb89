"""XAdES-EPES signatures of FacturaE documents under the FacturaE signing policy v3.1, made
with signxml (`signxml.xades.XAdESSigner`), the maintained XML-DSig/XAdES library for Python
built on `cryptography` and lxml, which this project already uses.

What FACe and @firma (the government's validator behind it) expect, and what is done here:
- an enveloped signature over the whole document (`URI=""` + the enveloped transform), as
  the last child of `Facturae`, plus signed references to `SignedProperties` and `KeyInfo`;
- `SignaturePolicyIdentifier` = the FacturaE policy v3.1 (its URL, description and SHA-1
  hash), `SigningTime`, `SignerRole/ClaimedRole` = "emisor" (the issuer signs) and a
  `DataObjectFormat` for the document (text/xml);
- `SigningCertificate`, the XAdES 1.3.2 element the policy names. signxml writes the newer
  `SigningCertificateV2` (or, with `use_deprecated_legacy_signing_certificate`, both V2 and
  one legacy element per certificate, with an issuer name that needs an OU): validators of
  the 2010 policy look for the legacy element alone, which is what OCA's and
  Facturae-PHP's signatures carry, so `add_signing_certificate` writes exactly that;
- the **full certificate chain** in `KeyInfo/X509Data` (FACe answers 428 "firma
  incorrecta" without it), and the public key in `KeyValue`;
- RSA-SHA256 (ECDSA-SHA256 for an EC key) with SHA-256 digests, and inclusive C14N 1.0:
  what @firma accepts from every Spanish CA (Facturae-PHP's SHA-512 is refused with some
  2023 ACCV certificates, and OCA's SHA-1 is deprecated).
"""

from __future__ import annotations

import datetime
from base64 import b64encode
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from lxml.etree import SubElement
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.util import ds_tag, xades_tag
from signxml.xades import (
    XAdESDataObjectFormat,
    XAdESSignaturePolicy,
    XAdESSigner,
    XAdESVerifier,
)

POLICY = XAdESSignaturePolicy(
    Identifier=(
        "http://www.facturae.es/politica_de_firma_formato_facturae/"
        "politica_de_firma_formato_facturae_v3_1.pdf"
    ),
    Description="Política de Firma FacturaE v3.1",
    DigestMethod=DigestAlgorithm.SHA1,  # the policy document's published hash is SHA-1
    DigestValue="Ohixl6upD6av8N7pEvDABhEL6hM=",
)
ROLE_ISSUER = "emisor"
DATA_OBJECT_FORMAT = XAdESDataObjectFormat(Description="Factura electrónica",
                                           MimeType="text/xml")
C14N = CanonicalizationMethod.CANONICAL_XML_1_0
DIGEST = DigestAlgorithm.SHA256


class SigningError(ValueError):
    """The key material cannot sign (an unsupported key type, a key and certificate that do
    not match)."""


@dataclass(frozen=True)
class KeyMaterial:
    """A private key and its certificate chain, leaf first."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]

    @classmethod
    def from_pem(cls, *, private_key_pem: bytes, certificates_pem: bytes) -> KeyMaterial:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningError("only RSA and EC keys can sign a FacturaE document")
        chain = tuple(x509.load_pem_x509_certificates(certificates_pem))
        if not chain or chain[0].public_key().public_numbers() != key.public_key().public_numbers():
            raise SigningError("the certificate does not belong to the private key")
        return cls(key=key, chain=chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]


def missing_issuer(chain: tuple[x509.Certificate, ...]) -> x509.Name | None:
    """The first issuer the chain does not carry on its way from the leaf to a self-signed
    root (None when the chain is complete)."""
    by_subject = {certificate.subject: certificate for certificate in chain}
    current = chain[0]
    for _ in range(len(chain)):
        if current.issuer == current.subject:
            return None
        issuer = by_subject.get(current.issuer)
        if issuer is None:
            return current.issuer
        current = issuer
    return current.issuer  # a loop that never reaches a root


class FacturaeSigner(XAdESSigner):
    """signxml's XAdES signer, configured for the FacturaE policy (see the module's doc)."""

    def __init__(self, key, *, signing_time: datetime.datetime) -> None:
        algorithm = (SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey)
                     else SignatureMethod.RSA_SHA256)
        super().__init__(
            signature_policy=POLICY,
            claimed_roles=[ROLE_ISSUER],
            data_object_format=DATA_OBJECT_FORMAT,
            signature_algorithm=algorithm,
            digest_algorithm=DIGEST,
            c14n_algorithm=C14N,
        )
        self.signing_time = signing_time

    def add_signing_time(self, signed_signature_properties, sig_root, signing_settings):
        element = SubElement(signed_signature_properties, xades_tag("SigningTime"),
                             nsmap=self.namespaces)
        element.text = self.signing_time.isoformat(timespec="seconds")

    def add_signing_certificate(self, signed_signature_properties, sig_root, signing_settings):
        """The XAdES 1.3.2 `SigningCertificate` of the signing certificate (see the module's
        doc): its digest, issuer name (RFC 4514) and serial number."""
        certificate = signing_settings.cert_chain[0]
        signing_certificate = SubElement(signed_signature_properties,
                                         xades_tag("SigningCertificate"), nsmap=self.namespaces)
        cert = SubElement(signing_certificate, xades_tag("Cert"), nsmap=self.namespaces)
        cert_digest = SubElement(cert, xades_tag("CertDigest"), nsmap=self.namespaces)
        SubElement(cert_digest, ds_tag("DigestMethod"), nsmap=self.namespaces,
                   Algorithm=DIGEST.value)
        digest = SubElement(cert_digest, ds_tag("DigestValue"), nsmap=self.namespaces)
        digest.text = b64encode(
            self._get_digest(certificate.public_bytes(Encoding.DER), algorithm=DIGEST)
        ).decode()
        issuer_serial = SubElement(cert, xades_tag("IssuerSerial"), nsmap=self.namespaces)
        issuer_name = SubElement(issuer_serial, ds_tag("X509IssuerName"), nsmap=self.namespaces)
        issuer_name.text = certificate.issuer.rfc4514_string()
        serial = SubElement(issuer_serial, ds_tag("X509SerialNumber"), nsmap=self.namespaces)
        serial.text = str(certificate.serial_number)


def sign(document: etree._Element, material: KeyMaterial, *,
         signing_time: datetime.datetime) -> etree._Element:
    """`document` (a `Facturae` root) signed: a new tree whose last child is `ds:Signature`."""
    signer = FacturaeSigner(material.key, signing_time=signing_time)
    return signer.sign(document, key=material.key, cert=list(material.chain))


def verify(signed: bytes, *, ca_pem_file: str, at: datetime.datetime | None = None) -> bytes:
    """Checks a signed FacturaE document as a relying party would (the XAdES structure, the
    FacturaE policy, the signature, and the chain in KeyInfo up to a CA of `ca_pem_file`);
    returns the signed document's canonical bytes. Raises signxml's InvalidSignature,
    InvalidDigest, InvalidCertificate or InvalidInput otherwise."""
    from signxml.xades.xades import XAdESSignatureConfiguration

    config = XAdESSignatureConfiguration(verification_time=at) if at else None
    options = {"expect_config": config} if config else {}
    results = XAdESVerifier().verify(
        signed, ca_pem_file=ca_pem_file, expect_signature_policy=POLICY, **options
    )
    return etree.tostring(results[0].signed_xml)
