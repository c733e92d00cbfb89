"""The service's public address for webhook events' links (PUBLIC_BASE_URL), derived when it
can be and refused loudly when it is malformed; `check --deploy` says when there is none."""

import json
import subprocess
import sys

import pytest

from tests.test_deploy import ROOT, manage, production_env

PROBE = ("import json, django; django.setup(); from django.conf import settings as s; "
         "print(json.dumps({'base': s.PUBLIC_BASE_URL, "
         "'private': s.WEBHOOKS_ALLOW_PRIVATE_TARGETS}))")


def probe(tmp_path, **env):
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=production_env(tmp_path, **env))


@pytest.mark.parametrize("env, base", [
    ({"PUBLIC_BASE_URL": "https://api.example.com/"}, "https://api.example.com"),
    ({"PUBLIC_BASE_URL": "http://10.0.0.5:8080"}, "http://10.0.0.5:8080"),
    ({}, "https://facturagem.example.com"),  # the first ALLOWED_HOSTS name
    ({"ALLOWED_HOSTS": ".herokuapp.com", "HEROKU_APP_DEFAULT_DOMAIN_NAME": "fg.herokuapp.com"},
     "https://fg.herokuapp.com"),
    ({"ALLOWED_HOSTS": ".herokuapp.com,*"}, ""),
])
def test_the_public_address_is_the_setting_or_what_the_hosts_say(tmp_path, env, base):
    result = probe(tmp_path, **env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"base": base, "private": False}


@pytest.mark.parametrize("value", ["api.example.com", "https://api.example.com/v1",
                                   "ftp://api.example.com", "https://user@api.example.com"])
def test_a_public_address_that_is_not_one_stops_the_service(tmp_path, value):
    result = probe(tmp_path, PUBLIC_BASE_URL=value)

    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be scheme://host[:port] (no path)" in result.stderr


def test_check_deploy_says_when_events_would_have_no_public_address(tmp_path):
    env = production_env(tmp_path, ALLOWED_HOSTS=".herokuapp.com")
    result = manage("check", "--deploy", "--fail-level", "ERROR", env=env)

    assert result.returncode != 0
    assert "webhooks.E001" in result.stdout + result.stderr
