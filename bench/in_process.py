"""Django in this process, for the benchmarks that measure it from inside: the repository on
sys.path, production-like settings (or DEBUG where a benchmark wants the development
defaults), a SQLite database in the temporary directory unless DATABASE_URL names one."""

import os
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(*, debug: bool, sqlite: str | None = None, fresh: bool = False, **env: str) -> None:
    """Configures and starts Django. `sqlite`: the database's file name when DATABASE_URL is
    unset (`fresh`: remove what an earlier run left); `env`: more settings."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DEBUG"] = "true" if debug else "false"
    if not debug:
        os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
        os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.update(env)
    if sqlite and "DATABASE_URL" not in os.environ:
        database = Path(tempfile.gettempdir()) / sqlite
        if fresh:
            for leftover in database.parent.glob(database.name + "*"):
                leftover.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "facturagem.settings"

    import django

    # whitenoise warns that collectstatic has not run: no static file is served here.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def freeze_heap() -> None:
    """Collects, then moves every object alive to the collector's permanent generation
    (gc.freeze, what a preforking server does before it forks): a benchmark's long-lived
    setup is not walked again by each full collection during its timed part."""
    import gc

    gc.collect()
    gc.freeze()


def cpu_reference() -> str:
    """The same fixed piece of Python timed now (best of five): on a shared VM whose CPU
    speed changes from one minute to the next (seen here: 193 µs, then 426 µs), it says how
    fast the machine ran while a benchmark's absolute milliseconds were taken."""
    import timeit

    best = min(timeit.repeat("sum(range(10000))", number=500, repeat=5)) / 500
    return f"cpu reference: sum(range(10000)) {best * 1e6:.0f} µs"


class LockTimer:
    """How long each transaction holds the account row, as an execute_wrapper: from the moment
    the statement that takes it (`SELECT … FOR UPDATE` on accounts_account, alone or sent
    with the writes that follow it) is sent, to the end of the commit that releases it (the
    on_commit callbacks run right after; this one first among those registered under the
    lock). Counting from the send, not from the lock's grant, overstates it by up to one
    round trip: a figure under a target is under it."""

    def __init__(self) -> None:
        self.held: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        if "FOR UPDATE" not in sql or '"accounts_account"' not in sql:
            return execute(sql, params, many, context)
        import time

        from django.db import transaction

        sent = time.perf_counter()
        result = execute(sql, params, many, context)
        transaction.on_commit(
            lambda: self.held.append((time.perf_counter() - sent) * 1000), robust=True)
        return result
