"""A stand-in for the AEAT's VERI*FACTU web service: HTTPS on 127.0.0.1 (a free port),
a client certificate required, every request body validated against SuministroLR.xsd and
recorded, and answers as scripted.

    standin = AeatStandIn(server=ca.issue_server("127.0.0.1"), client_ca=ca)
    standin.start()
    standin.script(incorrect(4104), fault("server"), slow(5))   # the next three answers
    …
    standin.requests      # what arrived: body, client certificate subject, arrival time
    standin.max_in_flight # {taxpayer NIF: most messages it had in flight at once}
    standin.stop()        # connections refused; start() again on the same port

By default (nothing scripted) every record is answered Correcto, echoing its IDFactura and
RefExterna, with a fresh CSV and `default_wait` as TiempoEsperaEnvio. A schema-invalid
message gets the AEAT's SOAP Fault 4102 (HTTP 500) and does not use up a scripted answer.
Its answers are schema-valid (RespuestaSuministro.xsd), written with the real AEAT's
prefixes (`env`, `tikR`, `tik`).
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import itertools
import secrets
import socket
import socketserver
import ssl
import string
import struct
import tempfile
import threading
import time
import zoneinfo
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from lxml import etree

from certificates.bundle import BundleError, identity_of, open_pkcs12
from certificates.credentials import ACCOUNT, Credentials
from tests.pki import Issued
from verifactu import errors, schema, soap
from verifactu.namespaces import SF, SFLR, SFR, SOAPENV

PATH = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
_NS = {"env": SOAPENV, "sum": SFLR, "sf": SF}


def credentials_from(issued: Issued, *, representative: tuple[str, str] | None = None,
                     source: str = ACCOUNT) -> Credentials:
    """Credentials the way certificates.services builds them (through the same PKCS#12)."""
    opened = open_pkcs12(issued.pkcs12("pw"), "pw")
    return Credentials(
        certificate_pem=opened.certificate_pem(),
        private_key_pem=opened.private_key_pem(),
        holder_name=opened.identity.name,
        holder_nif=opened.identity.nif,
        kind=opened.identity.kind,
        representative=representative,
        source=source,
        not_after=opened.not_after,
        fingerprint=opened.fingerprint,
    )


# -- what arrives ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordInfo:
    """One RegistroFactura of a request, as the AEAT would identify it."""

    operation: str  # Alta or Anulacion
    issuer_nif: str
    number: str
    issue_date: str
    external_ref: str
    correction: str  # Subsanacion
    previously_rejected: str  # RechazoPrevio
    without_prior_record: str  # SinRegistroPrevio


@dataclass
class ReceivedRequest:
    body: bytes
    headers: dict[str, str]
    path: str
    client_subject: str | None
    client_nif: str
    arrived_at: datetime.datetime
    arrived_monotonic: float
    schema_errors: list[str] = field(default_factory=list)
    taxpayer_nif: str = ""
    taxpayer_name: str = ""
    representative: tuple[str, str] | None = None
    incidencia: str = ""
    records: list[RecordInfo] = field(default_factory=list)
    cabecera: etree._Element | None = field(default=None, repr=False)
    answered_monotonic: float | None = None  # when the answer was written (None: dropped)

    @property
    def valid(self) -> bool:
        return not self.schema_errors


def _text(element, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""


def _read_message(request: ReceivedRequest) -> None:
    """Validates and reads the envelope into `request` (schema_errors when it is not valid)."""
    try:
        root = soap.safe_fromstring(request.body)
    except (etree.XMLSyntaxError, ValueError) as error:
        request.schema_errors = [f"not XML: {error}"]
        return
    message = root.find("env:Body/sum:RegFactuSistemaFacturacion", _NS)
    if root.tag != f"{{{SOAPENV}}}Envelope" or message is None:
        request.schema_errors = ["not a SOAP envelope with a RegFactuSistemaFacturacion"]
        return
    try:
        schema.validate(message, "SuministroLR")
    except schema.SchemaError as error:
        request.schema_errors = error.errors or ["invalid"]
        return
    header = message.find("sum:Cabecera", _NS)
    request.cabecera = header
    request.taxpayer_nif = _text(header, "sf:ObligadoEmision/sf:NIF")
    request.taxpayer_name = _text(header, "sf:ObligadoEmision/sf:NombreRazon")
    if header.find("sf:Representante", _NS) is not None:
        request.representative = (_text(header, "sf:Representante/sf:NombreRazon"),
                                  _text(header, "sf:Representante/sf:NIF"))
    request.incidencia = _text(header, "sf:RemisionVoluntaria/sf:Incidencia")
    for wrapper in message.findall("sum:RegistroFactura", _NS):
        record = wrapper[0]
        if record.tag == f"{{{SF}}}RegistroAlta":
            request.records.append(RecordInfo(
                operation="Alta",
                issuer_nif=_text(record, "sf:IDFactura/sf:IDEmisorFactura"),
                number=_text(record, "sf:IDFactura/sf:NumSerieFactura"),
                issue_date=_text(record, "sf:IDFactura/sf:FechaExpedicionFactura"),
                external_ref=_text(record, "sf:RefExterna"),
                correction=_text(record, "sf:Subsanacion"),
                previously_rejected=_text(record, "sf:RechazoPrevio"),
                without_prior_record="",
            ))
        else:
            request.records.append(RecordInfo(
                operation="Anulacion",
                issuer_nif=_text(record, "sf:IDFactura/sf:IDEmisorFacturaAnulada"),
                number=_text(record, "sf:IDFactura/sf:NumSerieFacturaAnulada"),
                issue_date=_text(record, "sf:IDFactura/sf:FechaExpedicionFacturaAnulada"),
                external_ref=_text(record, "sf:RefExterna"),
                correction="",
                previously_rejected=_text(record, "sf:RechazoPrevio"),
                without_prior_record=_text(record, "sf:SinRegistroPrevio"),
            ))


# -- what it answers -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The AEAT's verdict on one record."""

    state: str = "Correcto"  # EstadoRegistro
    code: int | None = None
    description: str = ""
    duplicate_state: str | None = None  # EstadoRegistroDuplicado, for 3000


CORRECT = Outcome()


def rejected(code: int = 1100) -> Outcome:
    return Outcome("Incorrecto", code, errors.describe(code))


def with_errors(code: int = 2000) -> Outcome:
    return Outcome("AceptadoConErrores", code, errors.describe(code))


def duplicate(state: str = "Correcta") -> Outcome:
    return Outcome("Incorrecto", 3000, errors.describe(3000), duplicate_state=state)


LineRule = Outcome | dict[str, Outcome] | Callable[[RecordInfo, int], Outcome]


class Registry:
    """What the AEAT holds, as a LineRule: each record is judged by the state the AEAT needs
    for its operation flags (spanish-einvoicing §1.9, from the AEAT's design documents) and
    the registry follows what it accepted. `reject_first` refuses the first arrival of
    those numbers (code by NumSerieFactura), as a census or data error would."""

    def __init__(self, reject_first: dict[str, int] | None = None) -> None:
        self.state: dict[tuple[str, str, str], str] = {}  # IDFactura → Correcta / Anulada
        self._reject_first = dict(reject_first or {})
        self._lock = threading.Lock()

    def __call__(self, record: RecordInfo, index: int) -> Outcome:
        with self._lock:
            key = (record.issuer_nif, record.number, record.issue_date)
            code = self._reject_first.pop(record.number, None)
            if code is not None:
                return rejected(code)
            held = self.state.get(key)
            if record.operation == "Alta":
                resubmission = record.correction == "S"
                if not resubmission and held is not None:
                    return duplicate(held)
                if record.previously_rejected == "X" and held is not None:
                    return duplicate(held)
                if resubmission and record.previously_rejected != "X" and held is None:
                    return rejected(3002)
                self.state[key] = "Correcta"
                return CORRECT
            if record.without_prior_record == "S":
                if held is not None:
                    return duplicate(held)
            elif held is None:
                return rejected(3002)
            elif held == "Anulada":
                return rejected(3001)
            self.state[key] = "Anulada"
            return CORRECT


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=UTF-8"
    delay: float = 0.0
    drop: bool = False
    trickle: float = 0.0  # seconds between the body's pieces (a server that dribbles)


class Answer:
    """A scripted answer: `reply(request, standin)` gives what goes back."""

    delay: float = 0.0

    def reply(self, request: ReceivedRequest, standin: AeatStandIn) -> Reply:
        raise NotImplementedError


@dataclass
class Respond(Answer):
    """A business answer. `lines` decides each record's outcome: one Outcome for all, a
    dict by NumSerieFactura (the others Correcto), or a function (record, index)."""

    lines: LineRule = CORRECT
    wait: int | None = None  # TiempoEsperaEnvio (None: the stand-in's default_wait)
    csv: str | None = None  # None: a fresh one (none when every record is refused)
    delay: float = 0.0

    def outcome(self, record: RecordInfo, index: int) -> Outcome:
        if isinstance(self.lines, Outcome):
            return self.lines
        if isinstance(self.lines, dict):
            return self.lines.get(record.number, CORRECT)
        return self.lines(record, index)

    def reply(self, request: ReceivedRequest, standin: AeatStandIn) -> Reply:
        outcomes = [self.outcome(r, i) for i, r in enumerate(request.records)]
        wait = standin.default_wait if self.wait is None else self.wait
        body = standin.answer_xml(request, outcomes, wait=wait, csv=self.csv)
        return Reply(200, body, delay=self.delay)


@dataclass
class Trickle(Answer):
    """`then`'s answer, its body dribbled in eight pieces `every` seconds apart."""

    then: Answer = field(default_factory=lambda: Respond())
    every: float = 0.5
    delay: float = 0.0

    def reply(self, request: ReceivedRequest, standin: AeatStandIn) -> Reply:
        reply = self.then.reply(request, standin)
        reply.trickle = self.every
        return reply


@dataclass
class Fault(Answer):
    kind: str = "client"  # client or server
    code: int | None = 4104
    text: str | None = None
    delay: float = 0.0

    def reply(self, request: ReceivedRequest, standin: AeatStandIn) -> Reply:
        text = self.text if self.text is not None else (
            f"Codigo[{self.code}].{errors.describe(self.code)}" if self.code else "Error")
        return Reply(500, fault_xml(self.kind, text), delay=self.delay)


@dataclass
class Drop(Answer):
    """The connection closes without an answer (after `delay` seconds)."""

    delay: float = 0.0

    def reply(self, request: ReceivedRequest, standin: AeatStandIn) -> Reply:
        return Reply(drop=True, delay=self.delay)


@dataclass
class Raw(Answer):
    """Anything at all: an HTML error page from a proxy, garbage with a 200…"""

    status: int = 503
    body: bytes = b"<html><body>Service Unavailable</body></html>"
    content_type: str = "text/html"
    delay: float = 0.0

    def reply(self, request: ReceivedRequest, standin: AeatStandIn) -> Reply:
        return Reply(self.status, self.body, self.content_type, delay=self.delay)


# The scripted answers the protocol knows, by name.
def correct(*, wait: int | None = None, csv: str | None = None) -> Respond:
    return Respond(CORRECT, wait=wait, csv=csv)


def partially_correct(lines: dict[str, Outcome] | None = None, **options) -> Respond:
    """Some records refused (by NumSerieFactura; default: the first, code 1100)."""
    return Respond(lines if lines is not None else
                   (lambda record, index: rejected(1100) if index == 0 else CORRECT), **options)


def accepted_with_errors(code: int = 2000, numbers: list[str] | None = None,
                         **options) -> Respond:
    if numbers is None:
        return Respond(with_errors(code), **options)
    return Respond({number: with_errors(code) for number in numbers}, **options)


def incorrect(code: int = 1100, **options) -> Respond:
    return Respond(rejected(code), **options)


def duplicates(state: str = "Correcta", **options) -> Respond:
    return Respond(duplicate(state), **options)


def fault(kind: str = "client", code: int | None = 4104, **options) -> Fault:
    return Fault(kind=kind, code=code, **options)


def slow(seconds: float, then: Answer | None = None) -> Answer:
    answer = then or Respond()
    answer.delay = seconds
    return answer


def drop(after: float = 0.0) -> Drop:
    return Drop(delay=after)


def fault_xml(kind: str, text: str) -> bytes:
    """A SOAP 1.1 Fault the way the AEAT writes one (SW §6.2.6)."""
    envelope = etree.Element(f"{{{SOAPENV}}}Envelope", nsmap={"env": SOAPENV})
    body = etree.SubElement(envelope, f"{{{SOAPENV}}}Body")
    fault = etree.SubElement(body, f"{{{SOAPENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"env:{kind.capitalize()}"
    etree.SubElement(fault, "faultstring").text = text
    detail = etree.SubElement(fault, "detail")
    etree.SubElement(detail, "callstack").text = "WSExcepcion [faultcode=null, detailMap=null]"
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


# -- the server --------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:  # quiet in test output
        pass

    def do_POST(self) -> None:
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        der = self.connection.getpeercert(binary_form=True)
        subject, nif = None, ""
        if der:
            certificate = x509.load_der_x509_certificate(der)
            subject = certificate.subject.rfc4514_string()
            try:
                nif = identity_of(certificate).nif
            except BundleError:
                nif = ""
        request = ReceivedRequest(
            body=body, headers=dict(self.headers.items()), path=self.path,
            client_subject=subject, client_nif=nif,
            arrived_at=datetime.datetime.now(datetime.UTC), arrived_monotonic=time.monotonic(),
        )
        _read_message(request)
        standin._arrived(request)
        try:
            self._answer(request)
        finally:
            standin._done(request)

    def _answer(self, request: ReceivedRequest) -> None:
        standin = self.server.standin
        if not request.valid:
            text = (f"Codigo[4102].{errors.describe(4102)} "
                    f"{'; '.join(request.schema_errors)[:1000]}")
            reply = Reply(500, fault_xml("client", text))
        else:
            reply = standin._next_answer().reply(request, standin)
        if reply.delay:
            standin._stopping.wait(reply.delay)
        if reply.drop:
            self.close_connection = True
            # No answer at all: reset the connection (SO_LINGER 0 → RST on close).
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if reply.trickle:
            # Eight pieces, each well within the client's read timeout, the whole not.
            size = -(-len(reply.body) // 8)
            for start in range(0, len(reply.body), size):
                self.wfile.write(reply.body[start:start + size])
                self.wfile.flush()
                standin._stopping.wait(reply.trickle)
        else:
            self.wfile.write(reply.body)
        self.wfile.flush()
        request.answered_monotonic = time.monotonic()
        self.close_connection = True

    def do_GET(self) -> None:
        self.send_error(405)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, standin: AeatStandIn, port: int, context: ssl.SSLContext) -> None:
        self.standin = standin
        self.context = context
        super().__init__(("127.0.0.1", port), _Handler)

    def finish_request(self, request, client_address) -> None:
        # The TLS handshake happens here, in the request's own thread, not in accept().
        request.settimeout(10)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.standin._refused_handshake(error)
            return
        try:
            connection.settimeout(30)
            self.RequestHandlerClass(connection, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                connection.close()

    def handle_error(self, request, client_address) -> None:  # a client that went away
        pass


class AeatStandIn:
    def __init__(self, *, server, client_ca, default_wait: int = 60) -> None:
        """`server`: an Issued TLS certificate for 127.0.0.1; `client_ca`: the authority
        whose client certificates are accepted (tests.pki)."""
        self.default_wait = default_wait
        self.requests: list[ReceivedRequest] = []
        # The most messages one taxpayer (ObligadoEmision NIF) ever had in flight at once.
        self.max_in_flight: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self.handshake_failures: list[str] = []
        self._handshake_refused = threading.Event()
        self._answers: deque[Answer] = deque()
        # What it answers once the script is spent (None: Correcto for every record); e.g.
        # Respond(Registry()) to answer as the AEAT would from what it holds.
        self.default_answer: Answer | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._request_ids = itertools.count(1)
        self._context = self._make_context(server, client_ca)

    @staticmethod
    def _make_context(server, client_ca) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.verify_mode = ssl.CERT_REQUIRED  # a client certificate, or no service
        context.load_verify_locations(cadata=client_ca.certificate_pem().decode())
        with tempfile.TemporaryDirectory() as directory:
            cert_path, key_path = server.write_pem(Path(directory), "server")
            context.load_cert_chain(cert_path, key_path)
        return context

    # -- life -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{PATH}"

    def start(self) -> AeatStandIn:
        """Listens (on the same port as before after a stop: a service coming back)."""
        self._stopping.clear()
        self._server = _Server(self, self.port, self._context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops listening: connections are refused until start()."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> AeatStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- script ---------------------------------------------------------------------------

    def script(self, *answers: Answer) -> None:
        """The next answers, in order; afterwards the default (Correcto for every record)."""
        with self._lock:
            self._answers.extend(answers)

    def _next_answer(self) -> Answer:
        with self._lock:
            if self._answers:
                return self._answers.popleft()
            return self.default_answer or Respond()

    def _arrived(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            nif = request.taxpayer_nif
            self._in_flight[nif] = self._in_flight.get(nif, 0) + 1
            self.max_in_flight[nif] = max(self.max_in_flight.get(nif, 0), self._in_flight[nif])

    def _done(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._in_flight[request.taxpayer_nif] -= 1

    def records_received(self, nif: str | None = None) -> list[RecordInfo]:
        """Every record that arrived in a valid message (of one taxpayer, if given)."""
        with self._lock:
            return [record for request in self.requests if request.valid
                    for record in request.records if nif in (None, request.taxpayer_nif)]

    def _refused_handshake(self, error: BaseException) -> None:
        with self._lock:
            self.handshake_failures.append(str(error))
            self._handshake_refused.set()

    def wait_for_refused_handshake(self, timeout: float = 5.0) -> bool:
        """The client learns of a refused handshake before the server's thread has noted it:
        wait for the note rather than race it."""
        return self._handshake_refused.wait(timeout)

    # -- answers --------------------------------------------------------------------------

    def new_csv(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "A-" + "".join(secrets.choice(alphabet) for _ in range(14))

    def answer_xml(self, request: ReceivedRequest, outcomes: list[Outcome], *, wait: int,
                   csv: str | None) -> bytes:
        """A RespuestaRegFactuSistemaFacturacion in a SOAP envelope, as the AEAT writes it."""
        refused = all(o.state == "Incorrecto" for o in outcomes)
        if all(o.state == "Correcto" for o in outcomes):
            status = "Correcto"
        elif refused:
            status = "Incorrecto"
        else:
            status = "ParcialmenteCorrecto"
        envelope = etree.Element(f"{{{SOAPENV}}}Envelope", nsmap={"env": SOAPENV})
        etree.SubElement(envelope, f"{{{SOAPENV}}}Header")
        body = etree.SubElement(envelope, f"{{{SOAPENV}}}Body")
        answer = etree.SubElement(body, f"{{{SFR}}}RespuestaRegFactuSistemaFacturacion",
                                  nsmap={"tikR": SFR, "tik": SF})

        def r(parent, name, text=None):
            element = etree.SubElement(parent, f"{{{SFR}}}{name}")
            if text is not None:
                element.text = str(text)
            return element

        def s(parent, name, text=None):
            element = etree.SubElement(parent, f"{{{SF}}}{name}")
            if text is not None:
                element.text = str(text)
            return element

        if not refused:
            r(answer, "CSV", csv or self.new_csv())
            presentation = r(answer, "DatosPresentacion")
            s(presentation, "NIFPresentador", request.client_nif or request.taxpayer_nif)
            s(presentation, "TimestampPresentacion",
              datetime.datetime.now(MADRID).replace(microsecond=0).isoformat())
        header = r(answer, "Cabecera")
        for child in request.cabecera:
            header.append(etree.fromstring(etree.tostring(child)))
        r(answer, "TiempoEsperaEnvio", wait)
        r(answer, "EstadoEnvio", status)
        for record, outcome in zip(request.records, outcomes, strict=True):
            line = r(answer, "RespuestaLinea")
            invoice = r(line, "IDFactura")
            s(invoice, "IDEmisorFactura", record.issuer_nif)
            s(invoice, "NumSerieFactura", record.number)
            s(invoice, "FechaExpedicionFactura", record.issue_date)
            operation = r(line, "Operacion")
            s(operation, "TipoOperacion", record.operation)
            if record.correction:
                s(operation, "Subsanacion", record.correction)
            if record.previously_rejected:
                s(operation, "RechazoPrevio", record.previously_rejected)
            if record.without_prior_record:
                s(operation, "SinRegistroPrevio", record.without_prior_record)
            if record.external_ref:
                r(line, "RefExterna", record.external_ref)
            r(line, "EstadoRegistro", outcome.state)
            if outcome.code is not None:
                r(line, "CodigoErrorRegistro", outcome.code)
                r(line, "DescripcionErrorRegistro", outcome.description[:1500])
            if outcome.duplicate_state:
                duplicated = r(line, "RegistroDuplicado")
                s(duplicated, "IdPeticionRegistroDuplicado",
                  f"{next(self._request_ids):020d}"[-20:])
                s(duplicated, "EstadoRegistroDuplicado", outcome.duplicate_state)
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
