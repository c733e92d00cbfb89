"""Failed logins are throttled per login and per client address (django-axes, counting in
the shared cache), on every login there is: the API session, the browsable API's and the
admin's. Past AXES_FAILURE_LIMIT failures, 429 with `Retry-After` until the cool-off ends.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from facturagem.api.exceptions import early_error_response

TOO_MANY_FAILED_LOGINS = (
    "Too many failed logins for this login or from this address: try again in {minutes} minutes"
)


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def login_of(request: HttpRequest, credentials: dict | None) -> str | None:
    """The login axes counts failures for, case-folded: `Alice` and `alice` are one login
    (the API reads logins case-insensitively), so changing case does not reset the count."""
    login = (credentials or {}).get("username") or request.POST.get("username")
    return login.strip().casefold() if isinstance(login, str) and login.strip() else None


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """429 + Retry-After: in the API's error shape under /api/, plain text elsewhere."""
    seconds = cool_off_seconds()
    message = TOO_MANY_FAILED_LOGINS.format(minutes=max(1, round(seconds / 60)))
    if request.path.startswith("/api/"):
        response = early_error_response(request, 429, message, as_list=True)
    else:
        response = HttpResponse(message + "\n", status=429, content_type="text/plain")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
