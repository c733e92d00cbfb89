"""The FacturaE mapping's rules, one by one (facturae.services, facturae.arithmetic,
facturae.signing): the choices docs/api.md documents."""

import pytest
from lxml import etree

from facturae import schema, services, signing
from facturae.arithmetic import check_arithmetic
from tests.facturae.conftest import valid_document
from tests.pki import CertificateAuthority


@pytest.mark.parametrize(("tax_id", "country", "expected"), [
    ("12345678Z", "ES", "F"),  # DNI
    ("X1234567L", "ES", "F"),  # NIE
    ("K1234567L", "ES", "F"),  # a NIF of a person without DNI
    ("B12345674", "ES", "J"),  # a company's CIF
    ("ESB12345674", "ES", "J"),
    ("P2807900B", "ES", "J"),  # a town hall
    ("40303265045", "FR", "J"),  # abroad: a business
    ("123456789", "US", "J"),
])
def test_person_type_follows_the_shape_of_a_spanish_nif_and_is_j_abroad(
        tax_id, country, expected):
    assert services.person_type(tax_id, country) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("Ana García López", ("Ana", "García", "López")),
    ("María José García López", ("María José", "García", "López")),
    ("Ana García", ("Ana", "García", "")),
    ("GARCÍA LÓPEZ, ANA", ("ANA", "GARCÍA", "LÓPEZ")),
    ("Cher", ("Cher", "", "")),
])
def test_a_persons_name_splits_into_name_and_surnames(name, expected):
    assert services.split_name(name) == expected


@pytest.mark.parametrize(("number", "series", "expected"), [
    ("2026/0007", "", ("2026/0007", "")),
    ("R2026/0007", "R", ("2026/0007", "R")),
    ("F4-2026", "A", ("F4-2026", "A")),  # a number of its own, not in its series' pattern
    ("R", "R", ("R", "R")),
])
def test_the_series_travels_apart_from_the_number(number, series, expected):
    assert services.split_number(number, series) == expected


@pytest.mark.parametrize(("invoice_type", "reason", "code"), [
    ("R1", "Error en el precio", "16"),
    ("R1", "Devolución de envases retornables", "82"),
    ("R1", "Bonificación por volumen", "83"),
    ("R1", "Descuento por pronto pago", "83"),
    ("R1", "Sentencia firme del juzgado", "84"),
    ("R1", "Tipo impositivo erróneo", "11"),
    ("R4", "Datos del destinatario", "10"),
    ("R2", "Auto de declaración de concurso", "85"),
    ("R3", "Crédito incobrable, con descuento", "85"),  # the type decides for R2 and R3
    ("R5", "Error en ticket", "16"),
])
def test_the_reason_code_comes_from_the_type_and_the_words_of_the_reason(
        invoice_type, reason, code):
    assert services.reason_code(invoice_type, reason) == code


def test_every_reason_and_method_description_is_the_schemas_own_text():
    assert set(services.REASONS.values()) <= schema.enumeration("ReasonDescriptionType")
    assert {description for _code, description in services.METHODS.values()} <= (
        schema.enumeration("CorrectionMethodDescriptionType"))
    assert set(services.REASONS) <= schema.enumeration("ReasonCodeType")


def test_every_treatment_text_fits_a_legal_literal():
    assert all(len(text) <= 250 for text in services.TREATMENT_TEXTS.values())


def test_province_names_fit_facturae():
    assert len(services.PROVINCES) == 52
    assert all(len(name) <= 20 for name in services.PROVINCES.values())


@pytest.fixture(scope="module")
def sample() -> bytes:
    """A hand-written document that adds up (the reference's worked example)."""
    return SAMPLE.encode()


def test_the_arithmetic_check_passes_a_document_that_adds_up(sample):
    valid_document(sample)


@pytest.mark.parametrize(("change", "problem"), [
    ("<InvoiceTotal>111.20<", "<InvoiceTotal>111.21<"),
    ("<TotalTaxOutputs>26.20<", "<TotalTaxOutputs>21.00<"),
    ("<GrossAmount>100.00<", "<GrossAmount>100.01<"),
    ("<TotalCost>100.00<", "<TotalCost>100.0<"),
])
def test_the_arithmetic_check_catches_what_does_not_add_up(sample, change, problem):
    root = etree.fromstring(sample.replace(change.encode(), problem.encode(), 1))

    assert check_arithmetic(root) != []


def test_a_chain_is_complete_when_it_reaches_a_self_signed_root():
    root = CertificateAuthority("Root")
    leaf = root.issue_natural_person()

    assert signing.missing_issuer((leaf.certificate, root.certificate)) is None
    assert signing.missing_issuer((leaf.certificate,)) == root.certificate.subject


