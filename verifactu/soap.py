"""The AEAT's SOAP messages: the envelope that carries records (SuministroLR.xsd) and the
answer it gets (RespuestaSuministro.xsd, or a SOAP 1.1 Fault).

The records go in verbatim: each is the exact bytes the record builder stored (its
literals are what the huella was computed over), spliced into an envelope lxml builds
around them. Parsing is safe against entity attacks: no entity resolution, no network, no
DTD at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from verifactu.errors import SoapFault, TransportError
from verifactu.namespaces import SF, SFLR, SFR, SOAPENV

MAX_RECORDS = 1000  # SuministroLR.xsd maxOccurs; the AEAT answers 4113/4114 above it

NO_RECORDS = "a message carries 1 to 1000 records, got {count}"
NOT_A_RECORD = "record {index} is not a RegistroAlta or RegistroAnulacion in the AEAT's namespace"
NOT_UTF8 = "record {index} is not UTF-8 XML"
MALFORMED_RECORD = "record {index} is not well-formed XML: {error}"
NOT_XML = "the AEAT's answer is not XML: {error}"
NOT_AN_ANSWER = "the AEAT's answer is not a RespuestaRegFactuSistemaFacturacion: {root}"
INCOMPLETE_ANSWER = "the AEAT's answer lacks {element}"
DTD_REFUSED = "the AEAT's answer carries a DTD (refused: entity attacks)"

RECORD_TAGS = (f"{{{SF}}}RegistroAlta", f"{{{SF}}}RegistroAnulacion")
_FAULT_CODE = re.compile(r"Codigo\s*\[\s*(\d+)\s*\]", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>\s*", re.DOTALL)
# A processing instruction marks where each record goes: text can never contain one (a
# "<" in a name or NIF is escaped), so the split below cannot be fooled by content.
_PLACEHOLDER = b"<?facturagem-record ?>"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False,
    )


def safe_fromstring(data: bytes) -> etree._Element:
    """An element tree from bytes, refusing any DTD (and so any entity declaration)."""
    root = etree.fromstring(data, _parser())
    if root.getroottree().docinfo.doctype:
        raise ValueError(DTD_REFUSED)
    return root


# -- the request ------------------------------------------------------------------------


def _sf(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SF}}}{name}")
    if text is not None:
        element.text = text
    return element


def _record_body(index: int, record: bytes) -> bytes:
    """The record's element, byte for byte, without its XML declaration."""
    if not isinstance(record, bytes | bytearray):
        raise TypeError(NOT_UTF8.format(index=index))
    declaration = _XML_DECLARATION.match(record)
    if declaration and re.search(rb"encoding\s*=\s*[\"'](?!utf-8[\"'])", declaration.group(),
                                 re.IGNORECASE):
        raise ValueError(NOT_UTF8.format(index=index))
    body = bytes(record[declaration.end():] if declaration else record).strip()
    try:
        body.decode("utf-8")
        root = safe_fromstring(body)
    except UnicodeDecodeError as error:
        raise ValueError(NOT_UTF8.format(index=index)) from error
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ValueError(MALFORMED_RECORD.format(index=index, error=error)) from error
    if root.tag not in RECORD_TAGS:
        raise ValueError(NOT_A_RECORD.format(index=index))
    return body


