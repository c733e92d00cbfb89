"""The AEAT's SOAP messages, without a network: the envelope (SuministroLR.xsd, records
inserted byte for byte) and the parsing of answers and faults."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.verifactu.aeat_standin import fault_xml
from tests.verifactu.records import alta, anulacion
from verifactu import errors, schema, soap
from verifactu.errors import SoapFault, TransportError
from verifactu.namespaces import SF, SFLR, SOAPENV

TAXPAYER = {"taxpayer_name": "Kovacek Nienow SL", "taxpayer_nif": "B12345674"}


def build(records, *, representative=None, incidencia=False, **taxpayer) -> bytes:
    return soap.build_envelope(**{**TAXPAYER, **taxpayer}, representative=representative,
                               incidencia=incidencia, records=records)


def message_of(envelope: bytes) -> etree._Element:
    body = etree.fromstring(envelope).find(f"{{{SOAPENV}}}Body")
    return body.find(f"{{{SFLR}}}RegFactuSistemaFacturacion")


def header_of(envelope: bytes) -> etree._Element:
    return message_of(envelope).find(f"{{{SFLR}}}Cabecera")


# -- the envelope ----------------------------------------------------------------------------


def test_an_envelope_of_altas_and_anulaciones_validates_against_suministro_lr():
    envelope = build([alta("1", external_ref="a"), anulacion("2"), alta("3", declaration=False)])
    schema.validate(message_of(envelope), "SuministroLR")


def test_each_record_is_inserted_byte_for_byte():
    records = [alta("2027/0001 &amp; Co", external_ref="x"), anulacion("2026-9")]
    envelope = build(records)
    for record in records:
        element = record.split(b"?>\n", 1)[1]  # without its XML declaration
        assert element in envelope
    assert b"2027/0001 &amp; Co" in envelope


def test_the_literals_of_a_record_survive_even_when_lxml_would_rewrite_them():
    # A character reference and single-quoted attributes: lxml would re-serialize both.
    record = alta("A-1").replace(b"<sf:DescripcionOperacion>Servicios",
                                 b"<sf:DescripcionOperacion>Servi&#99;ios")
    record = record.replace(f'xmlns:sf="{SF}"'.encode(), f"xmlns:sf='{SF}'".encode())
    envelope = build([record])
    assert b"Servi&#99;ios" in envelope and f"xmlns:sf='{SF}'".encode() in envelope
    schema.validate(message_of(envelope), "SuministroLR")


def test_the_header_names_the_taxpayer_and_nothing_else_by_default():
    header = header_of(build([alta()]))
    assert [child.tag.split("}")[1] for child in header] == ["ObligadoEmision"]
    assert header.findtext(f"{{{SF}}}ObligadoEmision/{{{SF}}}NIF") == "B12345674"
    assert header.findtext(f"{{{SF}}}ObligadoEmision/{{{SF}}}NombreRazon") == "Kovacek Nienow SL"


def test_a_representative_and_a_late_submission_are_in_the_header():
    envelope = build([alta()], representative=("Gestoría <Pérez> & Hijos SL", "B87654323"),
                     incidencia=True)
    header = header_of(envelope)
    assert [child.tag.split("}")[1] for child in header] == [
        "ObligadoEmision", "Representante", "RemisionVoluntaria"]
    assert header.findtext(f"{{{SF}}}Representante/{{{SF}}}NombreRazon") == (
        "Gestoría <Pérez> & Hijos SL")
    assert header.findtext(f"{{{SF}}}RemisionVoluntaria/{{{SF}}}Incidencia") == "S"
    schema.validate(message_of(envelope), "SuministroLR")


def test_a_message_carries_between_1_and_1000_records():
    with pytest.raises(ValueError, match="1 to 1000 records, got 0"):
        build([])
    with pytest.raises(ValueError, match="1 to 1000 records, got 1001"):
        build([alta()] * 1001)
    schema.validate(message_of(build([alta()] * 1000)), "SuministroLR")


@pytest.mark.parametrize("record, message", [
    (b"<sf:RegistroAlta>", "not well-formed"),
    (f'<sf:Cabecera xmlns:sf="{SF}"/>'.encode(), "not a RegistroAlta or RegistroAnulacion"),
    (b'<RegistroAlta xmlns="urn:other"/>', "not a RegistroAlta or RegistroAnulacion"),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "not UTF-8"),
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "not well-formed"),
], ids=["malformed", "other-element", "other-namespace", "latin1", "dtd"])
def test_anything_but_a_record_is_refused(record, message):
    with pytest.raises(ValueError, match=message):
        build([alta(), record])


def test_a_schema_invalid_record_gives_a_schema_invalid_message():
    # The envelope does not validate (the builder's tests do): the stand-in answers 4102.
    envelope = build([alta(issuer_nif="B1")])
    with pytest.raises(schema.SchemaError):
        schema.validate(message_of(envelope), "SuministroLR")


# -- answers ---------------------------------------------------------------------------------


def test_a_fault_string_gives_the_aeat_code_and_its_class():
    body = fault_xml("client", "Codigo[4104].El NIF del titular en la cabecera no está "
                               "identificado. NIF:iii. NOMBRE_RAZON:xxx")
    with pytest.raises(SoapFault) as caught:
        soap.parse_response(body)
    assert (caught.value.kind, caught.value.code, caught.value.retryable) == ("client", 4104, False)
    assert caught.value.fault_code == "env:Client"


@pytest.mark.parametrize("fault_code, kind", [
    ("env:Client", "client"), ("soapenv:Client.Authentication", "client"), ("Client", "client"),
    ("env:Server", "server"), ("soap:Server.Busy", "server"), ("env:Whatever", "server"),
])
def test_the_fault_class_is_the_fault_codes_local_name(fault_code, kind):
    body = fault_xml("client", "x").replace(b"env:Client", fault_code.encode())
    assert soap.parse_fault(body).kind == kind


def test_a_fault_without_a_code_has_none():
    fault = soap.parse_fault(fault_xml("server", "Internal error"))
    assert fault.code is None
    assert fault.description == "Internal error"


@pytest.mark.parametrize("body", [
    b"", b"not xml", b"<html><body>502 Bad Gateway</body></html>",
    f'<env:Envelope xmlns:env="{SOAPENV}"><env:Body/></env:Envelope>'.encode(),
    f'<env:Envelope xmlns:env="{SOAPENV}"><env:Body><x/></env:Body></env:Envelope>'.encode(),
], ids=["empty", "text", "html", "empty-body", "other-answer"])
def test_garbage_is_a_retryable_transport_error(body):
    with pytest.raises(TransportError) as caught:
        soap.parse_response(body)
    assert caught.value.kind == "garbage"
    assert caught.value.retryable


def test_an_answer_with_entities_is_refused_without_expanding_them():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]><lolz>&lol2;&xxe;</lolz>')
    with pytest.raises(TransportError, match="DTD"):
        soap.parse_response(laughs)


def test_the_aeat_texts_come_from_its_error_table():
    assert errors.describe(4102) == "El XML no cumple el esquema. Falta informar campo obligatorio."
    assert errors.describe(3000) == "Registro de facturación duplicado."
    assert errors.describe(2000) == "El cálculo de la huella suministrada es incorrecta."
    assert errors.describe(9999) == "Código de error desconocido para la AEAT (9999)."
    assert {4102, 4104, 4112, 1100, 3000, 2000, 2009} <= errors.known_codes()
