"""Webhook tests: a receiver on 127.0.0.1 (so WEBHOOKS_ALLOW_PRIVATE_TARGETS is on for it),
the verification code of docs/api.md (what integrators copy), and the stand-in AEAT for
the record events."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.verifactu.conftest import aeat_standin, credentials, pki  # noqa: F401 - fixtures
from tests.webhooks.receiver import Receiver
from webhooks import services

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"

# The worker commits as it goes (see tests/verifactu/test_sending_tasks.py): tests that run
# it commit for real, and put back the data the flush removes.
with_the_worker = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def documented_code(language: str, marker: str) -> str:
    """The code block of docs/api.md in `language` that contains `marker`."""
    blocks = re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    [block] = [block for block in blocks if marker in block]
    return block


@pytest.fixture(scope="session")
def verify():
    """`verify(secret, header, body)` exactly as docs/api.md gives it to integrators."""
    namespace: dict = {}
    exec(documented_code("python", "def verify("), namespace)  # noqa: S102 - our own docs
    return namespace["verify"]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast_retries(settings):
    """Retries due at once, and short timeouts: the worker runs the whole schedule now."""
    settings.WEBHOOK_RETRY_SECONDS = 0
    settings.WEBHOOK_TIMEOUT = 0.5
    settings.WEBHOOK_CONNECT_TIMEOUT = 0.5


@pytest.fixture
def public_links(settings):
    """Event links on the test client's host: an event's data then equals the API's JSON."""
    settings.PUBLIC_BASE_URL = "http://testserver"


def run_worker() -> None:
    """The database backend's worker: every task that is due, then it stops."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0,
                 stdout=io.StringIO())


def subscribe(account, url: str, events: list[str] | None = None):
    from webhooks.events import EVENT_TYPES

    return services.webhook_create(account=account, url=url,
                                   events=events or list(EVENT_TYPES))
