"""The stand-in AEAT and its PKI, for every test that speaks the protocol.

- `pki`: one throw-away CA (session-wide), the stand-in's server certificate, and client
  certificates with Spanish subjects;
- `aeat_standin`: a running stand-in; AEAT_ENDPOINT points at it and REQUESTS_CA_BUNDLE
  trusts its CA, so the real transport talks to it unchanged;
- `credentials`: the taxpayer's (Kovacek Nienow SL, B12345674) client credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from certificates.credentials import Credentials
from tests.pki import CertificateAuthority, Issued
from tests.verifactu.aeat_standin import AeatStandIn, credentials_from


@dataclass
class TestPKI:
    ca: CertificateAuthority
    ca_file: Path
    server: Issued
    taxpayer: Issued  # legal-entity representative for B12345674
    other_ca: CertificateAuthority  # trusted by nobody


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> TestPKI:
    directory = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority("Stand-in AEAT CA")
    return TestPKI(
        ca=ca,
        ca_file=ca.write_pem(directory),
        server=ca.issue_server("127.0.0.1", "localhost"),
        taxpayer=ca.issue_entity_representative(),
        other_ca=CertificateAuthority("Some other CA"),
    )


@pytest.fixture
def credentials(pki) -> Credentials:
    return credentials_from(pki.taxpayer)


@pytest.fixture
def aeat_standin(pki, settings, monkeypatch):
    standin = AeatStandIn(server=pki.server, client_ca=pki.ca)
    standin.start()
    settings.AEAT_ENDPOINT = standin.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.ca_file))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    yield standin
    standin.stop()
