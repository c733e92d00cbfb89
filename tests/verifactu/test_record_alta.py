"""RegistroAlta as `verifactu.xml.build` writes it: one test per kind of invoice the API
issues, each record valid against the AEAT's SuministroInformacion.xsd (build_valid checks
that) and carrying what the AEAT's record design and validations ask for."""

from __future__ import annotations

import datetime
from dataclasses import replace

from lxml import etree
from record_samples import (
    EU_BUSINESS,
    GENERATED_AT,
    ISSUER_NIF,
    SOFTWARE,
    SPANISH_CLIENT,
    US_COMPANY,
    D,
    alta,
    build_valid,
    children,
    s1,
    text,
    texts,
)

from verifactu import huella
from verifactu.data import CorrectedAmounts, InvoiceId, Party, TaxDetail
from verifactu.namespaces import SF
from verifactu.xml import DESCRIPTION_LIMIT, NAME_LIMIT

ORIGINAL = InvoiceId(ISSUER_NIF, "2027-0001", datetime.date(2027, 1, 4))


def detail(root, index: int) -> dict[str, str]:
    element = root.find(f"sf:Desglose/sf:DetalleDesglose[{index}]", {"sf": SF})
    return {etree.QName(child).localname: child.text for child in element}


# --------------------------------------------------------------------------------------
# The invoices FACTURAgem issues
# --------------------------------------------------------------------------------------


def test_an_f1_with_iva_21_plus_recargo_5_2_and_a_second_rate_carries_both_lines():
    content = alta(details=(s1("100.00", "21", "5.2"), s1("50.00", "10", "1.4")))
    built, root = build_valid(content)
    assert detail(root, 1) == {
        "ClaveRegimen": "01",
        "CalificacionOperacion": "S1",
        "TipoImpositivo": "21.00",
        "BaseImponibleOimporteNoSujeto": "100.00",
        "CuotaRepercutida": "21.00",
        "TipoRecargoEquivalencia": "5.20",
        "CuotaRecargoEquivalencia": "5.20",
    }
    assert detail(root, 2) == {
        "ClaveRegimen": "01",
        "CalificacionOperacion": "S1",
        "TipoImpositivo": "10.00",
        "BaseImponibleOimporteNoSujeto": "50.00",
        "CuotaRepercutida": "5.00",
        "TipoRecargoEquivalencia": "1.40",
        "CuotaRecargoEquivalencia": "0.70",
    }
    # 21.00 + 5.20 + 5.00 + 0.70 = 31.90; 150.00 + 31.90 = 181.90
    assert (text(root, "CuotaTotal"), text(root, "ImporteTotal")) == ("31.90", "181.90")
    assert (built.total_tax, built.total_amount) == ("31.90", "181.90")
    assert text(root, "TipoFactura") == "F1"
    assert texts(root, "Destinatarios/IDDestinatario/NIF") == ["B12345674"]


def test_a_zero_recargo_is_left_out_of_the_line():
    zero = replace(s1("100.00", "21"), surcharge_rate=D("0.00"), surcharge=D("0.00"))
    _, root = build_valid(alta(details=(zero,)))
    assert "TipoRecargoEquivalencia" not in detail(root, 1)
    assert "CuotaRecargoEquivalencia" not in detail(root, 1)


def test_an_exempt_e1_line_carries_its_exemption_and_no_rate_or_tax():
    content = alta(details=(s1("100.00", "21"), TaxDetail(treatment="E1", base=D("80.00"))))
    _, root = build_valid(content)
    assert detail(root, 2) == {
        "ClaveRegimen": "01",
        "OperacionExenta": "E1",
        "BaseImponibleOimporteNoSujeto": "80.00",
    }
    assert (text(root, "CuotaTotal"), text(root, "ImporteTotal")) == ("21.00", "201.00")


def test_an_e5_intra_eu_supply_goes_to_an_eu_vat_number_without_codigo_pais():
    content = alta(
        details=(TaxDetail(treatment="E5", base=D("1000.00")),), recipients=(EU_BUSINESS,)
    )
    _, root = build_valid(content)
    assert detail(root, 1)["OperacionExenta"] == "E5"
    assert children(root.find("sf:Destinatarios/sf:IDDestinatario/sf:IDOtro", {"sf": SF})) == [
        "IDType",
        "ID",
    ]
    assert text(root, "Destinatarios/IDDestinatario/IDOtro/IDType") == "02"
    assert text(root, "Destinatarios/IDDestinatario/IDOtro/ID") == "DE123456789"
    assert text(root, "Destinatarios/IDDestinatario/NombreRazon") == "Müller GmbH"
    assert (text(root, "CuotaTotal"), text(root, "ImporteTotal")) == ("0.00", "1000.00")


