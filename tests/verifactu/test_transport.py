"""The real transport against the stand-in AEAT: every scripted answer arrives parsed and
classified; TLS is verified both ways."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from tests.verifactu import aeat_standin as aeat
from tests.verifactu.aeat_standin import credentials_from
from tests.verifactu.records import alta, anulacion
from verifactu import errors, schema, soap, transport
from verifactu.errors import SoapFault, TransportError
from verifactu.namespaces import SOAPENV

TAXPAYER = ("Kovacek Nienow SL", "B12345674")
TIMEOUT = (5, 10)


def envelope(*records: bytes, incidencia: bool = False, representative=None) -> bytes:
    return soap.build_envelope(
        taxpayer_name=TAXPAYER[0], taxpayer_nif=TAXPAYER[1], representative=representative,
        incidencia=incidencia, records=list(records) or [alta()],
    )


def send(standin, credentials, message: bytes, timeout=TIMEOUT):
    body = transport.post(standin.url, message, credentials, timeout=timeout)
    return soap.parse_response(body)


# -- business answers --------------------------------------------------------------------


def test_a_correct_answer_carries_a_csv_and_echoes_every_line(aeat_standin, credentials):
    aeat_standin.script(aeat.correct(csv="A-5LDM92G53JYSRM"))
    response = send(aeat_standin, credentials, envelope(
        alta("2027-0001", external_ref="invoice-1"), alta("2027-0002", external_ref="invoice-2"),
        anulacion("2026-0099", external_ref="invoice-9")))

    assert response.status == "Correcto"
    assert response.csv == "A-5LDM92G53JYSRM"
    assert response.wait_seconds == 60
    assert response.taxpayer_nif == "B12345674"
    assert response.presenter_nif == "B12345674"
    assert response.submitted_at.endswith(("+01:00", "+02:00"))
    assert [(line.number, line.operation, line.external_ref, line.state)
            for line in response.lines] == [
        ("2027-0001", "Alta", "invoice-1", "Correcto"),
        ("2027-0002", "Alta", "invoice-2", "Correcto"),
        ("2026-0099", "Anulacion", "invoice-9", "Correcto"),
    ]
    assert all(line.error_code is None and line.duplicate is None for line in response.lines)


def test_partially_correct_names_the_refused_line_and_its_code(aeat_standin, credentials):
    aeat_standin.script(aeat.partially_correct({"2027-0002": aeat.rejected(1105)}))
    response = send(aeat_standin, credentials, envelope(alta("2027-0001"), alta("2027-0002")))

    assert response.status == "ParcialmenteCorrecto"
    assert response.csv
    first, second = response.lines
    assert (first.state, first.error_code) == ("Correcto", None)
    assert (second.state, second.error_code) == ("Incorrecto", 1105)
    assert second.error_description == errors.describe(1105)


def test_accepted_with_errors_is_an_answer_with_codes(aeat_standin, credentials):
    aeat_standin.script(aeat.accepted_with_errors(2000))
    response = send(aeat_standin, credentials, envelope(alta()))

    assert response.status == "ParcialmenteCorrecto"
    assert response.csv
    assert response.lines[0].state == "AceptadoConErrores"
    assert response.lines[0].error_code == 2000
    assert response.lines[0].error_description == (
        "El cálculo de la huella suministrada es incorrecta.")


def test_incorrect_refuses_every_line_without_a_csv(aeat_standin, credentials):
    aeat_standin.script(aeat.incorrect(1100))
    response = send(aeat_standin, credentials, envelope(alta("1"), alta("2")))

    assert response.status == "Incorrecto"
    assert response.csv == ""
    assert response.presenter_nif == "" and response.submitted_at == ""
    assert [(line.state, line.error_code) for line in response.lines] == [
        ("Incorrecto", 1100), ("Incorrecto", 1100)]


def test_a_duplicate_comes_back_with_what_the_aeat_already_holds(aeat_standin, credentials):
    aeat_standin.script(aeat.duplicates("Correcta"))
    response = send(aeat_standin, credentials, envelope(alta(external_ref="invoice-1")))

    line = response.lines[0]
    assert (line.state, line.error_code) == ("Incorrecto", 3000)
    assert line.error_description == "Registro de facturación duplicado."
    assert line.duplicate.state == "Correcta"
    assert line.duplicate.accepted
    assert line.duplicate.request_id


def test_the_aeat_may_ask_for_a_different_wait(aeat_standin, credentials):
    aeat_standin.script(aeat.correct(wait=5))
    assert send(aeat_standin, credentials, envelope()).wait_seconds == 5


def test_the_default_answer_accepts_a_full_message_of_1000_records(aeat_standin, credentials):
    records = [alta(f"2027-{n:05d}", external_ref=f"invoice-{n}") for n in range(1000)]
    response = send(aeat_standin, credentials, envelope(*records))

    assert response.status == "Correcto"
    assert len(response.lines) == 1000
    assert response.lines[999].external_ref == "invoice-999"


# -- faults and failures ---------------------------------------------------------------


def test_a_client_fault_is_not_retryable_and_carries_the_aeat_code(aeat_standin, credentials):
    aeat_standin.script(aeat.fault("client", 4104))
    with pytest.raises(SoapFault) as caught:
        send(aeat_standin, credentials, envelope())

    assert caught.value.kind == "client"
    assert caught.value.code == 4104
    assert not caught.value.retryable
    assert caught.value.description.startswith("Error en la cabecera: el valor del campo NIF")


def test_a_server_fault_is_retryable(aeat_standin, credentials):
    aeat_standin.script(aeat.fault("server", None, text="Error interno"))
    with pytest.raises(SoapFault) as caught:
        send(aeat_standin, credentials, envelope())

    assert (caught.value.kind, caught.value.code, caught.value.retryable) == (
        "server", None, True)


def test_a_schema_invalid_message_gets_the_aeat_4102_fault(aeat_standin, credentials):
    broken = envelope().replace(b"<sum1:NIF>B12345674</sum1:NIF>",
                                b"<sum1:NIF>B1234</sum1:NIF>", 1)
    aeat_standin.script(aeat.correct())  # not used up by the refused message
    with pytest.raises(SoapFault) as caught:
        transport.post(aeat_standin.url, broken, credentials, timeout=TIMEOUT)

    assert (caught.value.kind, caught.value.code) == ("client", 4102)
    assert not aeat_standin.requests[-1].valid
    assert send(aeat_standin, credentials, envelope()).status == "Correcto"


def test_a_slow_answer_times_out_as_a_retryable_transport_error(aeat_standin, credentials):
    aeat_standin.script(aeat.slow(3))
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope(), timeout=(2, 0.5))

    assert caught.value.kind == "timeout"
    assert caught.value.retryable
    assert time.monotonic() - started < 2.5


def test_a_slow_answer_within_the_timeout_arrives(aeat_standin, credentials):
    aeat_standin.script(aeat.slow(0.5))
    assert send(aeat_standin, credentials, envelope(), timeout=(2, 5)).status == "Correcto"


def test_a_dropped_connection_is_a_retryable_transport_error(aeat_standin, credentials):
    aeat_standin.script(aeat.drop())
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope())

    assert caught.value.kind == "connection"
    assert caught.value.retryable
    assert len(aeat_standin.requests) == 1  # it did arrive: only the answer was lost


def test_an_http_error_without_a_soap_body_is_a_transport_error(aeat_standin, credentials):
    aeat_standin.script(aeat.Raw(503))
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope())

    assert (caught.value.kind, caught.value.retryable) == ("http", True)
    assert "503" in str(caught.value)


def test_garbage_with_a_200_is_a_transport_error(aeat_standin, credentials):
    aeat_standin.script(aeat.Raw(200, b"<html>maintenance</html>", "text/html"))
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope())

    assert (caught.value.kind, caught.value.retryable) == ("garbage", True)


def test_a_service_that_is_down_refuses_the_connection(aeat_standin, credentials):
    aeat_standin.stop()
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope())
    assert caught.value.kind == "connection"

    aeat_standin.start()  # back, on the same address
    assert send(aeat_standin, credentials, envelope()).status == "Correcto"


# -- the request on the wire ---------------------------------------------------------------


def test_the_request_is_soap_11_with_an_empty_soap_action(aeat_standin, credentials):
    send(aeat_standin, credentials, envelope(incidencia=True,
                                             representative=("Gestoría Pérez SL", "B87654323")))
    received = aeat_standin.requests[-1]

    assert received.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert received.headers["SOAPAction"] == '""'
    assert received.path == "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
    assert received.valid
    assert received.incidencia == "S"
    assert received.representative == ("Gestoría Pérez SL", "B87654323")
    assert received.client_subject == credentials_subject(credentials)
    assert received.client_nif == "B12345674"


def credentials_subject(credentials) -> str:
    from cryptography import x509

    return x509.load_pem_x509_certificate(credentials.certificate_pem).subject.rfc4514_string()


def test_each_request_is_recorded_with_its_arrival_time(aeat_standin, credentials):
    send(aeat_standin, credentials, envelope(alta("1")))
    send(aeat_standin, credentials, envelope(alta("2"), alta("3")))

    first, second = aeat_standin.requests
    assert [r.number for r in first.records] == ["1"]
    assert [r.number for r in second.records] == ["2", "3"]
    assert first.arrived_at <= second.arrived_at
    assert b"<sf:NumSerieFactura>2</sf:NumSerieFactura>" in second.body


# -- TLS -----------------------------------------------------------------------------------


def test_a_server_certificate_from_another_ca_is_refused(pki, aeat_standin, credentials,
                                                        monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.other_ca.write_pem(tmp_path)))
    transport.tls_context.cache_clear()
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope())

    assert caught.value.kind == "tls"
    assert "certificate verify failed" in str(caught.value)
    assert aeat_standin.requests == []


def test_without_requests_ca_bundle_the_system_store_does_not_trust_the_standin(
        aeat_standin, credentials, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, credentials, envelope())
    assert caught.value.kind == "tls"


def test_the_server_name_must_match_its_certificate(pki, aeat_standin, credentials):
    impostor = aeat.AeatStandIn(server=pki.ca.issue_server("aeat.example"), client_ca=pki.ca)
    with impostor, pytest.raises(TransportError) as caught:
        transport.post(impostor.url, envelope(), credentials, timeout=TIMEOUT)

    assert caught.value.kind == "tls"
    assert "mismatch" in str(caught.value) or "doesn't match" in str(caught.value)
    assert impostor.requests == []


def test_a_client_without_a_certificate_is_refused_by_the_standin(aeat_standin, pki):
    import requests

    with pytest.raises(requests.exceptions.RequestException):
        requests.post(aeat_standin.url, data=envelope(), timeout=TIMEOUT,
                      verify=str(pki.ca_file))
    assert aeat_standin.wait_for_refused_handshake()
    assert aeat_standin.handshake_failures
    assert aeat_standin.requests == []


def test_a_client_certificate_from_another_ca_is_refused_by_the_standin(aeat_standin, pki):
    stranger = credentials_from(pki.other_ca.issue_natural_person())
    with pytest.raises(TransportError) as caught:
        send(aeat_standin, stranger, envelope())
    assert caught.value.kind in ("tls", "connection")
    assert aeat_standin.requests == []


def test_verification_cannot_be_turned_off(credentials):
    with pytest.raises(ValueError, match="cannot be turned off"):
        transport.tls_context(credentials, False)


# -- the stand-in's answers are the AEAT's schema ----------------------------------------


@pytest.mark.parametrize("answer", [
    aeat.correct(), aeat.partially_correct(), aeat.accepted_with_errors(),
    aeat.incorrect(), aeat.duplicates("Correcta"), aeat.duplicates("AceptadaConErrores"),
    aeat.duplicates("Anulada"), aeat.correct(wait=1),
], ids=["correct", "partial", "with-errors", "incorrect", "duplicate", "duplicate-errors",
        "duplicate-voided", "wait"])
def test_every_business_answer_validates_against_respuesta_suministro(
        aeat_standin, credentials, answer):
    aeat_standin.script(answer)
    body = transport.post(aeat_standin.url, envelope(
        alta("1", external_ref="a"), anulacion("2"), alta("3")), credentials, timeout=TIMEOUT)
    payload = etree.fromstring(body).find(f"{{{SOAPENV}}}Body")[0]

    schema.validate(payload, "RespuestaSuministro")


# -- the same path the sender takes --------------------------------------------------------


def test_an_uploaded_certificate_reaches_the_standin_through_credentials_for(
        aeat_standin, pki, alice, settings):
    from certificates import services

    settings.AEAT_CERTIFICATE_FILE = settings.AEAT_CERTIFICATE_BASE64 = ""
    issued = pki.ca.issue_entity_representative(entity_nif="B12345674", key="rsa")
    services.certificate_upload(account=alice.account, data=issued.pkcs12("pw"), password="pw")
    credentials = services.credentials_for(alice.account)
    message = soap.build_envelope(
        taxpayer_name=alice.account.name, taxpayer_nif="B12345674",
        representative=credentials.representative, incidencia=False, records=[alta()])

    body = transport.post(transport.endpoint_url(credentials), message, credentials,
                          timeout=transport.default_timeout())

    assert soap.parse_response(body).status == "Correcto"
    assert aeat_standin.requests[-1].client_subject == issued.subject
    assert aeat_standin.requests[-1].representative is None


def test_the_standin_counts_messages_in_flight_per_taxpayer(aeat_standin, credentials):
    import threading

    aeat_standin.script(aeat.slow(0.5), aeat.slow(0.5))
    threads = [threading.Thread(target=send, args=(aeat_standin, credentials, envelope()))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert aeat_standin.max_in_flight == {"B12345674": 2}
    assert len(aeat_standin.records_received("B12345674")) == 2
    assert all(r.answered_monotonic >= r.arrived_monotonic + 0.5 for r in aeat_standin.requests)


def test_a_plain_http_endpoint_is_refused(credentials):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="https://"):
        transport.post("http://127.0.0.1:9/aeat", envelope(), credentials, timeout=TIMEOUT)
