"""An account's AEAT certificate: /api/v1/accounts/:account_id/certificate.:fmt
(CONTRACT §8): PUT a PKCS#12 and its password, GET the metadata, DELETE it."""

from __future__ import annotations

import base64
import datetime
import json
import zoneinfo

import pytest
from defusedxml.ElementTree import fromstring
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from certificates import bundle
from certificates.models import AccountCertificate
from certificates.serializers import NOT_A_FILE
from certificates.services import NO_TAX_ID, NOT_YOURS, OWN_NOT_REPRESENTATIVE, TOO_LARGE
from certificates.views import UNAVAILABLE
from facturagem.api.exceptions import NOT_FOUND
from facturagem.api.params import UNEXPECTED_PARAM
from tests.pki import CertificateAuthority, now

PASSWORD = "contraseña del p12"
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority("AC FNMT Usuarios (test)")


@pytest.fixture(scope="module")
def alices(ca):
    """Kovacek Nienow SL's (B12345674) certificate, held by its administrator."""
    return ca.issue_entity_representative(entity_nif="B12345674", person_nif="00000000T")


def url(persona, suffix=".json", account_id=None) -> str:
    return f"/api/v1/accounts/{account_id or persona.account.pk}/certificate{suffix}"


def upload(api, persona, p12: bytes | None, password: str | None = PASSWORD, *,
           suffix=".json", account_id=None, key=None, **fields):
    data = dict(fields)
    if p12 is not None:
        data["certificate"] = SimpleUploadedFile("certificado.p12", p12, "application/x-pkcs12")
    if password is not None:
        data["password"] = password
    return api.put(url(persona, suffix, account_id), data=encode_multipart(BOUNDARY, data),
                   content_type=MULTIPART_CONTENT, HTTP_X_API_KEY=key or persona.api_key)


def secrets_of(issued, p12: bytes) -> list[bytes]:
    return [issued.key_pem(), issued.key_der(), base64.b64encode(issued.key_der()), p12,
            base64.b64encode(p12), PASSWORD.encode()]


# -- upload ------------------------------------------------------------------------------


def test_an_account_uploads_its_certificate_and_gets_its_metadata(api, alice, alices):
    p12 = alices.pkcs12(PASSWORD)
    response = upload(api, alice, p12)

    assert response.status_code == 200
    body = response.json()
    assert body["account_id"] == alice.account.pk
    assert body["tax_id"] == "B12345674"
    assert body["holder_name"] == "KOVACEK NIENOW SL"
    assert body["kind"] == "legal_entity_representative"
    assert body["representative"] is False
    assert "2.5.4.97=VATES-B12345674" in body["subject"]
    assert "CN=AC FNMT Usuarios (test)" in body["issuer"]
    assert body["serial_number"] == format(alices.certificate.serial_number, "X")
    assert body["not_after"].startswith(
        alices.certificate.not_valid_after_utc.astimezone(MADRID).strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["not_before"] and len(body["fingerprint"]) == 64
    assert {link["rel"]: link["uri"] for link in body["links"]} == {
        "self": f"http://testserver{url(alice, account_id=alice.account.url_id)}",
        "account": f"http://testserver/api/v1/accounts/{alice.account.url_id}.json",
    }
    for secret in secrets_of(alices, p12):
        assert secret not in response.content
    assert b"PRIVATE KEY" not in response.content


def test_get_shows_the_same_metadata_in_json_and_xml(api, alice, alices):
    uploaded = upload(api, alice, alices.pkcs12(PASSWORD)).json()

    assert api.send("GET", url(alice), key=alice.api_key).json() == uploaded
    xml = api.send("GET", url(alice, ".xml"), key=alice.api_key)
    root = fromstring(xml.content)
    assert root.tag == "certificate"
    assert root.findtext("tax-id") == "B12345674"
    assert root.findtext("kind") == "legal_entity_representative"


def test_the_certificate_may_come_as_base64_in_json(api, alice, alices):
    body = {"certificate": base64.b64encode(alices.pkcs12(PASSWORD)).decode(),
            "password": PASSWORD}
    response = api.send("PUT", url(alice), body, key=alice.api_key)

    assert response.status_code == 200
    assert response.json()["tax_id"] == "B12345674"


def test_a_new_upload_replaces_the_old_certificate(api, alice, ca):
    first = ca.issue_entity_seal(entity_nif="B12345674")
    second = ca.issue_entity_representative(entity_nif="B12345674")
    upload(api, alice, first.pkcs12(PASSWORD))
    response = upload(api, alice, second.pkcs12(PASSWORD))

    assert response.json()["kind"] == "legal_entity_representative"
    assert AccountCertificate.objects.filter(account=alice.account).count() == 1


@pytest.mark.parametrize("make, kind", [
    (lambda ca: ca.issue_natural_person(nif="12345678Z", key="rsa"), "natural_person"),
    (lambda ca: ca.issue_entity_seal(entity_nif="B12345674"), "entity_seal"),
], ids=["natural-person", "entity-seal"])
def test_every_kind_of_spanish_certificate_is_recognised(api, alice, bob, ca, make, kind):
    issued = make(ca)
    persona = bob if kind == "natural_person" else alice
    response = upload(api, persona, issued.pkcs12(PASSWORD))

    assert response.status_code == 200, response.content
    assert response.json()["kind"] == kind
    assert response.json()["tax_id"] == normal(persona.account.tax_id)


def normal(nif: str) -> str:
    return nif.replace("ES", "").replace("-", "").upper()


def test_a_windows_style_3des_export_opens_too(api, alice, alices):
    response = upload(api, alice, alices.pkcs12(PASSWORD, legacy=True))
    assert response.status_code == 200, response.content


def test_a_representatives_certificate_is_accepted_when_declared(api, alice, ca):
    gestoria = ca.issue_entity_seal(entity_nif="B87654323", entity_name="GESTORÍA PÉREZ SL")
    response = upload(api, alice, gestoria.pkcs12(PASSWORD), representative="true")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["tax_id"], body["holder_name"], body["representative"]) == (
        "B87654323", "GESTORÍA PÉREZ SL", True)


