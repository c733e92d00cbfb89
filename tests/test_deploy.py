"""Production readiness, checked the way production runs: real processes with production
settings (DEBUG off, the real settings module), gunicorn with our config, whitenoise
serving the collected static files, and nothing secret in the logs."""

import base64
import json
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sekrit-api-key-0123456789"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("HEROKU_", "SECURE_", "DJANGO_")) and name != "DEBUG"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="facturagem.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="facturagem.example.com,127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "staticfiles"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


# -- settings -----------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "-c", "import facturagem.settings"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_a_debug_value_that_is_not_a_boolean_refuses_to_start(tmp_path):
    result = manage("check", env=production_env(tmp_path, DEBUG="maybe"))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_are_secure_behind_herokus_router(tmp_path):
    probe = (
        "import json; from django.conf import settings as s; import django; django.setup(); "
        "print(json.dumps({'proxy': s.SECURE_PROXY_SSL_HEADER, 'redirect': s.SECURE_SSL_REDIRECT,"
        " 'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE,"
        " 'hsts': s.SECURE_HSTS_SECONDS, 'debug': s.DEBUG,"
        " 'storage': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "redirect": True,
        "session": True,
        "csrf": True,
        "hsts": 31536000,
        "debug": False,
        "storage": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


# -- gunicorn ---------------------------------------------------------------------------------


def load_gunicorn_conf(monkeypatch, **env: str) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_binds_to_port_and_sizes_workers_from_the_environment(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, PORT="5123", WEB_CONCURRENCY="3")

    assert conf["bind"] == "0.0.0.0:5123"
    assert conf["workers"] == 3
    assert conf["accesslog"] == "-"


def test_the_access_log_never_contains_query_strings_referers_or_basic_users(monkeypatch):
    log_format = load_gunicorn_conf(monkeypatch)["access_log_format"]

    assert "%(U)s" in log_format
    # r: request line with query; q: query; f: referer (a URL with query); u: Basic user
    # (an api_key when a client authenticates with HTTP Basic).
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(u)s", "{authorization}", "{x-api-key}"):
        assert atom not in log_format


def test_the_gunicorn_logs_mask_api_keys_in_uris(monkeypatch):
    from facturagem.log import RedactSecrets, redact

    assert load_gunicorn_conf(monkeypatch)["RedactSecrets"] is RedactSecrets
    assert redact(f"Error handling request /api/v1/accounts.json?api_key={SECRET}&x=1") == (
        "Error handling request /api/v1/accounts.json?api_key=[FILTERED]&x=1"
    )


def test_the_procfile_migrates_on_release_and_serves_with_gunicorn():
    lines = (ROOT / "Procfile").read_text().splitlines()

    assert "release: python manage.py migrate --no-input" in lines
    assert "web: gunicorn facturagem.wsgi" in lines


def test_app_json_deploys_with_a_generated_secret_postgres_and_the_python_buildpack():
    app = json.loads((ROOT / "app.json").read_text())

    assert app["env"]["SECRET_KEY"]["generator"] == "secret"
    assert {"plan": "heroku-postgresql"} in app["addons"]
    assert {"url": "heroku/python"} in app["buildpacks"]
    assert (ROOT / ".python-version").read_text().strip() == "3.11"


def test_the_addon_manifest_is_a_template_without_secrets():
    manifest = json.loads((ROOT / "addon-manifest.json").read_text())
    api = manifest["api"]

    assert manifest["id"] == "facturagem"
    assert api["version"] == "3"
    assert api["config_vars"] == ["FACTURAGEM_URL", "FACTURAGEM_API_KEY"]
    assert api["password"] == "<HEROKU_ADDON_PASSWORD>"
    assert api["sso_salt"] == "<HEROKU_SSO_SALT>"
    for environment in ("production", "test"):
        assert api[environment]["base_url"].endswith("/heroku/resources")
        assert api[environment]["sso_url"].endswith("/heroku/sso")
    assert api["production"]["base_url"].startswith("https://")


# -- the real thing: collectstatic, then gunicorn ----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, **headers: str) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture
def gunicorn(tmp_path):
    """collectstatic, then gunicorn with gunicorn.conf.py and production settings; yields
    (base URL, a function returning what gunicorn logged so far)."""
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="false", WEB_CONCURRENCY="1")
    collected = manage("collectstatic", "--no-input", "--verbosity", "0", env=env, timeout=300)
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "facturagem.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + log_path.read_text())
                time.sleep(0.2)
        yield base, log_path.read_text
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def hashed_static(tmp_path: Path, name: str) -> str:
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    return manifest["paths"][name]


def test_gunicorn_serves_collected_static_files_with_whitenoise(gunicorn, tmp_path):
    base, _ = gunicorn

    for name in ("admin/css/base.css", "rest_framework/css/bootstrap.min.css"):
        status, body, headers = get(f"{base}/static/{hashed_static(tmp_path, name)}")
        assert status == 200, name
        assert body
        assert "immutable" in headers.get("Cache-Control", ""), name  # hashed: cached forever
    compressed = get(f"{base}/static/{hashed_static(tmp_path, 'admin/css/base.css')}",
                     **{"Accept-Encoding": "gzip"})
    assert compressed[2].get("Content-Encoding") == "gzip"


def test_no_api_key_reaches_gunicorns_logs(gunicorn):
    base, logged = gunicorn
    basic = base64.b64encode(f"{SECRET}:x".encode()).decode()

    get(f"{base}/static/admin/css/base.css?api_key={SECRET}")
    get(f"{base}/heroku/resources?api_key={SECRET}", Authorization=f"Basic {basic}")
    get(f"{base}/api/v1/countries.json?api_key={SECRET}",
        Referer=f"{base}/api/v1/accounts?api_key={SECRET}")
    time.sleep(0.5)  # the access log is written after the response

    log = logged()
    assert re.search(r'"GET /static/admin/css/base\.css HTTP/1\.1" \d{3}', log), log
    assert '"GET /heroku/resources HTTP/1.1" 404' in log
    assert SECRET not in log
