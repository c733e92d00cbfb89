"""FacturaE test kit: an account with a Spanish address and an IBAN, its certificate from a
throw-away CA (tests/pki.py), and helpers that fetch a document and check it as FACe would
(the XSD, then the arithmetic)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from lxml import etree

from accounts.services import account_update
from certificates.services import certificate_upload
from facturae import schema
from facturae.arithmetic import check_arithmetic
from tests.pki import CertificateAuthority

D = Decimal
IBAN = "ES9121000418450200051332"
PASSWORD = "contraseña del p12"


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    return CertificateAuthority("AC FNMT Usuarios (FacturaE tests)", key="rsa")


@pytest.fixture(scope="session")
def ca_pem_file(ca, tmp_path_factory) -> str:
    return str(ca.write_pem(tmp_path_factory.mktemp("ca")))


@pytest.fixture(scope="session")
def alices_certificate(ca):
    """Kovacek Nienow SL's (B12345674) certificate, held by its administrator: RSA, as
    most Spanish qualified certificates are."""
    return ca.issue_entity_representative(entity_nif="B12345674", person_nif="00000000T",
                                          key="rsa")


@pytest.fixture
def seller(alice):
    """Alice's account with what a FacturaE seller needs: an address in Spain and an IBAN."""
    account_update(account=alice.account, data={
        "street1": "Calle de Alcalá 1", "postal_code": "28014", "city": "Madrid",
        "province": "Madrid", "iban": IBAN,
    })
    return alice


@pytest.fixture
def signer(seller, alices_certificate):
    """The seller, with its own certificate and the CA's chain uploaded."""
    certificate_upload(account=seller.account, data=alices_certificate.pkcs12(PASSWORD),
                       password=PASSWORD)
    return seller


def document_url(persona, invoice, suffix=".xml", account_id=None) -> str:
    account = account_id or persona.account.pk
    return f"/api/v1/accounts/{account}/invoices/{invoice.pk}/facturae{suffix}"


def fetch(api, persona, invoice, suffix=".xml", **extra):
    return api.get(document_url(persona, invoice, suffix), HTTP_X_API_KEY=persona.api_key,
                   **extra)


def valid_document(content: bytes) -> etree._Element:
    """The document, after checking it as FACe would: the XSD, then every sum."""
    root = etree.fromstring(content)
    schema.validate(root)
    assert check_arithmetic(root) == []
    return root


def text(root: etree._Element, path: str) -> str:
    element = root.find(path)
    assert element is not None, path
    return element.text


def totals(root: etree._Element) -> dict[str, str]:
    """The document's figures, named as the API names the invoice's."""
    base = "Invoices/Invoice/InvoiceTotals/"
    general = root.find(f"{base}TotalGeneralDiscounts")
    return {
        "subtotal": text(root, f"{base}TotalGrossAmount"),
        "discount": general.text if general is not None else "0.00",
        "tax_base": text(root, f"{base}TotalGrossAmountBeforeTaxes"),
        "iva+surcharge": text(root, f"{base}TotalTaxOutputs"),
        "irpf": text(root, f"{base}TotalTaxesWithheld"),
        "total": text(root, f"{base}InvoiceTotal"),
    }


def api_figures(api, persona, invoice) -> dict[str, str]:
    body = api.get(f"/api/v1/accounts/{persona.account.pk}/invoices/{invoice.pk}.json",
                   HTTP_X_API_KEY=persona.api_key).json()
    return {
        "subtotal": body["subtotal"], "discount": body["discount"], "tax_base": body["tax_base"],
        "iva+surcharge": f"{D(body['iva']) + D(body['surcharge']):.2f}",
        "irpf": body["irpf"], "total": body["total"],
    }


def today() -> datetime.date:
    return datetime.date.today()