# -- refusals ----------------------------------------------------------------------------


def expired(ca):
    return ca.issue_entity_representative(not_before=now() - datetime.timedelta(days=400),
                                          not_after=now() - datetime.timedelta(days=2))


def not_yet_valid(ca):
    return ca.issue_entity_representative(not_before=now() + datetime.timedelta(days=2))


def without_nif(ca):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return ca.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sin NIF")]))


def server_only(ca):
    from cryptography.x509.oid import ExtendedKeyUsageOID

    return ca.issue_entity_representative(usages=(ExtendedKeyUsageOID.SERVER_AUTH,))


REFUSALS = [
    ("pem", lambda ca, i: (i.certificate_pem() + i.key_pem(), PASSWORD), {},
     "certificate", bundle.NOT_PKCS12),
    ("text", lambda ca, i: (b"hello", PASSWORD), {}, "certificate", bundle.NOT_PKCS12),
    ("wrong-password", lambda ca, i: (i.pkcs12(PASSWORD), "wrong"), {},
     "password", bundle.WRONG_PASSWORD),
    ("no-key", lambda ca, i: (i.pkcs12(PASSWORD, with_key=False), PASSWORD), {},
     "certificate", bundle.NO_PRIVATE_KEY),
    ("expired", lambda ca, i: (expired(ca).pkcs12(PASSWORD), PASSWORD), {},
     "certificate", bundle.EXPIRED.format(date=(now() - datetime.timedelta(days=2)).date())),
    ("not-yet-valid", lambda ca, i: (not_yet_valid(ca).pkcs12(PASSWORD), PASSWORD), {},
     "certificate",
     bundle.NOT_YET_VALID.format(date=(now() + datetime.timedelta(days=2)).date())),
    ("someone-else", lambda ca, i: (ca.issue_natural_person(nif="87654321X").pkcs12(PASSWORD),
                                    PASSWORD), {},
     "certificate", NOT_YOURS.format(nif="87654321X", tax_id="B12345674")),
    ("no-nif", lambda ca, i: (without_nif(ca).pkcs12(PASSWORD), PASSWORD), {},
     "certificate", bundle.NO_NIF),
    ("server-certificate", lambda ca, i: (server_only(ca).pkcs12(PASSWORD), PASSWORD), {},
     "certificate", bundle.NOT_FOR_CLIENTS),
    ("own-as-representative", lambda ca, i: (i.pkcs12(PASSWORD), PASSWORD),
     {"representative": "true"}, "representative", OWN_NOT_REPRESENTATIVE.format(nif="B12345674")),
    ("too-large", lambda ca, i: (b"0" * 70_000, PASSWORD), {}, "certificate", TOO_LARGE),
]


