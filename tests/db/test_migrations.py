"""Migrations are committed (the models and the migrations agree) and reversible: every app
goes back to zero and forward again, data migrations included."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS_IN_REVERSE_ORDER = ["heroku", "invoices", "clients", "admin", "accounts", "countries"]


def manage(*args: str, database: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "facturagem.settings",
        "SECRET_KEY": "test-only",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300,
    )


def test_the_models_need_no_migration_that_is_not_committed(tmp_path):
    result = manage("makemigrations", "--check", "--dry-run", database=tmp_path / "db.sqlite3")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_migration_runs_backwards_and_forwards_again(tmp_path):
    database = tmp_path / "db.sqlite3"
    assert manage("migrate", "--no-input", database=database).returncode == 0
    for app in APPS_IN_REVERSE_ORDER:
        result = manage("migrate", app, "zero", "--no-input", database=database)
        assert result.returncode == 0, f"{app}: {result.stderr[-2000:]}"
    result = manage("migrate", "--no-input", database=database)
    assert result.returncode == 0, result.stderr[-2000:]
    countries = manage("shell", "-c", "from countries.models import Country; "
                       "print(Country.objects.count())", database=database)
    assert int(countries.stdout.strip().splitlines()[-1]) >= 240