def test_a_country_given_for_an_eu_vat_number_is_still_left_out():
    greek = Party(name="Papadopoulos AE", id_type="02", id="EL123456789", country="GR")
    content = alta(details=(TaxDetail(treatment="E5", base=D("10.00")),), recipients=(greek,))
    _, root = build_valid(content)
    assert text(root, "Destinatarios/IDDestinatario/IDOtro/CodigoPais") is None


def test_an_n2_service_to_an_eu_business_is_not_subject_and_carries_only_the_amount():
    content = alta(
        details=(TaxDetail(treatment="N2", base=D("500.00")),), recipients=(EU_BUSINESS,)
    )
    _, root = build_valid(content)
    assert detail(root, 1) == {
        "ClaveRegimen": "01",
        "CalificacionOperacion": "N2",
        "BaseImponibleOimporteNoSujeto": "500.00",
    }


def test_an_s2_reverse_charge_line_writes_rate_and_tax_as_zero():
    for line in (
        TaxDetail(treatment="S2", base=D("300.00")),
        TaxDetail(treatment="S2", base=D("300.00"), rate=D("0"), tax=D("0")),
    ):
        _, root = build_valid(alta(details=(line,)))
        assert detail(root, 1) == {
            "ClaveRegimen": "01",
            "CalificacionOperacion": "S2",
            "TipoImpositivo": "0.00",
            "BaseImponibleOimporteNoSujeto": "300.00",
            "CuotaRepercutida": "0.00",
        }


def test_an_f2_simplified_invoice_has_no_recipients():
    content = alta(invoice_type="F2", recipients=())
    _, root = build_valid(content)
    assert text(root, "TipoFactura") == "F2"
    assert root.find("sf:Destinatarios", {"sf": SF}) is None


def test_an_r1_by_differences_carries_negative_amounts_and_the_corrected_invoice():
    content = alta(
        number="R-2027-0001",
        invoice_type="R1",
        correction_kind="I",
        corrected=(ORIGINAL,),
        details=(s1("-100.00", "21", "5.2"),),
    )
    built, root = build_valid(content)
    assert text(root, "TipoRectificativa") == "I"
    assert texts(root, "FacturasRectificadas/IDFacturaRectificada/NumSerieFactura") == [
        "2027-0001"
    ]
    assert text(root, "FacturasRectificadas/IDFacturaRectificada/FechaExpedicionFactura") == (
        "04-01-2027"
    )
    assert root.find("sf:ImporteRectificacion", {"sf": SF}) is None
    assert detail(root, 1)["BaseImponibleOimporteNoSujeto"] == "-100.00"
    assert detail(root, 1)["CuotaRepercutida"] == "-21.00"
    assert detail(root, 1)["CuotaRecargoEquivalencia"] == "-5.20"
    assert (built.total_tax, built.total_amount) == ("-26.20", "-126.20")
    assert (text(root, "CuotaTotal"), text(root, "ImporteTotal")) == ("-26.20", "-126.20")


def test_an_r1_by_substitution_carries_the_original_amounts_in_importe_rectificacion():
    content = alta(
        number="R-2027-0002",
        invoice_type="R1",
        correction_kind="S",
        corrected=(ORIGINAL,),
        corrected_amounts=CorrectedAmounts(
            base=D("100.00"), tax=D("21.00"), surcharge=D("5.20")
        ),
        details=(s1("90.00", "21", "5.2"),),
    )
    _, root = build_valid(content)
    assert text(root, "TipoRectificativa") == "S"
    rectification = root.find("sf:ImporteRectificacion", {"sf": SF})
    assert [(etree.QName(e).localname, e.text) for e in rectification] == [
        ("BaseRectificada", "100.00"),
        ("CuotaRectificada", "21.00"),
        ("CuotaRecargoRectificado", "5.20"),
    ]
    assert detail(root, 1)["BaseImponibleOimporteNoSujeto"] == "90.00"


def test_importe_rectificacion_without_a_recargo_leaves_it_out():
    content = alta(
        invoice_type="R4",
        correction_kind="S",
        corrected_amounts=CorrectedAmounts(base=D("100.00"), tax=D("21.00")),
    )
    _, root = build_valid(content)
    assert children(root.find("sf:ImporteRectificacion", {"sf": SF})) == [
        "BaseRectificada",
        "CuotaRectificada",
    ]
    assert root.find("sf:FacturasRectificadas", {"sf": SF}) is None


