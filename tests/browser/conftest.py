"""Real-browser tests: a headless Chromium driven by Playwright, against pytest-django's
`live_server`.

Fixtures for any test that needs a browser (playground, admin, add-on pages):

- `browser`: one Chromium for the whole session (Debian's /usr/bin/chromium, or
  $CHROMIUM_PATH; Playwright's own download is not used);
- `page`: a fresh page in a fresh browser context (no cookies carried between tests),
  closed after the test;
- `live_url`: `live_server.url` joined with a path.

Every test using them is marked `browser` (`-m "not browser"` leaves them out). Without
Chromium they are skipped with the command that installs it, except under CI (the
environment variable CI is set), where a missing browser fails the run.

Two things every live-server test here must know:

- Playwright's sync API marks an asyncio event loop as running in the test's thread. Django
  then refuses ORM calls from that thread (SynchronousOnlyOperation): this conftest allows
  them (DJANGO_ALLOW_ASYNC_UNSAFE), which is safe because nothing else runs in that loop.
  Django also keeps a second set of database connections for "async" code in that thread;
  the `browser` fixture makes it the same connections as the test database's, so that the
  test, pytest-django and the live server all see one database state.
- `live_server` needs a transactional database, which is emptied after each test, rows
  from data migrations (countries, plans) included. Mark such tests
  `@pytest.mark.django_db(transaction=True, serialized_rollback=True)` so that those rows
  are there for them.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_TIMEOUT_MS = 15_000
BROWSER_FIXTURES = {"browser", "page"}

def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        in_here = here in Path(str(item.fspath)).parents
        if in_here or BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)"
    if os.environ.get("CI"):
        pytest.fail(message + " — CI must run the browser tests", pytrace=False)
    pytest.skip(message)


def _share_django_connections(connections_before: dict) -> None:
    """While Playwright's loop counts as running, Django looks connections up in per-context
    storage (asgiref's thread-critical Local) instead of the thread's: a new connection
    without the test database's state (for instance the serialized data that
    `serialized_rollback` restores after each flush). Point that storage at the thread's
    own connections."""
    from django.db import connections

    for alias, connection in connections_before.items():
        connections[alias] = connection


@pytest.fixture(scope="session")
def browser(django_db_setup):
    _require_chromium()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    connections_before = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    _share_django_connections(connections_before)
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="es-ES")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_url(live_server):
    def join(path: str = "/") -> str:
        return live_server.url + path

    return join
