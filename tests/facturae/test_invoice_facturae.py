"""The invoice as a FacturaE 3.2.2 electronic invoice (CONTRACT §9):
GET /api/v1/accounts/:account_id/invoices/:id/facturae.xml (unsigned) and .xsig (signed
XAdES-EPES with the account's certificate). Every document made here is checked as FACe
would check it (the XSD, then every sum), and its totals against the API's figures."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature

from certificates.services import certificate_upload
from clients.services import client_update
from facturae import services, signing
from facturae.services import (
    CERTIFICATE_EXPIRED,
    CHAIN_INCOMPLETE,
    DIR3_MISSING,
    DRAFT,
    NO_CERTIFICATE,
    NO_RECIPIENT,
    POSTAL_CODE_INVALID,
    REASONS,
    REPRESENTATIVE_CERTIFICATE,
    TREATMENT_TEXTS,
)
from facturae.views import KEYS_UNAVAILABLE
from facturagem.api.exceptions import NOT_FOUND
from invoices.services import LineData, invoice_correct, invoice_create, invoice_void
from tests.factories import line, make_client, make_invoice
from tests.facturae.conftest import (
    IBAN,
    PASSWORD,
    D,
    api_figures,
    fetch,
    text,
    totals,
    valid_document,
)
from tests.pki import CertificateAuthority

INVOICE = "Invoices/Invoice/"
SELLER = "Parties/SellerParty/"
BUYER = "Parties/BuyerParty/"
XADES = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}


def document(api, persona, invoice, suffix=".xml") -> etree._Element:
    response = fetch(api, persona, invoice, suffix)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    root = valid_document(response.content)
    assert totals(root) == api_figures(api, persona, invoice)
    return root


def treated(description, treatment, unit_price="100", quantity="1") -> LineData:
    return LineData(description=description, quantity=D(quantity), unit_price=D(unit_price),
                    iva_percent=D("0"), treatment=treatment)


@pytest.fixture
def retailer_invoice(seller):
    """The worked example of the reference: 100.00 + IVA 21 % + recargo 5.2 % − IRPF 15 %."""
    client = make_client(seller.account, equivalence_surcharge=True)
    return make_invoice(seller.account, client, lines=[line("Servicio")], irpf_percent="15")


# -- the unsigned document ----------------------------------------------------------------------


def test_an_invoice_with_iva_recargo_and_irpf_adds_up_as_facturae_wants(
        api, seller, retailer_invoice):
    root = document(api, seller, retailer_invoice)

    assert totals(root) == {"subtotal": "100.00", "discount": "0.00", "tax_base": "100.00",
                            "iva+surcharge": "26.20", "irpf": "15.00", "total": "111.20"}
    tax = root.find(f"{INVOICE}TaxesOutputs/Tax")
    assert [tax.findtext(p) for p in ("TaxTypeCode", "TaxRate", "TaxableBase/TotalAmount",
                                      "TaxAmount/TotalAmount", "EquivalenceSurcharge",
                                      "EquivalenceSurchargeAmount/TotalAmount")] == [
        "01", "21.00", "100.00", "21.00", "5.20", "5.20"]
    withheld = root.find(f"{INVOICE}TaxesWithheld/Tax")
    assert [withheld.findtext(p) for p in ("TaxTypeCode", "TaxRate", "TaxAmount/TotalAmount")
            ] == ["04", "15.00", "15.00"]
    assert text(root, "FileHeader/Batch/TotalInvoicesAmount/TotalAmount") == "111.20"


def test_the_header_names_one_invoice_issued_by_its_seller(api, seller, retailer_invoice):
    root = document(api, seller, retailer_invoice)

    assert root.tag == "{http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml}Facturae"
    assert [text(root, f"FileHeader/{tag}") for tag in (
        "SchemaVersion", "Modality", "InvoiceIssuerType", "Batch/InvoicesCount")] == [
        "3.2.2", "I", "EM", "1"]
    number, year = retailer_invoice.number.split("/")[1], retailer_invoice.issue_date.year
    assert text(root, f"{INVOICE}InvoiceHeader/InvoiceNumber") == f"{year}/{number}"
    assert root.find(f"{INVOICE}InvoiceHeader/InvoiceSeriesCode") is None  # ordinary series
    assert [text(root, f"{INVOICE}InvoiceHeader/{tag}") for tag in (
        "InvoiceDocumentType", "InvoiceClass")] == ["FC", "OO"]
    assert text(root, f"{INVOICE}InvoiceIssueData/IssueDate") == (
        retailer_invoice.issue_date.isoformat())


def test_parties_carry_their_nif_person_type_residence_and_address_in_spain(
        api, seller, retailer_invoice):
    root = document(api, seller, retailer_invoice)

    assert [text(root, f"{SELLER}TaxIdentification/{tag}") for tag in (
        "PersonTypeCode", "ResidenceTypeCode", "TaxIdentificationNumber")] == [
        "J", "R", "B12345674"]
    assert text(root, f"{SELLER}LegalEntity/CorporateName") == "Kovacek Nienow SL"
    assert [text(root, f"{SELLER}LegalEntity/AddressInSpain/{tag}") for tag in (
        "Address", "PostCode", "Town", "Province", "CountryCode")] == [
        "Calle de Alcalá 1", "28014", "Madrid", "Madrid", "ESP"]
    assert text(root, f"{BUYER}TaxIdentification/TaxIdentificationNumber") == "B87654323"


def test_a_natural_person_is_an_individual_with_name_and_surnames(api, seller):
    client = make_client(seller.account, name="Ana María García López", tax_id="X1234567L",
                         province="")
    root = document(api, seller, make_invoice(seller.account, client))

    assert text(root, f"{BUYER}TaxIdentification/PersonTypeCode") == "F"
    assert [text(root, f"{BUYER}Individual/{tag}") for tag in (
        "Name", "FirstSurname", "SecondSurname")] == ["Ana María", "García", "López"]
    # A province left blank is read from the postal code (28… is Madrid).
    assert text(root, f"{BUYER}Individual/AddressInSpain/Province") == "Madrid"


def test_payment_details_carry_the_iban_and_the_due_date(api, seller):
    due = datetime.date.today() + datetime.timedelta(days=30)
    invoice = make_invoice(seller.account, due_date=due)
    installment = document(api, seller, invoice).find(f"{INVOICE}PaymentDetails/Installment")

    assert [installment.findtext(p) for p in (
        "InstallmentDueDate", "InstallmentAmount", "PaymentMeans", "AccountToBeCredited/IBAN")
    ] == [due.isoformat(), "121.00", "04", IBAN]


def test_discounts_of_lines_and_invoice_and_several_rates_add_up_to_the_cent(api, seller):
    invoice = make_invoice(seller.account, discount_percent="7.5", lines=[
        line("Tornillos", "3", "33.3333", discount_percent="12.5"),
        line("Pan", "7", "1.4999", iva_percent="10"),
        line("Libros", "1.5", "19.99", iva_percent="4"),
        line("Abono", "-1", "10.01"),
    ])
    root = document(api, seller, invoice)

    lines = root.findall(f"{INVOICE}Items/InvoiceLine")
    assert [ln.findtext("GrossAmount") for ln in lines] == ["87.50", "10.50", "29.99", "-10.01"]
    discount = lines[0].find("DiscountsAndRebates/Discount")
    assert [discount.findtext(p) for p in ("DiscountRate", "DiscountAmount")] == ["12.50", "12.50"]
    general = root.find(f"{INVOICE}InvoiceTotals/GeneralDiscounts/Discount")
    assert general.findtext("DiscountRate") == "7.50"
    assert [tax.findtext("TaxRate") for tax in root.iterfind(f"{INVOICE}TaxesOutputs/Tax")] == [
        "21.00", "10.00", "4.00"]


def test_exempt_and_not_subject_lines_say_why_and_reverse_charge_says_so(api, seller):
    invoice = make_invoice(seller.account, lines=[
        line("Consultoría"), treated("Formación reglada", "E1"),
        treated("Montaje en obra", "S2"), treated("Servicio fuera de España", "N1"),
    ])
    root = document(api, seller, invoice)

    lines = root.findall(f"{INVOICE}Items/InvoiceLine")
    events = [(ln.findtext("SpecialTaxableEvent/SpecialTaxableEventCode"),
               ln.findtext("SpecialTaxableEvent/SpecialTaxableEventReason")) for ln in lines]
    assert events == [(None, None), ("01", TREATMENT_TEXTS["E1"]), (None, None),
                      ("02", TREATMENT_TEXTS["N1"])]
    assert lines[2].findtext("AdditionalLineItemInformation") == TREATMENT_TEXTS["S2"]
    # The untaxed lines share the 0 % tax; the 21 % one is the taxed line's.
    taxes = [(t.findtext("TaxRate"), t.findtext("TaxableBase/TotalAmount"))
             for t in root.iterfind(f"{INVOICE}TaxesOutputs/Tax")]
    assert taxes == [("21.00", "100.00"), ("0.00", "300.00")]
    literals = [el.text for el in root.iterfind(f"{INVOICE}LegalLiterals/LegalReference")]
    assert literals[1:] == [TREATMENT_TEXTS["S2"], TREATMENT_TEXTS["E1"], TREATMENT_TEXTS["N1"]]


def test_an_eu_business_has_its_vat_number_with_prefix_residence_u_and_an_overseas_address(
        api, seller):
    client = make_client(seller.account, name="Société Générale de Test", tax_id="40303265045",
                         country="FR", street1="1 rue de la Paix", postal_code="75002",
                         city="Paris", province="")
    invoice = make_invoice(seller.account, client, lines=[treated("Licencia", "N2")])
    root = document(api, seller, invoice)

    assert [text(root, f"{BUYER}TaxIdentification/{tag}") for tag in (
        "PersonTypeCode", "ResidenceTypeCode", "TaxIdentificationNumber")] == [
        "J", "U", "FR40303265045"]
    # Intra-Community: both numbers with their country prefix (the schema's rule).
    assert text(root, f"{SELLER}TaxIdentification/TaxIdentificationNumber") == "ESB12345674"
    assert [text(root, f"{BUYER}LegalEntity/OverseasAddress/{tag}") for tag in (
        "Address", "PostCodeAndTown", "Province", "CountryCode")] == [
        "1 rue de la Paix", "75002 Paris", "Paris", "FRA"]


def test_a_business_outside_the_eu_is_residence_e_with_its_tax_id_as_given(api, seller):
    client = make_client(seller.account, name="Acme Inc.", tax_id="12-3456789", country="US",
                         street1="1 Main St", postal_code="10001", city="New York",
                         province="NY")
    invoice = make_invoice(seller.account, client, lines=[treated("Exportación", "E2")])
    root = document(api, seller, invoice)

    assert [text(root, f"{BUYER}TaxIdentification/{tag}") for tag in (
        "PersonTypeCode", "ResidenceTypeCode", "TaxIdentificationNumber")] == [
        "J", "E", "123456789"]
    assert text(root, f"{SELLER}TaxIdentification/TaxIdentificationNumber") == "B12345674"
    assert text(root, f"{BUYER}LegalEntity/OverseasAddress/CountryCode") == "USA"


def test_a_simplified_invoice_with_a_client_is_an_fa(api, seller):
    invoice = invoice_create(account=seller.account, client=make_client(seller.account),
                             lines=[line()], data={"simplified": True})
    root = document(api, seller, invoice)

    assert text(root, f"{INVOICE}InvoiceHeader/InvoiceDocumentType") == "FA"


def test_a_simplified_invoice_without_a_client_has_no_document(api, seller):
    invoice = invoice_create(account=seller.account, client=None, lines=[line()],
                             data={"simplified": True})
    response = fetch(api, seller, invoice)

    assert response.status_code == 422
    assert response.json()["errors"] == {"client_id": [NO_RECIPIENT]}


def test_the_verifactu_qr_address_is_a_legal_literal_of_its_own(api, seller, retailer_invoice):
    root = document(api, seller, retailer_invoice)
    qr_url = api.get(f"/api/v1/accounts/{seller.account.pk}/invoices/{retailer_invoice.pk}.json",
                     HTTP_X_API_KEY=seller.api_key).json()["verifactu"]["qr_url"]

    literals = [el.text for el in root.iterfind(f"{INVOICE}LegalLiterals/LegalReference")]
    assert literals[0] == qr_url
    assert "ValidarQR?nif=B12345674&numserie=" in qr_url


def test_notes_travel_as_additional_information(api, seller):
    invoice = make_invoice(seller.account, notes="Pedido 4711")
    root = document(api, seller, invoice)

    assert text(root, f"{INVOICE}AdditionalData/InvoiceAdditionalInformation") == "Pedido 4711"


def test_a_seller_without_a_spanish_postal_code_is_told_what_is_missing(api, alice):
    invoice = make_invoice(alice.account)  # Alice's account has no address at all
    response = fetch(api, alice, invoice)

    assert response.status_code == 422
    assert response.json()["errors"] == {"account_postal_code": [POSTAL_CODE_INVALID]}


# -- corrective invoices --------------------------------------------------------------------------


def test_a_reversal_by_differences_is_a_corrective_with_negative_amounts(api, seller,
                                                                       retailer_invoice):
    corrective = invoice_correct(invoice=retailer_invoice, reason="Devolución de la mercancía")
    root = document(api, seller, corrective)

    header = f"{INVOICE}InvoiceHeader/"
    assert text(root, f"{header}InvoiceClass") == "OR"
    assert text(root, f"{header}InvoiceSeriesCode") == "R"
    original_number = retailer_invoice.number
    block = root.find(f"{header}Corrective")
    month = retailer_invoice.issue_date.replace(day=1)
    assert [block.findtext(p) for p in (
        "InvoiceNumber", "ReasonCode", "ReasonDescription", "TaxPeriod/StartDate",
        "CorrectionMethod", "CorrectionMethodDescription", "AdditionalReasonDescription",
        "InvoiceIssueDate")] == [
        original_number, "16", "Base imponible", month.isoformat(), "02",
        "Rectificación por diferencias", "Devolución de la mercancía",
        retailer_invoice.issue_date.isoformat()]
    assert block.find("InvoiceSeriesCode") is None
    assert totals(root)["total"] == "-111.20"
    assert text(root, f"{INVOICE}Items/InvoiceLine/Quantity") == "-1.00"
    assert root.find(f"{INVOICE}PaymentDetails") is None  # nothing to pay into the IBAN


def test_a_substitution_for_concurso_is_method_01_reason_85(api, seller, retailer_invoice):
    corrective = invoice_correct(invoice=retailer_invoice, reason="Auto de concurso",
                                 correction_type="R2", method="substitution",
                                 lines=[line("Servicio", unit_price="80")])
    block = document(api, seller, corrective).find(f"{INVOICE}InvoiceHeader/Corrective")

    assert [block.findtext(p) for p in ("ReasonCode", "ReasonDescription", "CorrectionMethod",
                                         "CorrectionMethodDescription")] == [
        "85", REASONS["85"], "01", "Rectificación íntegra"]


def test_a_corrective_of_a_corrective_names_the_first_in_its_series(api, seller,
                                                                    retailer_invoice):
    first = invoice_correct(invoice=retailer_invoice, reason="Descuento por pronto pago",
                            lines=[line("Descuento", "-1", "10")])
    second = invoice_correct(invoice=first, reason="Error en el descuento", correction_type="R4")
    block = document(api, seller, second).find(f"{INVOICE}InvoiceHeader/Corrective")

    assert (block.findtext("InvoiceSeriesCode"), block.findtext("InvoiceNumber")) == (
        "R", first.number[1:])
    assert block.findtext("ReasonCode") == "83"  # "descuento" names art. 80.Uno.2.º


# -- public administrations (FACe) ------------------------------------------------------------


@pytest.fixture
def town_hall(seller):
    return make_client(seller.account, name="Ayuntamiento de Madrid", tax_id="P2807900B",
                       public_administration=True, dir3_accounting_office="L01280796",
                       dir3_managing_body="L01280796", dir3_processing_unit="LA0000001")


def test_a_public_administration_gets_its_three_dir3_centres(api, seller, town_hall):
    root = document(api, seller, make_invoice(seller.account, town_hall))

    centres = root.findall(f"{BUYER}AdministrativeCentres/AdministrativeCentre")
    assert [(c.findtext("CentreCode"), c.findtext("RoleTypeCode"),
             c.findtext("CentreDescription")) for c in centres] == [
        ("L01280796", "01", "Oficina contable"), ("L01280796", "02", "Órgano gestor"),
        ("LA0000001", "03", "Unidad tramitadora")]
    assert centres[0].findtext("AddressInSpain/PostCode") == "28013"


def test_a_public_administration_without_its_codes_is_told_which_are_missing(api, seller,
                                                                            town_hall):
    client_update(client=town_hall, data={"dir3_managing_body": "", "dir3_processing_unit": ""})
    response = fetch(api, seller, make_invoice(seller.account, town_hall))

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "dir3_managing_body": [DIR3_MISSING.format(unit="órgano gestor")],
        "dir3_processing_unit": [DIR3_MISSING.format(unit="unidad tramitadora")],
    }


def test_a_dir3_code_alone_makes_the_client_a_public_administration(api, seller):
    client = make_client(seller.account, dir3_accounting_office="L01280796")
    response = fetch(api, seller, make_invoice(seller.account, client))

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"dir3_managing_body", "dir3_processing_unit"}


# -- the lifecycle ------------------------------------------------------------------------------


def test_a_draft_has_no_document_signed_or_not(api, signer):
    draft = invoice_create(account=signer.account, client=make_client(signer.account),
                           lines=[line()], data={"draft": True})
    for suffix in (".xml", ".xsig"):
        response = fetch(api, signer, draft, suffix)
        assert response.status_code == 422
        assert response["Content-Type"] == "application/json"
        assert response.json()["errors"] == {"base": [DRAFT]}


def test_a_voided_invoice_keeps_both_documents(api, signer):
    invoice = make_invoice(signer.account)
    invoice_void(invoice=invoice, reason="Emitida por error")

    document(api, signer, invoice, ".xml")
    document(api, signer, invoice, ".xsig")


def test_issued_and_voided_invoices_link_their_documents_and_drafts_do_not(api, seller):
    issued = make_invoice(seller.account)
    draft = invoice_create(account=seller.account, client=make_client(seller.account),
                           lines=[line()], data={"draft": True})

    def links(invoice):
        body = api.get(f"/api/v1/accounts/{seller.account.pk}/invoices/{invoice.pk}.json",
                       HTTP_X_API_KEY=seller.api_key).json()
        return {link["rel"]: link["uri"] for link in body["links"]}

    assert links(issued)["facturae"].endswith(f"/invoices/{issued.url_id}/facturae.xml")
    assert links(issued)["facturae_signed"].endswith(f"/invoices/{issued.url_id}/facturae.xsig")
    assert "facturae" not in links(draft) and "facturae_signed" not in links(draft)


# -- the signed document ------------------------------------------------------------------------


def test_the_signed_document_verifies_against_its_ca(api, signer, retailer_invoice,
                                                     ca_pem_file):
    response = fetch(api, signer, retailer_invoice, ".xsig")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == (
        f'attachment; filename="facturae-{retailer_invoice.number.replace("/", "-")}.xsig"')
    valid_document(response.content)

    signed = signing.verify(response.content, ca_pem_file=ca_pem_file)
    assert b"<InvoiceTotal>111.20</InvoiceTotal>" in signed


def test_the_signed_document_is_the_unsigned_one_plus_its_signature(api, signer,
                                                                    retailer_invoice):
    unsigned = document(api, signer, retailer_invoice, ".xml")
    signed = document(api, signer, retailer_invoice, ".xsig")

    signature = signed[-1]
    assert signature.tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    signed.remove(signature)
    assert etree.tostring(signed, method="c14n") == etree.tostring(unsigned, method="c14n")


def test_the_signature_follows_the_facturae_policy_with_the_full_chain(
        api, signer, retailer_invoice, alices_certificate, ca):
    signature = document(api, signer, retailer_invoice, ".xsig")[-1]

    properties = signature.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties/"
                                "xades:SignedSignatureProperties", XADES)
    policy = properties.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", XADES)
    assert policy.findtext("xades:SigPolicyId/xades:Identifier", namespaces=XADES) == (
        signing.POLICY.Identifier)
    assert policy.findtext("xades:SigPolicyHash/ds:DigestValue", namespaces=XADES) == (
        "Ohixl6upD6av8N7pEvDABhEL6hM=")
    assert properties.findtext("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole",
                               namespaces=XADES) == "emisor"
    # The legacy SigningCertificate alone (not V2), naming the signing certificate.
    assert properties.find("xades:SigningCertificateV2", XADES) is None
    issuer_serial = properties.find("xades:SigningCertificate/xades:Cert/xades:IssuerSerial",
                                    XADES)
    assert issuer_serial.findtext("ds:X509SerialNumber", namespaces=XADES) == str(
        alices_certificate.certificate.serial_number)
    chain = [el.text for el in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                                                 XADES)]
    assert len(chain) == 2  # the certificate and its CA
    signed_time = properties.findtext("xades:SigningTime", namespaces=XADES)
    assert datetime.datetime.fromisoformat(signed_time).tzinfo is not None


@pytest.mark.parametrize("change", [
    (b"<ItemDescription>Servicio<", b"<ItemDescription>Servicjo<"),
    (b"<InvoiceTotal>111.20<", b"<InvoiceTotal>111.21<"),
    (b"<xades:ClaimedRole>emisor<", b"<xades:ClaimedRole>emisoR<"),
], ids=["a line", "the total", "a signed property"])
def test_a_changed_byte_makes_verification_fail(api, signer, retailer_invoice, ca_pem_file,
                                                change):
    signed = fetch(api, signer, retailer_invoice, ".xsig").content
    assert signed.count(change[0]) == 1
    with pytest.raises((InvalidDigest, InvalidSignature)):
        signing.verify(signed.replace(*change), ca_pem_file=ca_pem_file)


def test_a_signature_does_not_verify_against_another_ca(api, signer, retailer_invoice,
                                                        tmp_path):
    other = CertificateAuthority("Another CA", key="rsa").write_pem(tmp_path)
    signed = fetch(api, signer, retailer_invoice, ".xsig").content
    with pytest.raises(InvalidCertificate):
        signing.verify(signed, ca_pem_file=str(other))


def test_an_account_without_a_certificate_cannot_sign(api, seller, retailer_invoice):
    response = fetch(api, seller, retailer_invoice, ".xsig")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {"base": [NO_CERTIFICATE]}


def test_a_representatives_certificate_does_not_sign_the_issuers_invoices(
        api, seller, retailer_invoice, ca):
    asesor = ca.issue_natural_person(nif="00000001R", given_name="ANA", surname="ASESORA",
                                     key="rsa")
    certificate_upload(account=seller.account, data=asesor.pkcs12(PASSWORD), password=PASSWORD,
                       representative=True)
    response = fetch(api, seller, retailer_invoice, ".xsig")

    assert response.status_code == 422
    assert response.json()["errors"]["base"][0].startswith(
        REPRESENTATIVE_CERTIFICATE.split("(")[0])


def test_a_certificate_uploaded_without_its_chain_is_refused_before_face_does(
        api, seller, retailer_invoice, alices_certificate, ca):
    # Uploaded through the API, as a user would, from a .p12 exported without its path.
    p12 = alices_certificate.pkcs12(PASSWORD, with_chain=False)
    body = encode_multipart(BOUNDARY, {"certificate": _upload_file(p12), "password": PASSWORD})
    uploaded = api.put(f"/api/v1/accounts/{seller.account.pk}/certificate.json", data=body,
                       content_type=MULTIPART_CONTENT, HTTP_X_API_KEY=seller.api_key)
    assert uploaded.status_code == 200, uploaded.content
    response = fetch(api, seller, retailer_invoice, ".xsig")

    assert response.status_code == 422
    assert response.json()["errors"] == {"base": [CHAIN_INCOMPLETE.format(
        issuer=ca.certificate.subject.rfc4514_string())]}


def test_an_expired_certificate_does_not_sign(signer, retailer_invoice, alices_certificate):
    later = alices_certificate.certificate.not_valid_after_utc + datetime.timedelta(days=1)
    with pytest.raises(services.ValidationError) as error:
        services.facturae_signed(invoice=retailer_invoice, now=later)

    assert error.value.message_dict == {"base": [CERTIFICATE_EXPIRED.format(
        date=alices_certificate.certificate.not_valid_after_utc.date().isoformat())]}


def _upload_file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("certificado.p12", content, "application/x-pkcs12")


# -- the wire -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xml", ".xsig"])
def test_an_outsider_gets_404_for_either_document(api, signer, bob, suffix):
    invoice = make_invoice(signer.account)
    url = f"/api/v1/accounts/{signer.account.pk}/invoices/{invoice.pk}/facturae{suffix}"

    for account_id, key in ((signer.account.pk, bob.api_key), (bob.account.pk, bob.api_key)):
        response = api.get(url.replace(f"accounts/{signer.account.pk}", f"accounts/{account_id}"),
                           HTTP_X_API_KEY=key)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content) == {"errors": [NOT_FOUND]}


def test_without_an_api_key_the_answer_is_a_json_401(api, seller):
    invoice = make_invoice(seller.account)
    response = api.get(f"/api/v1/accounts/{seller.account.pk}/invoices/{invoice.pk}/facturae.xml")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "errors" in response.json()


def test_other_suffixes_and_writes_are_refused(api, seller):
    invoice = make_invoice(seller.account)
    base = f"/api/v1/accounts/{seller.account.pk}/invoices/{invoice.pk}/facturae"

    assert api.get(f"{base}.json", HTTP_X_API_KEY=seller.api_key).status_code == 406
    assert api.get(f"{base}.pdf", HTTP_X_API_KEY=seller.api_key).status_code == 406
    assert api.post(f"{base}.xml", HTTP_X_API_KEY=seller.api_key).status_code == 405


def test_an_unknown_parameter_is_a_json_422_listing_the_allowed_ones(api, seller):
    invoice = make_invoice(seller.account)
    response = api.get(
        f"/api/v1/accounts/{seller.account.pk}/invoices/{invoice.pk}/facturae.xml?bogus=1",
        HTTP_X_API_KEY=seller.api_key)

    assert response.status_code == 422
    assert "bogus" in response.json()["errors"]


@pytest.mark.parametrize("keys", [[], ["bm90LXRoZS1rZXktdGhhdC1lbmNyeXB0ZWQtaXQhISE="]],
                         ids=["no key", "a wrong key"])
def test_a_service_that_cannot_open_stored_keys_answers_503(api, signer, settings, keys):
    invoice = make_invoice(signer.account)
    settings.CERTIFICATE_ENCRYPTION_KEYS = keys
    response = fetch(api, signer, invoice, ".xsig")

    assert response.status_code == 503
    assert response.json() == {"errors": [KEYS_UNAVAILABLE]}