def build_envelope(
    *,
    taxpayer_name: str,
    taxpayer_nif: str,
    representative: tuple[str, str] | None,
    incidencia: bool,
    records: Sequence[bytes],
) -> bytes:
    """A SOAP 1.1 envelope with one RegFactuSistemaFacturacion: the Cabecera
    (ObligadoEmision; Representante when someone presents for the taxpayer;
    RemisionVoluntaria/Incidencia=S when the records are late, OM art. 16.4) and one
    RegistroFactura per record, each record's bytes inserted unchanged."""
    if not 1 <= len(records) <= MAX_RECORDS:
        raise ValueError(NO_RECORDS.format(count=len(records)))
    bodies = [_record_body(index, record) for index, record in enumerate(records)]

    envelope = etree.Element(f"{{{SOAPENV}}}Envelope",
                             nsmap={"soapenv": SOAPENV, "sum": SFLR, "sum1": SF})
    etree.SubElement(envelope, f"{{{SOAPENV}}}Header")
    body = etree.SubElement(envelope, f"{{{SOAPENV}}}Body")
    message = etree.SubElement(body, f"{{{SFLR}}}RegFactuSistemaFacturacion")
    header = etree.SubElement(message, f"{{{SFLR}}}Cabecera")
    taxpayer = _sf(header, "ObligadoEmision")
    _sf(taxpayer, "NombreRazon", taxpayer_name)
    _sf(taxpayer, "NIF", taxpayer_nif)
    if representative is not None:
        name, nif = representative
        presenter = _sf(header, "Representante")
        _sf(presenter, "NombreRazon", name)
        _sf(presenter, "NIF", nif)
    if incidencia:
        voluntary = _sf(header, "RemisionVoluntaria")
        _sf(voluntary, "Incidencia", "S")
    for _ in bodies:
        etree.SubElement(message, f"{{{SFLR}}}RegistroFactura").append(
            etree.PI("facturagem-record"))

    serialized = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    parts = serialized.split(_PLACEHOLDER)
    assert len(parts) == len(bodies) + 1
    out = [parts[0]]
    for record, tail in zip(bodies, parts[1:], strict=True):
        out += [record, tail]
    return b"".join(out)


# -- the answer -------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateRecord:
    """RegistroDuplicado: what the AEAT already holds for a record answered 3000."""

    request_id: str  # IdPeticionRegistroDuplicado
    state: str  # EstadoRegistroDuplicado: Correcta, AceptadaConErrores or Anulada
    error_code: int | None  # CodigoErrorRegistro
    error_description: str  # DescripcionErrorRegistro

    @property
    def accepted(self) -> bool:
        """The earlier submission was registered (the answer to it was lost)."""
        return self.state in ("Correcta", "AceptadaConErrores")


@dataclass(frozen=True)
class Line:
    """RespuestaLinea: the AEAT's answer for one record."""

    issuer_nif: str  # IDFactura/IDEmisorFactura
    number: str  # IDFactura/NumSerieFactura
    issue_date: str  # IDFactura/FechaExpedicionFactura, as sent (dd-mm-yyyy)
    operation: str  # Operacion/TipoOperacion: Alta or Anulacion
    correction: str  # Operacion/Subsanacion (S/N, "" when absent)
    previously_rejected: str  # Operacion/RechazoPrevio ("" when absent)
    without_prior_record: str  # Operacion/SinRegistroPrevio ("" when absent)
    external_ref: str  # RefExterna ("" when absent)
    state: str  # EstadoRegistro: Correcto, AceptadoConErrores or Incorrecto
    error_code: int | None  # CodigoErrorRegistro
    error_description: str  # DescripcionErrorRegistro
    duplicate: DuplicateRecord | None  # RegistroDuplicado


@dataclass(frozen=True)
class Response:
    """RespuestaRegFactuSistemaFacturacion."""

    csv: str  # CSV: the receipt; only in this answer, never retrievable later ("" if none)
    status: str  # EstadoEnvio: Correcto, ParcialmenteCorrecto or Incorrecto
    wait_seconds: int  # TiempoEsperaEnvio
    presenter_nif: str  # DatosPresentacion/NIFPresentador ("" on a rejection)
    submitted_at: str  # DatosPresentacion/TimestampPresentacion, the AEAT's literal
    taxpayer_name: str  # Cabecera/ObligadoEmision/NombreRazon (the echo)
    taxpayer_nif: str  # Cabecera/ObligadoEmision/NIF
    lines: tuple[Line, ...]


def _text(element: etree._Element | None, path: str, ns: dict[str, str]) -> str:
    if element is None:
        return ""
    found = element.find(path, ns)
    return (found.text or "").strip() if found is not None else ""


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


_NS = {"r": SFR, "sf": SF, "env": SOAPENV}


def _payload(body: bytes) -> etree._Element:
    """The first child of the SOAP Body (or the document itself when not in an envelope);
    raises SoapFault for a Fault and TransportError for anything unusable."""
    try:
        root = safe_fromstring(body)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise TransportError("garbage", NOT_XML.format(error=error)) from error
    if root.tag == f"{{{SOAPENV}}}Envelope":
        soap_body = root.find("env:Body", _NS)
        children = [child for child in soap_body if isinstance(child.tag, str)] \
            if soap_body is not None else []
        if not children:
            raise TransportError("garbage", INCOMPLETE_ANSWER.format(element="soapenv:Body"))
        root = children[0]
    if root.tag == f"{{{SOAPENV}}}Fault":
        raise fault_from(root)
    return root