SAMPLE = """<fe:Facturae xmlns:fe="http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml">
<FileHeader><SchemaVersion>3.2.2</SchemaVersion><Modality>I</Modality>
<InvoiceIssuerType>EM</InvoiceIssuerType><Batch><BatchIdentifier>B123456740001</BatchIdentifier>
<InvoicesCount>1</InvoicesCount><TotalInvoicesAmount><TotalAmount>111.20</TotalAmount>
</TotalInvoicesAmount><TotalOutstandingAmount><TotalAmount>111.20</TotalAmount>
</TotalOutstandingAmount><TotalExecutableAmount><TotalAmount>111.20</TotalAmount>
</TotalExecutableAmount><InvoiceCurrencyCode>EUR</InvoiceCurrencyCode></Batch></FileHeader>
<Parties><SellerParty><TaxIdentification><PersonTypeCode>J</PersonTypeCode>
<ResidenceTypeCode>R</ResidenceTypeCode><TaxIdentificationNumber>B12345674</TaxIdentificationNumber>
</TaxIdentification><LegalEntity><CorporateName>EMISOR SL</CorporateName><AddressInSpain>
<Address>Calle Mayor 1</Address><PostCode>28013</PostCode><Town>Madrid</Town>
<Province>Madrid</Province><CountryCode>ESP</CountryCode></AddressInSpain></LegalEntity>
</SellerParty><BuyerParty><TaxIdentification><PersonTypeCode>J</PersonTypeCode>
<ResidenceTypeCode>R</ResidenceTypeCode><TaxIdentificationNumber>B87654323</TaxIdentificationNumber>
</TaxIdentification><LegalEntity><CorporateName>CLIENTE SL</CorporateName><AddressInSpain>
<Address>Calle Mayor 2</Address><PostCode>28013</PostCode><Town>Madrid</Town>
<Province>Madrid</Province><CountryCode>ESP</CountryCode></AddressInSpain></LegalEntity>
</BuyerParty></Parties>
<Invoices><Invoice><InvoiceHeader><InvoiceNumber>0001</InvoiceNumber>
<InvoiceDocumentType>FC</InvoiceDocumentType><InvoiceClass>OO</InvoiceClass></InvoiceHeader>
<InvoiceIssueData><IssueDate>2027-01-04</IssueDate><InvoiceCurrencyCode>EUR</InvoiceCurrencyCode>
<TaxCurrencyCode>EUR</TaxCurrencyCode><LanguageName>es</LanguageName></InvoiceIssueData>
<TaxesOutputs><Tax><TaxTypeCode>01</TaxTypeCode><TaxRate>21.00</TaxRate><TaxableBase>
<TotalAmount>100.00</TotalAmount></TaxableBase><TaxAmount><TotalAmount>21.00</TotalAmount>
</TaxAmount><EquivalenceSurcharge>5.20</EquivalenceSurcharge><EquivalenceSurchargeAmount>
<TotalAmount>5.20</TotalAmount></EquivalenceSurchargeAmount></Tax></TaxesOutputs>
<TaxesWithheld><Tax><TaxTypeCode>04</TaxTypeCode><TaxRate>15.00</TaxRate><TaxableBase>
<TotalAmount>100.00</TotalAmount></TaxableBase><TaxAmount><TotalAmount>15.00</TotalAmount>
</TaxAmount></Tax></TaxesWithheld>
<InvoiceTotals><TotalGrossAmount>100.00</TotalGrossAmount>
<TotalGrossAmountBeforeTaxes>100.00</TotalGrossAmountBeforeTaxes>
<TotalTaxOutputs>26.20</TotalTaxOutputs><TotalTaxesWithheld>15.00</TotalTaxesWithheld>
<InvoiceTotal>111.20</InvoiceTotal><TotalOutstandingAmount>111.20</TotalOutstandingAmount>
<TotalExecutableAmount>111.20</TotalExecutableAmount></InvoiceTotals>
<Items><InvoiceLine><ItemDescription>Servicio</ItemDescription><Quantity>1.0</Quantity>
<UnitPriceWithoutTax>100.00</UnitPriceWithoutTax><TotalCost>100.00</TotalCost>
<GrossAmount>100.00</GrossAmount><TaxesOutputs><Tax><TaxTypeCode>01</TaxTypeCode>
<TaxRate>21.00</TaxRate><TaxableBase><TotalAmount>100.00</TotalAmount></TaxableBase>
<TaxAmount><TotalAmount>21.00</TotalAmount></TaxAmount></Tax></TaxesOutputs></InvoiceLine>
</Items></Invoice></Invoices></fe:Facturae>"""
