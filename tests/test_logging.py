"""Secrets never reach a log, whichever server writes it."""

import logging

import pytest

from facturagem.log import RedactSecrets, redact


@pytest.mark.parametrize(
    "line, expected",
    [
        ('"GET /api/v1/accounts.json?api_key=abc123 HTTP/1.1" 200',
         '"GET /api/v1/accounts.json?api_key=[FILTERED] HTTP/1.1" 200'),
        ("/x?page=2&api_key=k&per_page=5", "/x?page=2&api_key=[FILTERED]&per_page=5"),
        ("resource_token=deadbeef&timestamp=1", "resource_token=[FILTERED]&timestamp=1"),
        ("login=alice&password=hunter2", "login=alice&password=[FILTERED]"),
        ("/api/v1/countries.json", "/api/v1/countries.json"),
    ],
)
def test_secrets_in_urls_are_masked(line, expected):
    assert redact(line) == expected


def test_the_django_server_log_masks_api_keys_of_the_dev_server(caplog):
    """runserver logs the whole request line through `django.server`."""
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /api/v1/accounts.json?api_key=secretkey HTTP/1.1", "200", "12"), None,
    )
    RedactSecrets().filter(record)
    assert "secretkey" not in record.getMessage()
    assert "api_key=[FILTERED]" in record.getMessage()


def test_the_project_logging_configuration_filters_every_stdout_record():
    from django.conf import settings

    assert settings.LOGGING["handlers"]["stdout"]["filters"] == ["redact_secrets"]
