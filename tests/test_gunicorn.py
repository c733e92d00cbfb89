"""The service as production runs it (gunicorn with gunicorn.conf.py, production settings),
spoken to over raw sockets: chunked bodies, bodies over the limit and slow clients are
things only a real HTTP server shows."""

import json
import socket
import subprocess
import sys
import time

import pytest

from tests.test_deploy import ROOT, free_port, manage, production_env

PASSWORD = "correct horse battery staple"
BODY_TIMEOUT = 3


def wait_for_port(port: int, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn (two workers, as configured) on a migrated SQLite database with one
    account; yields (port, account url id, the log's path)."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    env = production_env(
        tmp_path, SECURE_SSL_REDIRECT="false", WEB_CONCURRENCY="2",
        REQUEST_BODY_TIMEOUT=str(BODY_TIMEOUT),
    )
    assert manage("migrate", "--no-input", env=env, timeout=300).returncode == 0
    created = manage(
        "createaccount", "carol", "--password", PASSWORD, "--email", "carol@example.com",
        "--account-name", "Carol SL", "--tax-id", "B12345674", env=env,
    )
    assert created.returncode == 0, created.stderr
    account = created.stdout.split("account: ")[1].split()[0]
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "facturagem.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log_path)
        yield port, account, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def exchange(port: int, head: str, chunks: list[bytes] = (), *, timeout: float = 15) -> bytes:
    """Sends the request head, then each chunk of a chunked body; returns the response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"\r\n")
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if chunks:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the end of the body
        received = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
        return received


def status_and_body(response: bytes) -> tuple[int, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        decoded = b""
        while body:
            size, _, rest = body.partition(b"\r\n")
            if int(size, 16) == 0:
                break
            decoded, body = decoded + rest[: int(size, 16)], rest[int(size, 16) + 2:]
        body = decoded
    return int(head.split(b" ")[1]), body


def request_head(method: str, path: str, **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n"


def chunked(method: str, path: str, body: bytes, port: int, **headers: str) -> tuple[int, bytes]:
    head = request_head(method, path, Transfer_Encoding="chunked", **headers)
    pieces = [body[i:i + 7_000] for i in range(0, len(body), 7_000)] or [b""]
    return status_and_body(exchange(port, head, pieces))


def test_a_chunked_json_body_is_read(server):
    port, _, _ = server
    body = json.dumps({"login": "carol", "password": PASSWORD}).encode()

    status, answer = chunked("POST", "/api/v1/session.json", body, port,
                             Content_Type="application/json")

    assert status == 200
    assert len(json.loads(answer)["api_key"]) == 40


def log_in(port: int) -> str:
    body = json.dumps({"login": "carol", "password": PASSWORD}).encode()
    head = request_head("POST", "/api/v1/session.json", Content_Type="application/json",
                        Content_Length=str(len(body)))
    status, answer = status_and_body(exchange(port, head + "\r\n" + body.decode()))
    assert status == 200, answer
    return json.loads(answer)["api_key"]


def test_a_chunked_put_changes_what_it_says(server):
    port, account, _ = server
    key = log_in(port)

    status, _ = chunked("PUT", f"/api/v1/accounts/{account}.json", b'{"city": "Teruel"}',
                        port, Content_Type="application/json", X_Api_Key=key)
    _, shown = status_and_body(exchange(
        port, request_head("GET", f"/api/v1/accounts/{account}.json", X_Api_Key=key)
    ))

    assert status == 200
    assert json.loads(shown)["city"] == "Teruel"


def test_a_chunked_body_over_the_limit_is_413(server):
    port, account, _ = server

    status, body = chunked("PUT", f"/api/v1/accounts/{account}.json", b"x" * 10_000_000, port,
                           Content_Type="application/json")

    assert status == 413
    assert json.loads(body) == {"errors": {"base": ["The request body is too large"]}}


def test_slow_clients_do_not_starve_the_workers_and_are_cut_off(server):
    """Three clients each send one byte of a declared 100-byte body (there are two
    workers): an ordinary request is still answered at once, and each slow client gets a
    408 once REQUEST_BODY_TIMEOUT has passed."""
    port, _, _ = server
    slow = []
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall((request_head("PUT", "/api/v1/session.json", Content_Length="100",
                                   Content_Type="application/json") + "\r\n{").encode())
        slow.append(sock)
    time.sleep(0.5)

    started = time.monotonic()
    status, _ = status_and_body(exchange(port, request_head("GET", "/api/v1/countries/es.json"),
                                         timeout=10))
    elapsed = time.monotonic() - started

    assert status == 200
    assert elapsed < 1
    for sock in slow:
        answer = sock.recv(65536)
        sock.close()
        assert status_and_body(answer)[0] == 408
