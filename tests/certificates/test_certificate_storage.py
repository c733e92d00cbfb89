"""How a certificate is kept and handed to the sender: encrypted at rest under a key from
the environment, rotated, never in a dump, a log or the admin; `credentials_for` picks the
account's own, else the service's as representative, else none."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from certificates import checks, crypto, services
from certificates.credentials import ACCOUNT, SERVICE
from certificates.models import AccountCertificate
from tests.pki import CertificateAuthority
from verifactu import transport

PASSWORD = "p12-password-42"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture(scope="module")
def ca():
    return CertificateAuthority("AC Test")


@pytest.fixture(scope="module")
def alices(ca):
    return ca.issue_entity_representative(entity_nif="B12345674", key="rsa")


@pytest.fixture(scope="module")
def gestoria(ca):
    return ca.issue_entity_seal(entity_nif="B87654323", entity_name="GESTORÍA PÉREZ SL")


@pytest.fixture
def no_service_certificate(settings):
    settings.AEAT_CERTIFICATE_FILE = ""
    settings.AEAT_CERTIFICATE_BASE64 = ""
    settings.AEAT_CERTIFICATE_PASSWORD = ""


def store(persona, issued, **options) -> AccountCertificate:
    return services.certificate_upload(account=persona.account, data=issued.pkcs12(PASSWORD),
                                       password=PASSWORD, **options)


def dump() -> list[bytes]:
    """Every column of every row of the app's tables, as a database dump would hold them."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith("certificates_"):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        values.append(bytes(value))
                    elif value is not None:
                        values.append(str(value).encode())
    return values


# -- at rest ---------------------------------------------------------------------------------


def test_a_database_dump_holds_nothing_usable_without_the_environment_key(alice, alices):
    p12 = alices.pkcs12(PASSWORD)
    services.certificate_upload(account=alice.account, data=p12, password=PASSWORD)
    columns = dump()
    assert columns, "the table was dumped"
    everything = b"\n".join(columns)

    forbidden = [alices.key_pem(), alices.key_der(), base64.b64encode(alices.key_der()),
                 p12, base64.b64encode(p12), PASSWORD.encode(), b"PRIVATE KEY"]
    for secret in forbidden:
        assert secret not in everything
    # No column opens as a key, nor decrypts under any key but the environment's.
    stranger = Fernet(Fernet.generate_key())
    for value in columns:
        for load in (serialization.load_pem_private_key, serialization.load_der_private_key):
            with pytest.raises((ValueError, TypeError)):
                load(value, password=None)
        with pytest.raises(InvalidToken):
            stranger.decrypt(value)


def test_the_stored_key_is_the_uploaded_key_once_decrypted(alice, alices):
    certificate = store(alice, alices)
    key = serialization.load_pem_private_key(
        crypto.decrypt(certificate.private_key_encrypted), password=None)
    assert key.private_numbers() == alices.key.private_numbers()