def test_an_r5_corrects_a_simplified_invoice_and_has_no_recipients():
    content = alta(
        invoice_type="R5", correction_kind="I", corrected=(ORIGINAL,), recipients=()
    )
    _, root = build_valid(content)
    assert (text(root, "TipoFactura"), text(root, "TipoRectificativa")) == ("R5", "I")
    assert root.find("sf:Destinatarios", {"sf": SF}) is None


def test_a_non_eu_recipient_is_identified_by_idotro_with_its_country():
    _, root = build_valid(alta(recipients=(US_COMPANY,)))
    other = root.find("sf:Destinatarios/sf:IDDestinatario/sf:IDOtro", {"sf": SF})
    assert [(etree.QName(e).localname, e.text) for e in other] == [
        ("CodigoPais", "US"),
        ("IDType", "04"),
        ("ID", "12-3456789"),
    ]


def test_a_spanish_resident_without_a_census_nif_is_idotro_07_in_es():
    unregistered = Party(name="Juan Nadie", id_type="07", id="12345678Z", country="ES")
    _, root = build_valid(alta(recipients=(unregistered, SPANISH_CLIENT)))
    assert texts(root, "Destinatarios/IDDestinatario/IDOtro/CodigoPais") == ["ES"]
    assert texts(root, "Destinatarios/IDDestinatario/NIF") == ["B12345674"]


# --------------------------------------------------------------------------------------
# Fields and their literals
# --------------------------------------------------------------------------------------


def test_the_record_is_the_sum1_element_in_utf8_without_an_xml_declaration():
    built, _ = build_valid(alta())
    assert built.kind == "alta"
    assert built.xml.startswith(b"<sum1:RegistroAlta xmlns:sum1=\"" + SF.encode() + b'">')
    assert "Peñalver Muñoz SL".encode() in built.xml


def test_the_huella_is_computed_over_exactly_the_literals_the_xml_carries():
    built, root = build_valid(alta(details=(s1("33.33", "21"),)))
    expected = huella.alta_hash(
        issuer_nif=text(root, "IDFactura/IDEmisorFactura"),
        number=text(root, "IDFactura/NumSerieFactura"),
        issue_date=text(root, "IDFactura/FechaExpedicionFactura"),
        invoice_type=text(root, "TipoFactura"),
        total_tax=text(root, "CuotaTotal"),
        total_amount=text(root, "ImporteTotal"),
        previous_hash="",
        generated_at=text(root, "FechaHoraHusoGenRegistro"),
    )
    assert built.hash == expected == text(root, "Huella")
    assert text(root, "TipoHuella") == "01"
    assert built.issue_date == text(root, "IDFactura/FechaExpedicionFactura") == "04-01-2027"
    assert built.generated_at == text(root, "FechaHoraHusoGenRegistro")
    assert built.generated_at == "2027-01-04T10:15:00+01:00"
    assert (built.total_tax, built.total_amount) == ("7.00", "40.33")


def test_amounts_given_with_more_decimals_are_written_and_hashed_rounded_half_up():
    line = TaxDetail(treatment="S1", base=D("10.005"), rate=D("21"), tax=D("2.1015"))
    content = alta(details=(line,), total_tax=D("2.1015"), total_amount=D("12.1065"))
    built, root = build_valid(content)
    assert detail(root, 1)["BaseImponibleOimporteNoSujeto"] == "10.01"
    assert detail(root, 1)["CuotaRepercutida"] == "2.10"
    assert (built.total_tax, built.total_amount) == ("2.10", "12.11")


def test_the_generation_time_is_written_in_madrid_time():
    summer = datetime.datetime(2027, 7, 1, 8, 0, 0, 123456, tzinfo=datetime.UTC)
    built, root = build_valid(alta(), generated_at=summer)
    assert text(root, "FechaHoraHusoGenRegistro") == "2027-07-01T10:00:00+02:00"
    assert built.generated_at == "2027-07-01T10:00:00+02:00"


def test_the_software_block_says_who_made_the_system_and_which_installation_this_is():
    software = replace(SOFTWARE, multiple_ot=True, multi_ot=True, only_verifactu=True)
    _, root = build_valid(alta(), software=software)
    block = root.find("sf:SistemaInformatico", {"sf": SF})
    assert [(etree.QName(e).localname, e.text) for e in block] == [
        ("NombreRazon", "FACTURAgem SL"),
        ("NIF", "B00000000"),
        ("NombreSistemaInformatico", "FACTURAgem"),
        ("IdSistemaInformatico", "FG"),
        ("Version", "1.0.0"),
        ("NumeroInstalacion", "0001-20270101"),
        ("TipoUsoPosibleSoloVerifactu", "S"),
        ("TipoUsoPosibleMultiOT", "S"),
        ("IndicadorMultiplesOT", "S"),
    ]
    _, root = build_valid(alta(), software=replace(SOFTWARE, only_verifactu=False))
    assert text(root, "SistemaInformatico/TipoUsoPosibleSoloVerifactu") == "N"
    assert text(root, "SistemaInformatico/IndicadorMultiplesOT") == "N"


