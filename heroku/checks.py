from django.conf import settings
from django.core.checks import Warning, register

HEROKU_SETTINGS = ("HEROKU_ADDON_ID", "HEROKU_ADDON_PASSWORD", "HEROKU_SSO_SALT")


@register()
def heroku_settings_complete(app_configs, **kwargs):
    """All three or none: a half-configured add-on is off, which would surprise."""
    missing = [name for name in HEROKU_SETTINGS if not getattr(settings, name, "")]
    if missing and len(missing) < len(HEROKU_SETTINGS):
        return [
            Warning(
                f"The Heroku add-on is partly configured: {', '.join(missing)} missing.",
                hint="/heroku/ answers 404 until HEROKU_ADDON_ID, HEROKU_ADDON_PASSWORD "
                "and HEROKU_SSO_SALT are all set.",
                id="heroku.W001",
            )
        ]
    return []