def test_keys_rotate_new_first_then_the_old_one_removed(alice, alices, settings,
                                                        no_service_certificate):
    settings.CERTIFICATE_ENCRYPTION_KEYS = [KEY_A]
    store(alice, alices)

    settings.CERTIFICATE_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert services.credentials_for(alice.account) is not None  # old tokens still read
    call_command("rotate_certificate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115

    settings.CERTIFICATE_ENCRYPTION_KEYS = [KEY_B]
    assert services.credentials_for(alice.account).holder_nif == "B12345674"
    settings.CERTIFICATE_ENCRYPTION_KEYS = [KEY_A]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        services.credentials_for(alice.account)


def test_using_a_stored_certificate_without_the_key_is_improperly_configured(
        alice, alices, settings):
    store(alice, alices)
    settings.CERTIFICATE_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_ENCRYPTION_KEY is not set"):
        services.credentials_for(alice.account)


def test_uploads_log_neither_the_password_nor_the_key(alice, alices, caplog):
    caplog.set_level(logging.DEBUG)
    store(alice, alices)
    services.credentials_for(alice.account)
    logged = caplog.text.encode()
    assert PASSWORD.encode() not in logged
    assert b"PRIVATE KEY" not in logged


def test_credentials_do_not_show_their_key_in_a_repr(alice, alices):
    store(alice, alices)
    credentials = services.credentials_for(alice.account)
    assert "PRIVATE" not in repr(credentials)
    assert "PRIVATE" not in repr(AccountCertificate.objects.get())


# -- credentials_for -------------------------------------------------------------------------


def test_an_accounts_own_certificate_presents_for_the_taxpayer(alice, alices,
                                                                no_service_certificate):
    store(alice, alices)
    credentials = services.credentials_for(alice.account)

    assert credentials.source == ACCOUNT
    assert (credentials.holder_name, credentials.holder_nif) == ("KOVACEK NIENOW SL", "B12345674")
    assert credentials.representative is None
    assert not credentials.seal
    assert credentials.certificate_pem.startswith(alices.certificate_pem())
    assert b"BEGIN PRIVATE KEY" in credentials.private_key_pem


def test_a_representatives_certificate_names_the_representative(alice, gestoria,
                                                                no_service_certificate):
    store(alice, gestoria, representative=True)
    credentials = services.credentials_for(alice.account)

    assert credentials.representative == ("GESTORÍA PÉREZ SL", "B87654323")
    assert credentials.seal


def test_without_any_certificate_there_are_no_credentials(alice, no_service_certificate):
    assert services.credentials_for(alice.account) is None


def test_the_service_certificate_from_a_file_presents_as_representative(
        alice, gestoria, settings, tmp_path):
    path = tmp_path / "service.p12"
    path.write_bytes(gestoria.pkcs12(PASSWORD))
    settings.AEAT_CERTIFICATE_FILE = str(path)
    settings.AEAT_CERTIFICATE_BASE64 = ""
    settings.AEAT_CERTIFICATE_PASSWORD = PASSWORD

    credentials = services.credentials_for(alice.account)
    assert credentials.source == SERVICE
    assert credentials.representative == ("GESTORÍA PÉREZ SL", "B87654323")


def test_the_service_certificate_may_come_in_base64(alice, gestoria, settings):
    settings.AEAT_CERTIFICATE_FILE = ""
    settings.AEAT_CERTIFICATE_BASE64 = base64.encodebytes(gestoria.pkcs12(PASSWORD)).decode()
    settings.AEAT_CERTIFICATE_PASSWORD = PASSWORD

    assert services.credentials_for(alice.account).holder_nif == "B87654323"


def test_an_accounts_own_certificate_wins_over_the_services(alice, alices, gestoria,
                                                             settings):
    settings.AEAT_CERTIFICATE_BASE64 = base64.b64encode(gestoria.pkcs12(PASSWORD)).decode()
    settings.AEAT_CERTIFICATE_PASSWORD = PASSWORD
    store(alice, alices)
    assert services.credentials_for(alice.account).source == ACCOUNT


@pytest.mark.parametrize("file, encoded, password, message", [
    ("/nonexistent/service.p12", "", PASSWORD, "AEAT_CERTIFICATE_FILE"),
    ("", "%%% not base64", PASSWORD, "not base64"),
    ("", "GESTORIA", "wrong", "password does not open"),
    ("/x.p12", "GESTORIA", PASSWORD, "not both"),
], ids=["missing-file", "bad-base64", "wrong-password", "both"])
def test_a_misconfigured_service_certificate_is_said_loudly(
        alice, gestoria, settings, file, encoded, password, message):
    settings.AEAT_CERTIFICATE_FILE = file
    settings.AEAT_CERTIFICATE_BASE64 = (
        base64.b64encode(gestoria.pkcs12(PASSWORD)).decode() if encoded == "GESTORIA"
        else encoded)
    settings.AEAT_CERTIFICATE_PASSWORD = password
    with pytest.raises(ImproperlyConfigured, match=message):
        services.credentials_for(alice.account)
    assert [m.id for m in checks.service_certificate()] == ["certificates.E001"]


def test_start_up_checks_report_an_expired_service_certificate(ca, settings):
    import datetime

    from tests.pki import now

    old = ca.issue_entity_seal(not_before=now() - datetime.timedelta(days=30),
                               not_after=now() - datetime.timedelta(days=1))
    settings.AEAT_CERTIFICATE_FILE = ""
    settings.AEAT_CERTIFICATE_BASE64 = base64.b64encode(old.pkcs12(PASSWORD)).decode()
    settings.AEAT_CERTIFICATE_PASSWORD = PASSWORD

    assert [m.id for m in checks.service_certificate()] == ["certificates.E002"]


def test_start_up_checks_report_stored_certificates_without_their_key(alice, alices, settings):
    store(alice, alices)
    assert checks.stored_certificates_have_their_key(databases=["default"]) == []

    settings.CERTIFICATE_ENCRYPTION_KEYS = []
    assert [m.id for m in checks.stored_certificates_have_their_key(databases=["default"])] == [
        "certificates.E003"]


def test_any_long_secret_is_a_key_so_herokus_generated_secrets_work(tmp_path):
    import subprocess
    import sys

    probe = ("from django.conf import settings; import django; django.setup(); "
             "from cryptography.fernet import Fernet; "
             "[Fernet(k) for k in settings.CERTIFICATE_ENCRYPTION_KEYS]; "
             "print(len(settings.CERTIFICATE_ENCRYPTION_KEYS))")
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE":
           "facturagem.settings", "CERTIFICATE_ENCRYPTION_KEY": f"{'ab' * 32},{KEY_A}"}
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                            text=True, timeout=60, cwd=root)
    assert result.stdout.strip() == "2", result.stderr

    env["CERTIFICATE_ENCRYPTION_KEY"] = "short"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                            text=True, timeout=60, cwd=root)
    assert "at least 32 characters" in result.stderr


