"""Settings, read from the environment (twelve-factor), loudly.

SQLite by default so that the first run needs nothing; PostgreSQL in production through
DATABASE_URL. A wrong value is an ImproperlyConfigured at start, never a 500 later.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or set DEBUG=true for development)."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105

# Keys handed to API users are HMACs under this secret (see accounts.api_keys): a database dump
# alone does not reveal them. Rotating it invalidates every api_key, so it can be set apart
# from SECRET_KEY.
API_KEY_SECRET = os.environ.get("API_KEY_SECRET", SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "facturagem",
    "accounts",
    "countries",
    "clients",
    "invoices",
    "verifactu",
    "heroku",
    "playground",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "facturagem.api.middleware.RequestBodyMiddleware",
    "facturagem.api.middleware.MethodOverrideMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it turns a refused login of a locked-out login or address into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "facturagem.urls"
WSGI_APPLICATION = "facturagem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The threaded dev server writes from several threads: take the write lock when a
    # transaction starts (no lock upgrade deadlocks) and wait for it instead of failing
    # with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any login of a locked-out login or address before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.LoginOrEmailBackend",
]

# Web sessions keep only a digest of the cookie's value (a dump replays nothing).
SESSION_ENGINE = "accounts.sessions"

# The cache every worker and machine shares: login throttling and API rate limits count in
# it. PostgreSQL (or SQLite) by default, in a table the migrations create; Redis when
# REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "facturagem_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}

# The client's address, for throttling: REMOTE_ADDR, or with TRUSTED_PROXY_HOPS = n the
# n-th address from the right of X-Forwarded-For, the one the nearest trusted proxy saw
# (Heroku's router: 1). Addresses further left are whatever the client wrote.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

# Failed logins (django-axes): after LOGIN_FAILURE_LIMIT failures for one login or from one
# address, every login for it is 429 for LOGIN_LOCKOUT_MINUTES. Failures during a lockout
# do not extend it: an attacker cannot keep a real user out for longer than that at a time.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_USERNAME_FORM_FIELD = "username"  # what Django's login forms and authenticate() call it
AXES_USERNAME_CALLABLE = "accounts.throttling.login_of"
AXES_CLIENT_IP_CALLABLE = "facturagem.api.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The cache handler keeps nothing in axes's tables: their admin pages would always be empty.
AXES_ENABLE_ADMIN = False

# API rate limits per api_key (anonymous requests: per client address), CONTRACT §10.
# An account's own limit (accounts.limits, set by its plan) replaces the default.
API_RATE_LIMIT_PER_HOUR = env_int("API_RATE_LIMIT_PER_HOUR", 5_000)
API_ANONYMOUS_RATE_LIMIT_PER_HOUR = env_int("API_ANONYMOUS_RATE_LIMIT_PER_HOUR", 1_000)

# Argon2id first (accounts.hashers: why, and its cost); the others verify the hashes written
# before it, which each user's next login rewrites as Argon2id.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es-es"
TIME_ZONE = "Europe/Madrid"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A request body larger than this is refused before it is parsed (invoices top out at
# 500 lines of 2,000 characters: ~1.5 MB of XML).
# The limit holds for every body, multipart file parts and chunked bodies included
# (facturagem.api.middleware.RequestBodyMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
# Seconds a client has to send its whole body (under gunicorn): then 408, and the worker
# thread is free again.
REQUEST_BODY_TIMEOUT = float(os.environ.get("REQUEST_BODY_TIMEOUT", "10"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "facturagem.api.authentication.ApiKeyAuthentication",
        "facturagem.api.authentication.AccountSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "facturagem.api.renderers.JSONRenderer",
        "facturagem.api.renderers.RailsXMLRenderer",
        "facturagem.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "facturagem.api.parsers.JSONParser",
        "facturagem.api.parsers.RailsXMLParser",
        "facturagem.api.parsers.TextXMLParser",
        "facturagem.api.parsers.FormParser",
        "facturagem.api.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "facturagem.api.negotiation.SuffixContentNegotiation",
    "EXCEPTION_HANDLER": "facturagem.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["facturagem.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "facturagem.api.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": None,
    "DATE_FORMAT": None,
    "URL_FORMAT_OVERRIDE": None,
    "FORMAT_SUFFIX_KWARG": "format",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "facturagem.log.RedactSecrets"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# Production: behind Heroku's router (or any TLS-terminating proxy).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Off only for a local production-like run over plain http (bin/serve-production).
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Heroku add-on partner credentials (see heroku/ and docs/heroku.md). Unset: /heroku/ is off.
HEROKU_ADDON_ID = os.environ.get("HEROKU_ADDON_ID", "")
HEROKU_ADDON_PASSWORD = os.environ.get("HEROKU_ADDON_PASSWORD", "")
HEROKU_SSO_SALT = os.environ.get("HEROKU_SSO_SALT", "")

# VERI*FACTU (CONTRACT §8). AEAT_ENVIRONMENT picks the AEAT's endpoints and QR host;
# AEAT_ENDPOINT, when set, replaces the SOAP endpoint (a proxy, or a local stand-in).
AEAT_ENVIRONMENT = os.environ.get("AEAT_ENVIRONMENT", "test").strip().lower()
if AEAT_ENVIRONMENT not in ("test", "production"):
    raise ImproperlyConfigured(
        f"AEAT_ENVIRONMENT must be 'test' or 'production', got {AEAT_ENVIRONMENT!r}"
    )
AEAT_ENDPOINT = os.environ.get("AEAT_ENDPOINT", "")
# The producer of this software, named in every record's SistemaInformatico block. The
# placeholder NIF is for development and the AEAT's test environment only.
VERIFACTU_PRODUCER_NAME = os.environ.get("VERIFACTU_PRODUCER_NAME", "FACTURAgem")
VERIFACTU_PRODUCER_NIF = os.environ.get("VERIFACTU_PRODUCER_NIF", "")
if not VERIFACTU_PRODUCER_NIF:
    if AEAT_ENVIRONMENT == "production":
        raise ImproperlyConfigured(
            "VERIFACTU_PRODUCER_NIF is not set: records sent to the AEAT's production "
            "environment must name the software producer's NIF"
        )
    VERIFACTU_PRODUCER_NIF = "B00000000"
VERIFACTU_SYSTEM_NAME = "FACTURAgem"
VERIFACTU_SYSTEM_ID = "FG"

# Content-Security-Policy on every response (django-csp): scripts only from this origin and
# never inline (the playground keeps the api_key in sessionStorage: only our own code may run
# there); fetch() only to this origin. Inline styles are allowed: DRF's and the admin's
# templates use style attributes, and Redoc injects its styles; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "worker-src": ["'self'", "blob:"],  # Redoc's search
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The OpenAPI document (facturagem/api/openapi.py), rendered without a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "FACTURAgem API v1",
    "DESCRIPTION": "Invoicing for Spain, wire-compatible with the legacy FACTURAgem v1 API. "
    "See /docs/api for the reference.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DEFAULT_GENERATOR_CLASS": "facturagem.api.openapi.Generator",
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "facturagem.api.openapi.close_request_objects",
    ],
}

# --- AEAT certificates and transport (certificates/, verifactu/transport.py) -----------------
INSTALLED_APPS += ["certificates"]  # here, apart, for easy merges
INSTALLED_APPS += ["facturae"]  # (apart, for easy merges too)
# Account certificates' private keys are stored encrypted (Fernet) under these keys, never
# under SECRET_KEY: a comma-separated list, the first encrypts, all decrypt (rotation: put the
# new key first, run `manage.py rotate_certificate_key`, then drop the old one). Unset in
# production: the service starts, uploads answer 503, and sending with a stored certificate is
# ImproperlyConfigured. DEBUG has a fixed development key (never for real certificates).
import base64  # noqa: E402
import hashlib  # noqa: E402

from cryptography.fernet import Fernet  # noqa: E402


def _fernet_key(value: str, name: str = "CERTIFICATE_ENCRYPTION_KEY") -> str:
    """A Fernet key as given, or one derived (SHA-256) from any secret of 32+ characters,
    such as the 64 hex digits of Heroku's app.json `"generator": "secret"`."""
    try:
        Fernet(value)
        return value
    except ValueError:
        if len(value) < 32:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated Fernet keys or secrets of "
                "at least 32 characters"
            ) from None
        return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).decode()


