"""The service as production runs it, for the benchmarks that measure it from outside:
gunicorn (gunicorn.conf.py) on a free local port, in an environment of its own, with
`manage.py` commands run against the same settings and database."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


def environment(tmp: Path, **settings: str) -> dict[str, str]:
    """Production settings (DEBUG off, a fresh SECRET_KEY, 2 workers), rate limits out of
    the way, a SQLite database in `tmp` unless DATABASE_URL is set; `settings` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="facturagem.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(45),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(tmp / "static"),
        WEB_CONCURRENCY="2",
        API_RATE_LIMIT_PER_HOUR="100000",
        API_ANONYMOUS_RATE_LIMIT_PER_HOUR="100000",
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    env.update(settings)
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600, check=True,
    )
    return result.stdout


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """gunicorn serving `env`'s settings; yields the master process and the base URL once
    it listens, and stops it (SIGTERM) on the way out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "facturagem.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(150):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            yield server, f"http://127.0.0.1:{port}"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