# -- endpoints -------------------------------------------------------------------------------


@pytest.mark.parametrize("environment, seal, host", [
    ("test", False, "prewww1.aeat.es"), ("test", True, "prewww10.aeat.es"),
    ("production", False, "www1.agenciatributaria.gob.es"),
    ("production", True, "www10.agenciatributaria.gob.es"),
])
def test_the_endpoint_follows_the_environment_and_the_certificate_type(
        alice, alices, gestoria, settings, environment, seal, host):
    settings.AEAT_ENVIRONMENT = environment
    settings.AEAT_ENDPOINT = ""
    store(alice, gestoria if seal else alices, representative=seal)
    url = transport.endpoint_url(services.credentials_for(alice.account))
    assert url == f"https://{host}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"


def test_aeat_endpoint_replaces_the_url(settings):
    settings.AEAT_ENDPOINT = "https://proxy.example/aeat"
    assert transport.endpoint_url(None) == "https://proxy.example/aeat"


# -- admin -----------------------------------------------------------------------------------


def test_the_admin_shows_metadata_and_never_the_key(client, alice, alices, django_user_model):
    certificate = store(alice, alices)
    staff = django_user_model.objects.create_superuser("staff", "pw", email="s@example.com")
    client.force_login(staff)

    listing = client.get("/admin/certificates/accountcertificate/")
    detail = client.get(f"/admin/certificates/accountcertificate/{certificate.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    assert b"B12345674" in listing.content and b"KOVACEK NIENOW SL" in detail.content
    for page in (listing, detail):
        assert certificate.private_key_encrypted.encode()[:40] not in page.content
        assert b"BEGIN CERTIFICATE" not in page.content
        assert b"PRIVATE KEY" not in page.content
    assert client.get("/admin/certificates/accountcertificate/add/").status_code == 403