@pytest.mark.parametrize("name, make, fields, field, message", REFUSALS,
                         ids=[refusal[0] for refusal in REFUSALS])
def test_a_certificate_that_cannot_be_used_is_refused_naming_the_field(
        api, alice, ca, alices, name, make, fields, field, message):
    p12, password = make(ca, alices)
    response = upload(api, alice, p12, password, **fields)

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {field: [message]}
    assert not AccountCertificate.objects.exists()
    assert b"certificado.p12" not in response.content and password.encode() not in response.content


def test_an_account_without_a_tax_id_is_told_to_set_it(api, alice, alices):
    alice.account.tax_id = ""
    alice.account.save()
    response = upload(api, alice, alices.pkcs12(PASSWORD))

    assert response.status_code == 422
    assert response.json()["errors"] == {"certificate": [NO_TAX_ID]}


def test_certificate_and_password_are_required(api, alice):
    response = upload(api, alice, None, None)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"certificate", "password"}


def test_a_certificate_that_is_not_a_file_nor_base64_is_refused(api, alice):
    response = api.send("PUT", url(alice), {"certificate": "%%%", "password": "x"},
                        key=alice.api_key)
    assert response.json()["errors"] == {"certificate": [NOT_A_FILE]}


def test_a_refusal_never_echoes_the_certificate_or_the_password(api, alice, alices):
    p12 = alices.pkcs12(PASSWORD)
    body = {"certificate": base64.b64encode(p12).decode(), "password": "wrong",
            "representative": "maybe"}
    response = api.send("PUT", url(alice), body, key=alice.api_key)

    assert response.status_code == 422
    assert response.json() == {"representative": "maybe",
                               "errors": {"representative": ["must be true or false"]}}


def test_unknown_parameters_are_refused(api, alice, alices):
    response = upload(api, alice, alices.pkcs12(PASSWORD), bogus="1")

    assert response.status_code == 422
    assert response.json()["errors"] == {"bogus": [UNEXPECTED_PARAM]}


def test_without_an_encryption_key_the_service_says_it_cannot_store_certificates(
        api, alice, alices, settings):
    settings.CERTIFICATE_ENCRYPTION_KEYS = []
    response = upload(api, alice, alices.pkcs12(PASSWORD))

    assert response.status_code == 503
    assert response.json() == {"errors": [UNAVAILABLE]}
    assert not AccountCertificate.objects.exists()


# -- read and delete -------------------------------------------------------------------


def test_without_a_certificate_get_is_404(api, alice):
    response = api.send("GET", url(alice), key=alice.api_key)
    assert (response.status_code, response.json()) == (404, {"errors": [NOT_FOUND]})


def test_delete_removes_the_certificate(api, alice, alices):
    upload(api, alice, alices.pkcs12(PASSWORD))
    response = api.send("DELETE", url(alice), key=alice.api_key)

    assert (response.status_code, response.content) == (200, b"")
    assert not AccountCertificate.objects.exists()
    assert api.send("GET", url(alice), key=alice.api_key).status_code == 404
    assert api.send("DELETE", url(alice), key=alice.api_key).status_code == 404


def test_post_is_not_an_upload(api, alice):
    assert api.send("POST", url(alice), {}, key=alice.api_key).status_code == 405


def test_without_an_api_key_nothing_is_shown(api, alice, alices):
    upload(api, alice, alices.pkcs12(PASSWORD))
    assert api.send("GET", url(alice)).status_code == 401


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_accounts_certificate_is_not_found(api, alice, bob, alices, method):
    upload(api, alice, alices.pkcs12(PASSWORD))
    if method == "PUT":
        response = upload(api, bob, alices.pkcs12(PASSWORD), account_id=alice.account.pk)
    else:
        response = api.send(method, url(bob, account_id=alice.account.pk), key=bob.api_key)

    assert (response.status_code, response.json()) == (404, {"errors": [NOT_FOUND]})
    assert AccountCertificate.objects.get().account == alice.account
    assert not AccountCertificate.objects.filter(account=bob.account).exists()


def test_the_json_never_has_a_key_field(api, alice, alices):
    body = upload(api, alice, alices.pkcs12(PASSWORD)).json()
    assert not {"private_key", "private_key_encrypted", "certificate_pem", "password",
                "certificate"} & set(body)
    assert json.dumps(body).count("PRIVATE") == 0
