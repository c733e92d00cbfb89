"""The thin test override: production settings, minus what needs a real deployment."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from facturagem.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process counts rate limits and failed logins in its own memory (no queries
# pinned by the query-count tests); tests/api/test_throttling.py runs them on the database
# cache too.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Hashing is what makes logins slow on purpose; the tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files come from the apps' folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# b"test-suite-only-not-a-real-key!!" (certificates/: keys at rest; DEBUG is off in tests).
CERTIFICATE_ENCRYPTION_KEYS = ["dGVzdC1zdWl0ZS1vbmx5LW5vdC1hLXJlYWwta2V5ISE="]
