"""What can go wrong talking to the AEAT, classified the way the AEAT's web-service
description (v1.0.3 §5.1) says to act on it, and the AEAT's own text for its codes.

- No usable answer (connection refused or reset, timeout, TLS failure, an HTTP error
  without a SOAP body, a body that is not the expected XML): `TransportError`, send again.
- A SOAP Fault `Server`: the AEAT failed; send the same message again (`SoapFault`,
  retryable).
- A SOAP Fault `Client`: the message or its header is wrong (4102 schema, 4104 NIF not
  identified, 4112 certificate holder…); sending it again gives the same answer
  (`SoapFault`, not retryable) until someone fixes the cause.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ERRORS_FILE = Path(__file__).resolve().parent / "schemas" / "AEAT_errores.properties"
UNKNOWN_CODE = "Código de error desconocido para la AEAT ({code})."

_LINE = re.compile(r"^\s*(\d+)\s*=\s*(.*?)\s*$")


@cache
def _table() -> dict[int, str]:
    # ISO-8859-1, like every Java .properties file (README of verifactu/schemas).
    table: dict[int, str] = {}
    for line in ERRORS_FILE.read_text(encoding="iso-8859-1").splitlines():
        match = _LINE.match(line)
        if match:
            table[int(match.group(1))] = match.group(2)
    return table


def describe(code: int) -> str:
    """The AEAT's text for one of its error codes (AEAT_errores.properties)."""
    return _table().get(int(code)) or UNKNOWN_CODE.format(code=code)


def known_codes() -> frozenset[int]:
    return frozenset(_table())


class AeatError(Exception):
    """A message that did not get a business answer from the AEAT."""

    retryable: bool = True
    # What came back, when something did (a Fault's envelope, a proxy's error page): kept
    # with the message it answered (verifactu.models.Submission.response).
    body: bytes = b""

    @property
    def reason(self) -> str:
        return str(self)


class TransportError(AeatError):
    """No usable answer: the message may or may not have arrived. Always retryable (a
    record the AEAT did register answers 3000 + RegistroDuplicado when sent again).

    `kind` is one of KINDS."""

    KINDS = ("connection", "timeout", "tls", "http", "garbage")
    retryable = True

    def __init__(self, kind: str, message: str) -> None:
        assert kind in self.KINDS, kind
        super().__init__(message)
        self.kind = kind


class SoapFault(AeatError):
    """The AEAT refused the whole message (SOAP 1.1 Fault).

    `kind` is `client` (the message is wrong: not retryable) or `server` (retryable);
    `code` is the AEAT's code parsed from the fault string (`Codigo[4104].…`) or None."""

    def __init__(self, *, kind: str, fault_code: str, fault_string: str,
                 code: int | None) -> None:
        assert kind in ("client", "server"), kind
        super().__init__(fault_string)
        self.kind = kind
        self.fault_code = fault_code
        self.fault_string = fault_string
        self.code = code

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.kind == "server"

    @property
    def description(self) -> str:
        """The AEAT's text for the code (the fault string when there is no code)."""
        return describe(self.code) if self.code is not None else self.fault_string

    def __repr__(self) -> str:
        return f"SoapFault(kind={self.kind!r}, code={self.code!r}, {self.fault_string!r})"
