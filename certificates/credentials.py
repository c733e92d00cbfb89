"""What the AEAT transport needs to present a client certificate: PEM material in memory,
and who it is. Plain data (no Django), built by `certificates.services.credentials_for`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from certificates.bundle import ENTITY_SEAL

ACCOUNT = "account"
SERVICE = "service"


@dataclass(frozen=True)
class Credentials:
    certificate_pem: bytes = field(repr=False)  # the certificate, then its chain
    private_key_pem: bytes = field(repr=False)  # unencrypted PKCS#8: memory only, never logged
    holder_name: str  # who the certificate presents for (entity, else person)
    holder_nif: str
    kind: str  # certificates.bundle.KINDS
    # (NombreRazon, NIF) for the Cabecera's Representante when the holder is not the
    # taxpayer (an asesor's certificate, or the service's own); None when the taxpayer presents.
    representative: tuple[str, str] | None
    source: str  # ACCOUNT or SERVICE
    not_after: datetime.datetime
    fingerprint: str  # SHA-256 of the certificate, hex

    @property
    def seal(self) -> bool:
        """An entity seal presents at the AEAT's www10/prewww10 hosts, the rest at www1."""
        return self.kind == ENTITY_SEAL

    def expired(self, now: datetime.datetime) -> bool:
        return now > self.not_after
