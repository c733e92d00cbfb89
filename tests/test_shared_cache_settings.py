"""The cache that rate limits and failed logins count in is shared by every worker and
machine: the database by default (its table made by `migrate`), Redis when REDIS_URL is set;
wrong numbers stop the service at start."""

import json
import subprocess
import sys

from tests.test_deploy import ROOT, manage, production_env

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'cache': s.CACHES['default'], 'handler': s.AXES_HANDLER, "
    "'session': s.SESSION_ENGINE, 'limit': s.API_RATE_LIMIT_PER_HOUR}))"
)


def probe(tmp_path, **env):
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=production_env(tmp_path, **env))
    return result


def test_production_counts_in_the_database_cache_by_default(tmp_path):
    settings = json.loads(probe(tmp_path).stdout)

    assert settings["cache"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings["handler"] == "axes.handlers.cache.AxesCacheHandler"
    assert settings["session"] == "accounts.sessions"


def test_redis_url_moves_the_shared_cache_to_redis(tmp_path):
    settings = json.loads(probe(tmp_path, REDIS_URL="redis://127.0.0.1:6379/2").stdout)

    assert settings["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/2",
    }


def test_migrate_creates_the_cache_table(tmp_path):
    env = production_env(tmp_path)
    assert manage("migrate", "--no-input", env=env).returncode == 0
    tables = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.db import connection;"
         " print(connection.introspection.table_names())"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    ).stdout

    assert "facturagem_cache" in tables


def test_a_limit_that_is_not_a_number_stops_the_service(tmp_path):
    result = probe(tmp_path, API_RATE_LIMIT_PER_HOUR="lots")

    assert result.returncode != 0
    assert "API_RATE_LIMIT_PER_HOUR must be an integer" in result.stderr
