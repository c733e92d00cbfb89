"""`manage.py check --deploy`: webhook events need the service's public address."""

from django.conf import settings
from django.core.checks import Error, Tags, register

NO_PUBLIC_BASE_URL = Error(
    "PUBLIC_BASE_URL is not set and ALLOWED_HOSTS names no single host: the links in webhook "
    "events would have no host.",
    hint="Set PUBLIC_BASE_URL to the service's address, e.g. https://api.example.com",
    id="webhooks.E001",
)


@register(Tags.compatibility, deploy=True)
def public_base_url(app_configs, **kwargs):
    return [] if settings.PUBLIC_BASE_URL else [NO_PUBLIC_BASE_URL]
