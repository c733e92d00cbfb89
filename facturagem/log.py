"""Secrets never reach a log: api_keys travel in query strings (`?api_key=…`) and SSO tokens
in form posts, and a logged URL carries them along. Every handler of the project (Django's
through LOGGING, gunicorn's through gunicorn.conf.py) passes records through this filter."""

import logging
import re

_SECRET_PARAM = re.compile(
    r"((?:api_key|api-key|token|resource_token|password)=)[^&\s\"']*", re.IGNORECASE
)


def redact(text: str) -> str:
    return _SECRET_PARAM.sub(r"\1[FILTERED]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