CERTIFICATE_ENCRYPTION_KEYS = [_fernet_key(k) for k in env_list("CERTIFICATE_ENCRYPTION_KEY")]
if not CERTIFICATE_ENCRYPTION_KEYS and DEBUG:
    # b"development-only-not-a-real-key!"
    CERTIFICATE_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1yZWFsLWtleSE="]
# The service-wide certificate (presents as the taxpayers' representative): a PKCS#12 file,
# or the same file in base64 (Heroku config vars hold no files), and its password.
AEAT_CERTIFICATE_FILE = os.environ.get("AEAT_CERTIFICATE_FILE", "")
AEAT_CERTIFICATE_BASE64 = os.environ.get("AEAT_CERTIFICATE_BASE64", "")
AEAT_CERTIFICATE_PASSWORD = os.environ.get("AEAT_CERTIFICATE_PASSWORD", "")
# Seconds to wait for the AEAT: to connect, and for its answer to a 1000-record message.
AEAT_CONNECT_TIMEOUT = float(os.environ.get("AEAT_CONNECT_TIMEOUT", "10"))
AEAT_READ_TIMEOUT = float(os.environ.get("AEAT_READ_TIMEOUT", "120"))

# --- Sending records to the AEAT: the task engine and the sender (verifactu/sending.py) ------
# Django's tasks framework (the django-tasks backport on Django 5.2). The backend is a
# setting: the database backend by default (nothing more to run: `manage.py worker` is the
# Procfile's worker); TASKS_BACKEND (and TASKS_APPS) name another one (an RQ or Celery backend
# package) without code changes — that backend's own worker then runs the tasks and
# `manage.py sweep_records --every 60` the periodic sweep.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]  # here, apart, for easy merges
# The apps another backend needs (e.g. "django_rq,django_tasks_rq"), comma-separated.
INSTALLED_APPS += [app for app in env_list("TASKS_APPS") if app not in INSTALLED_APPS]
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Flow control (Orden HAC/1177/2024 art. 16): the wait between two messages of one issuer
# before the AEAT first says otherwise (its TiempoEsperaEnvio then always wins).
VERIFACTU_FIRST_WAIT = int(os.environ.get("VERIFACTU_FIRST_WAIT", "60"))
# After a failed attempt: wait VERIFACTU_RETRY_SECONDS, doubling per failure, never more than
# VERIFACTU_RETRY_MAX_SECONDS (art. 16.4: retry at least every hour, so at most 3600).
VERIFACTU_RETRY_SECONDS = float(os.environ.get("VERIFACTU_RETRY_SECONDS", "60"))
VERIFACTU_RETRY_MAX_SECONDS = float(os.environ.get("VERIFACTU_RETRY_MAX_SECONDS", "3600"))
if not 0 < VERIFACTU_RETRY_SECONDS <= VERIFACTU_RETRY_MAX_SECONDS <= 3600:
    raise ImproperlyConfigured(
        "VERIFACTU_RETRY_SECONDS and VERIFACTU_RETRY_MAX_SECONDS must satisfy "
        "0 < VERIFACTU_RETRY_SECONDS <= VERIFACTU_RETRY_MAX_SECONDS <= 3600 (the law wants a "
        "retry at least every hour)"
    )