def fault_from(fault: etree._Element) -> SoapFault:
    """A SoapFault from a SOAP 1.1 Fault element (faultcode and faultstring are unqualified)."""
    fault_code = _text(fault, "faultcode", {}) or _text(fault, "env:faultcode", _NS)
    fault_string = _text(fault, "faultstring", {}) or _text(fault, "env:faultstring", _NS)
    # `env:Client`, `soapenv:Server.Busy`: the local name's first dotted part decides.
    local = fault_code.rsplit(":", 1)[-1].split(".", 1)[0].lower()
    kind = "client" if local == "client" else "server"  # unknown: retry, with backoff
    match = _FAULT_CODE.search(fault_string)
    return SoapFault(kind=kind, fault_code=fault_code, fault_string=fault_string,
                     code=int(match.group(1)) if match else None)


def parse_fault(body: bytes) -> SoapFault | None:
    """The SoapFault a body carries, or None when it is not a SOAP Fault."""
    try:
        _payload(body)
    except SoapFault as fault:
        return fault
    except TransportError:
        return None
    return None


def parse_response(body: bytes) -> Response:
    """The AEAT's answer to a RegFactuSistemaFacturacion. A SOAP Fault raises SoapFault;
    anything that is not the expected XML raises TransportError (kind `garbage`)."""
    answer = _payload(body)
    if answer.tag != f"{{{SFR}}}RespuestaRegFactuSistemaFacturacion":
        raise TransportError("garbage", NOT_AN_ANSWER.format(root=answer.tag))
    status = _text(answer, "r:EstadoEnvio", _NS)
    if not status:
        raise TransportError("garbage", INCOMPLETE_ANSWER.format(element="EstadoEnvio"))
    wait = _int(_text(answer, "r:TiempoEsperaEnvio", _NS))
    if wait is None:
        raise TransportError("garbage", INCOMPLETE_ANSWER.format(element="TiempoEsperaEnvio"))
    presentation = answer.find("r:DatosPresentacion", _NS)
    header = answer.find("r:Cabecera/sf:ObligadoEmision", _NS)
    lines = []
    for line in answer.findall("r:RespuestaLinea", _NS):
        duplicate = line.find("r:RegistroDuplicado", _NS)
        lines.append(Line(
            issuer_nif=_text(line, "r:IDFactura/sf:IDEmisorFactura", _NS),
            number=_text(line, "r:IDFactura/sf:NumSerieFactura", _NS),
            issue_date=_text(line, "r:IDFactura/sf:FechaExpedicionFactura", _NS),
            operation=_text(line, "r:Operacion/sf:TipoOperacion", _NS),
            correction=_text(line, "r:Operacion/sf:Subsanacion", _NS),
            previously_rejected=_text(line, "r:Operacion/sf:RechazoPrevio", _NS),
            without_prior_record=_text(line, "r:Operacion/sf:SinRegistroPrevio", _NS),
            external_ref=_text(line, "r:RefExterna", _NS),
            state=_text(line, "r:EstadoRegistro", _NS),
            error_code=_int(_text(line, "r:CodigoErrorRegistro", _NS)),
            error_description=_text(line, "r:DescripcionErrorRegistro", _NS),
            duplicate=None if duplicate is None else DuplicateRecord(
                request_id=_text(duplicate, "sf:IdPeticionRegistroDuplicado", _NS),
                state=_text(duplicate, "sf:EstadoRegistroDuplicado", _NS),
                error_code=_int(_text(duplicate, "sf:CodigoErrorRegistro", _NS)),
                error_description=_text(duplicate, "sf:DescripcionErrorRegistro", _NS),
            ),
        ))
    return Response(
        csv=_text(answer, "r:CSV", _NS),
        status=status,
        wait_seconds=wait,
        presenter_nif=_text(presentation, "sf:NIFPresentador", _NS),
        submitted_at=_text(presentation, "sf:TimestampPresentacion", _NS),
        taxpayer_name=_text(header, "sf:NombreRazon", _NS),
        taxpayer_nif=_text(header, "sf:NIF", _NS),
        lines=tuple(lines),
    )
