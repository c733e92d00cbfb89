"""Concurrent logins under gunicorn: PBKDF2 (Django's default) against Argon2id (ours).

For each hasher, in one run: a fresh SQLite database with one user whose password is hashed
by that hasher, gunicorn started as production starts it (gunicorn.conf.py: 2 gthread
workers of 4 threads), then ROUNDS times 16 logins fired at once (POST /api/v1/session.json
with login and password; each a right password, i.e. one full hash check), and meanwhile
one ordinary request (GET /api/v1/countries/es.json) that needs no hash: what everyone
else waits while logins occupy the workers. Prints the latencies' p50 and p95.

The PBKDF2 run uses production settings with Django's PBKDF2 hasher put first (a settings
module written in a temporary directory): its user's hash is PBKDF2 and stays PBKDF2.

    python bench/bench_login.py [--rounds 3] [--concurrency 16]
"""

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import served  # bench/served.py (a script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
PBKDF2_SETTINGS = """from facturagem.settings import *  # noqa: F403

PASSWORD_HASHERS = [  # Django's default order: PBKDF2 first
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    *[h for h in PASSWORD_HASHERS if not h.endswith(".PBKDF2PasswordHasher")],  # noqa: F405
]
"""


def environment(tmp: Path, settings_module: str) -> dict[str, str]:
    return served.environment(
        tmp, DJANGO_SETTINGS_MODULE=settings_module, GUNICORN_LOG_LEVEL="warning",
        PYTHONPATH=os.pathsep.join([str(tmp), str(ROOT)]),
        DATABASE_URL=f"sqlite:///{tmp / 'login.sqlite3'}",
    )


def call(base: str, method: str, path: str, body: bytes | None = None) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310
        base + path, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def burst(base: str, concurrency: int) -> tuple[list[float], float]:
    """`concurrency` logins at once, and one request that needs no hash 50 ms into them."""
    body = json.dumps({"login": "carol", "password": served.PASSWORD}).encode()
    logins: list[tuple[int, float]] = []
    other: list[tuple[int, float]] = []
    start = threading.Barrier(concurrency + 1)

    def login() -> None:
        start.wait()
        logins.append(call(base, "POST", "/api/v1/session.json", body))

    def ordinary() -> None:
        start.wait()
        time.sleep(0.05)
        other.append(call(base, "GET", "/api/v1/countries/es.json"))

    threads = [threading.Thread(target=login) for _ in range(concurrency)]
    threads.append(threading.Thread(target=ordinary))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = {status for status, _ in logins + other}
    assert statuses == {200}, statuses
    return [ms for _, ms in logins], other[0][1]


def measure(label: str, settings_module: str, rounds: int, concurrency: int,
            settings_source: str | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if settings_source is not None:
            (tmp / f"{settings_module}.py").write_text(settings_source)
        env = environment(tmp, settings_module)
        served.manage("migrate", "--no-input", env=env)
        served.manage("createaccount", "carol", "--password", served.PASSWORD, "--email",
               "carol@example.com", "--account-name", "Carol SL", "--tax-id", "B12345674",
               env=env)
        algorithm = served.manage("shell", "-c", "from accounts.models import User; "
                           "print(User.objects.get(login='carol').password.split('$')[0])",
                           env=env).strip().splitlines()[-1]
        with served.gunicorn(env, tmp / "gunicorn.log") as (_server, base):
            for _ in range(8):  # every worker and thread imported and connected
                call(base, "GET", "/api/v1/countries/es.json")
            burst(base, 4)
            latencies: list[float] = []
            others: list[float] = []
            for _ in range(rounds):
                times, other = burst(base, concurrency)
                latencies += times
                others.append(other)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    result = {"p50": statistics.median(latencies), "p95": p95,
              "other": statistics.median(others)}
    print(f"{label:<9} {algorithm:<15} {result['p50']:>8.0f} {result['p95']:>8.0f} "
          f"{result['other']:>16.0f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()
    print(f"{options.concurrency} concurrent logins x {options.rounds} rounds, gunicorn "
          f"gunicorn.conf.py (2 workers x 4 threads), SQLite; milliseconds")
    print(f"{'hasher':<9} {'stored hash':<15} {'login p50':>8} {'p95':>8} "
          f"{'other request p50':>16}")
    before = measure("PBKDF2", "bench_login_pbkdf2", options.rounds, options.concurrency,
                     PBKDF2_SETTINGS)
    after = measure("Argon2id", "facturagem.settings", options.rounds, options.concurrency)
    print(f"login p50 {before['p50'] / after['p50']:.1f}x faster, p95 "
          f"{before['p95'] / after['p95']:.1f}x, an ordinary request during the burst "
          f"{before['other'] / after['other']:.1f}x")


if __name__ == "__main__":
    main()
