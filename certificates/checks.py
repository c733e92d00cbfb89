"""Start-up checks (`manage.py check`, runserver, migrate): a misconfigured certificate
is said before the first record waits on it."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

NO_ENCRYPTION_KEY = (
    "CERTIFICATE_ENCRYPTION_KEY is not set: accounts cannot upload their AEAT certificate "
    "(the API answers 503) and the records of accounts that have one cannot be sent."
)
SERVICE_EXPIRED = "The service-wide AEAT certificate expired on {date}."


@checks.register()
def certificate_settings(app_configs=None, **kwargs):
    from certificates import crypto, services

    messages = []
    if not crypto.is_configured():
        messages.append(checks.Warning(NO_ENCRYPTION_KEY, id="certificates.W001"))
    try:
        credentials = services.service_credentials()
    except ImproperlyConfigured as error:
        messages.append(checks.Error(str(error), id="certificates.E001"))
    else:
        if credentials is not None and credentials.expired(timezone.now()):
            messages.append(checks.Error(
                SERVICE_EXPIRED.format(date=credentials.not_after.date()),
                id="certificates.E002",
            ))
    return messages
