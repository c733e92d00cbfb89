"""gunicorn for production (Heroku's `web` dyno, or bin/serve-production locally).

api_keys travel in query strings (`?api_key=…`) and as the HTTP Basic user name, so no log
line may contain a query string, a referer or a Basic user: the access log uses `%(U)s`
(the path alone), never `%(r)s` (the request line), `%(q)s`, `%(f)s` or `%(u)s`; and the
error log masks `api_key=` values in the URIs gunicorn writes when a request fails.
"""

import os

from gunicorn import glogging

from facturagem.log import RedactSecrets

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not sync workers: a sync worker is held by one slow client for the whole of its
# request (three clients sending one byte of a 100-byte body starved both workers until
# the 25 s timeout). gthread parks idle and header-less connections in a poller, and a
# request body is read under REQUEST_BODY_TIMEOUT (facturagem.api.middleware), so a slow
# client holds one thread for seconds. A buffering proxy in front is still the production
# answer (README, "Production").
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker that has grown (one 5 MB body leaves ~100 MB behind in CPython's arenas) is
# replaced after this many requests; the jitter keeps workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
# Heroku's router gives up after 30 s; a worker that takes longer is recycled.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "25"))
graceful_timeout = 20
keepalive = 5
# Heroku's router is the only way in: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# gunicorn ≥ 25 opens a control socket in ~/.gunicorn: nothing here uses it, and two
# servers on one machine (tests, bin/serve-production) would fight over its path.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms '
    "request_id=%({x-request-id}i)s"
)

class Logger(glogging.Logger):
    """gunicorn's logger, with secrets masked in whatever it writes."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(RedactSecrets())


logger_class = Logger