# How often the worker's sweep looks for records that are due (and for certificates that
# have appeared): the safety net under the tasks each issue and each send schedule.
VERIFACTU_SWEEP_SECONDS = float(os.environ.get("VERIFACTU_SWEEP_SECONDS", "60"))
# Finished task rows (the database backend's queue) are pruned by the worker's sweep once
# this old; failed ones are kept longer to be looked at. What was sent and answered is kept
# for good in verifactu's own tables, never in these.
TASK_RESULTS_KEEP_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_DAYS", "7"))
TASK_RESULTS_KEEP_FAILED_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_FAILED_DAYS", "30"))

# --- Webhooks (webhooks/) and Idempotency-Key (facturagem/api/idempotency.py) -------------
INSTALLED_APPS += ["webhooks"]  # here, apart, for easy merges


def _public_base_url() -> str:
    """PUBLIC_BASE_URL, else https:// and the first ALLOWED_HOSTS name that is one host
    (`.example.com` and `*` are not), else Heroku's app domain (dyno metadata), else with
    DEBUG the development server's address."""
    from urllib.parse import urlsplit

    value = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
                or parts.query or parts.fragment or parts.username:
            raise ImproperlyConfigured(
                f"PUBLIC_BASE_URL must be scheme://host[:port] (no path), got {value!r}"
            )
        return value
    for host in ALLOWED_HOSTS:
        if host and not host.startswith(".") and "*" not in host:
            return f"https://{host}"
    if os.environ.get("HEROKU_APP_DEFAULT_DOMAIN_NAME"):
        return f"https://{os.environ['HEROKU_APP_DEFAULT_DOMAIN_NAME']}"
    return "http://127.0.0.1:8000" if DEBUG else ""


