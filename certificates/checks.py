"""Start-up checks (`manage.py check`, runserver, migrate): a misconfigured certificate
is said before the first record waits on it."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

SERVICE_EXPIRED = "The service-wide AEAT certificate expired on {date}."


@checks.register()
def service_certificate(app_configs=None, **kwargs):
    """AEAT_CERTIFICATE_*: the file opens with its password and has not expired."""
    from certificates import services

    try:
        credentials = services.service_credentials()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="certificates.E001")]
    if credentials is not None and credentials.expired(timezone.now()):
        return [checks.Error(SERVICE_EXPIRED.format(date=credentials.not_after.date()),
                             id="certificates.E002")]
    return []


@checks.register(checks.Tags.database)
def stored_certificates_have_their_key(app_configs=None, databases=None, **kwargs):
    """Accounts' certificates are stored but CERTIFICATE_ENCRYPTION_KEY is gone (runs with
    the database checks: `migrate`, `check --database default`)."""
    from certificates import crypto, services

    if databases and not crypto.is_configured() and services.stored_certificates_exist():
        return [checks.Error(crypto.NO_KEY, id="certificates.E003")]
    return []