def test_an_operation_date_is_written_only_when_it_differs_from_the_issue_date():
    earlier = datetime.date(2026, 12, 28)
    _, root = build_valid(alta(operation_date=earlier))
    assert text(root, "FechaOperacion") == "28-12-2026"
    _, root = build_valid(alta(operation_date=datetime.date(2027, 1, 4)))
    assert text(root, "FechaOperacion") is None


def test_a_later_operation_date_is_allowed_with_vat_accrued_later_regime_15():
    later = datetime.date(2027, 3, 1)
    _, root = build_valid(alta(operation_date=later, details=(s1("100.00", "21", regime="15"),)))
    assert text(root, "FechaOperacion") == "01-03-2027"


def test_macrodato_is_s_from_one_hundred_million_and_left_out_below():
    big = alta(details=(s1("82644628.10", "21"),))  # 82,644,628.10 + 17,355,371.90
    _, root = build_valid(big)
    assert text(root, "ImporteTotal") == "100000000.00"
    assert text(root, "Macrodato") == "S"
    small = alta(details=(s1("82644628.09", "21"),))
    _, root = build_valid(small)
    assert text(root, "ImporteTotal") == "99999999.99"
    assert text(root, "Macrodato") is None
    refund = alta(
        invoice_type="R1", correction_kind="I", details=(s1("-82644628.10", "21"),)
    )
    _, root = build_valid(refund)
    assert text(root, "Macrodato") == "S"


def test_names_and_descriptions_longer_than_the_aeat_allows_are_cut_to_fit():
    long_name, long_text = "N" * 130 + "ñ", "Descripción " * 50
    content = alta(
        issuer_name=long_name,
        description=long_text,
        recipients=(Party(name=long_name, nif="B12345674"),),
    )
    _, root = build_valid(content, software=replace(SOFTWARE, producer_name=long_name))
    assert text(root, "NombreRazonEmisor") == long_name[:NAME_LIMIT]
    assert text(root, "Destinatarios/IDDestinatario/NombreRazon") == long_name[:NAME_LIMIT]
    assert text(root, "SistemaInformatico/NombreRazon") == long_name[:NAME_LIMIT]
    assert text(root, "DescripcionOperacion") == long_text[:DESCRIPTION_LIMIT]


def test_the_external_reference_is_written_when_given():
    _, root = build_valid(alta(external_ref="inv_8f14e45f"))
    assert text(root, "RefExterna") == "inv_8f14e45f"
    _, root = build_valid(alta())
    assert text(root, "RefExterna") is None


def test_a_number_with_every_allowed_punctuation_mark_is_written_as_is():
    number = "A&B/2027-0001+#$%()*,.:;?@[\\]^_`{|}~!"
    built, root = build_valid(alta(number=number))
    assert text(root, "IDFactura/NumSerieFactura") == number
    assert b"A&amp;B/2027" in built.xml


def test_twelve_lines_are_allowed():
    details = tuple(s1(f"{n}.00", "21") for n in range(1, 13))
    _, root = build_valid(alta(details=details))
    assert len(texts(root, "Desglose/DetalleDesglose/CuotaRepercutida")) == 12


def test_the_elements_come_in_the_schema_order_including_every_optional_block():
    content = alta(
        invoice_type="R1",
        correction_kind="S",
        corrected=(ORIGINAL,),
        corrected_amounts=CorrectedAmounts(base=D("100.00"), tax=D("21.00")),
        operation_date=datetime.date(2027, 1, 2),
        external_ref="inv_1",
    )
    _, root = build_valid(content, generated_at=GENERATED_AT)
    assert children(root) == [
        "IDVersion",
        "IDFactura",
        "RefExterna",
        "NombreRazonEmisor",
        "TipoFactura",
        "TipoRectificativa",
        "FacturasRectificadas",
        "ImporteRectificacion",
        "FechaOperacion",
        "DescripcionOperacion",
        "Destinatarios",
        "Desglose",
        "CuotaTotal",
        "ImporteTotal",
        "Encadenamiento",
        "SistemaInformatico",
        "FechaHoraHusoGenRegistro",
        "TipoHuella",
        "Huella",
    ]
    assert text(root, "IDVersion") == "1.0"