# The service's own address outside a request: the links of webhook events' `data` (a
# delivery runs on the worker, which has no request to take the host from).
PUBLIC_BASE_URL = _public_base_url()
# Deliveries to private, loopback, link-local and other non-global addresses are refused
# (server-side request forgery) unless this is true (tests, on-premises receivers); then
# plain http:// URLs are accepted too (they are with DEBUG as well).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
# Webhook signing secrets are stored encrypted (Fernet) under these keys: comma-separated,
# the first encrypts, all decrypt (`manage.py rotate_webhook_key` re-encrypts). Unset: the
# CERTIFICATE_ENCRYPTION_KEY keys serve (one key for every secret at rest is enough for
# most); neither set: creating a webhook answers 503.
WEBHOOK_ENCRYPTION_KEYS = [
    _fernet_key(k, "WEBHOOK_ENCRYPTION_KEY") for k in env_list("WEBHOOK_ENCRYPTION_KEY")
]
# Seconds to connect to a receiver, and for the whole attempt (connect, send, answer).
WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "5"))
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
# A failed attempt is retried after WEBHOOK_RETRY_SECONDS, doubling each time (8 attempts:
# 1, 2, 4 … 64 minutes with the default, about two hours in all).
WEBHOOK_RETRY_SECONDS = float(os.environ.get("WEBHOOK_RETRY_SECONDS", "60"))
# After `rotate_secret`, deliveries are signed with the old secret too for this long.
WEBHOOK_SECRET_GRACE_HOURS = float(os.environ.get("WEBHOOK_SECRET_GRACE_HOURS", "24"))
# Events and their deliveries are kept this long (then the worker's sweep deletes them).
WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 30)
if WEBHOOK_CONNECT_TIMEOUT <= 0 or WEBHOOK_TIMEOUT <= 0 or WEBHOOK_RETRY_SECONDS < 0 \
        or WEBHOOK_SECRET_GRACE_HOURS < 0 or WEBHOOK_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        "WEBHOOK_CONNECT_TIMEOUT and WEBHOOK_TIMEOUT must be positive, WEBHOOK_RETRY_SECONDS "
        "and WEBHOOK_SECRET_GRACE_HOURS not negative, WEBHOOK_RETENTION_DAYS at least 1"
    )
