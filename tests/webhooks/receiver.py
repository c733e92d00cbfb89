"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that keeps every request
it gets and answers as scripted (a status, a delay, a redirect), one answer per request,
then 200 when the script runs out."""

from __future__ import annotations

import contextlib
import http.server
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived_at: float  # time.time()


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def ok() -> Answer:
    return Answer()


def status(code: int, body: bytes = b"") -> Answer:
    return Answer(status=code, body=body or f"error {code}".encode())


def slow(seconds: float) -> Answer:
    return Answer(delay=seconds)


def redirect(location: str, code: int = 302) -> Answer:
    return Answer(status=code, body=b"moved", headers={"Location": location})


class Receiver:
    """`tls`: an ssl server context (then the URL is https://localhost:…)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(self, tls)
        self.port = self._server.server_address[1]
        scheme, host = ("https", "localhost") if tls else ("http", "127.0.0.1")
        self.url = f"{scheme}://{host}:{self.port}/hooks/facturagem"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, *answers: Answer) -> None:
        with self._lock:
            self._script.extend(answers)

    def _next(self) -> Answer:
        with self._lock:
            return self._script.pop(0) if self._script else ok()

    def _received(self, request: Received) -> None:
        with self._lock:
            self.requests.append(request)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.requests)} of {count} requests arrived")
            time.sleep(0.01)
        return list(self.requests)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:  # quiet in test output
        pass

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver._received(Received(self.path, dict(self.headers.items()), body, time.time()))
        answer = receiver._next()
        if answer.delay:
            receiver._stopping.wait(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (a timeout test)
            self.wfile.write(answer.body)
        self.close_connection = True


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: Receiver, tls: ssl.SSLContext | None) -> None:
        self.receiver = receiver
        self.tls = tls
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request, client_address) -> None:
        if self.tls is None:
            return super().finish_request(request, client_address)
        request.settimeout(10)  # the handshake in the request's own thread
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return None
        return super().finish_request(request, client_address)
