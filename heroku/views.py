"""The Heroku Add-on Partner API (v3) and single sign-on: parse → call → render.

Provisioning endpoints speak JSON with Heroku (`{"message": …}` on every error) and are
authenticated with HTTP Basic (the manifest's id and password). While the add-on is not
configured (any of HEROKU_ADDON_ID, HEROKU_ADDON_PASSWORD, HEROKU_SSO_SALT unset) every
/heroku/ URL answers 404: the add-on does not exist on this deployment.
"""

import json
import uuid as uuid_module
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from accounts.services import api_key_for
from facturagem.api.links import API_ROOT
from facturagem.api.params import ParamsError, clean
from heroku import selectors, services, tokens
from verifactu.selectors import pending_summary

NOT_CONFIGURED = "The Heroku add-on is not enabled on this server."
UNAUTHORIZED = "Authentication required: HTTP Basic with the add-on's id and password."
MALFORMED_JSON = "The request body must be a JSON object."
BODY_TOO_LARGE = "The request body is too large."
METHOD_NOT_ALLOWED = "Method not allowed."
MISSING_FIELD = "{field} is required."
INVALID_UUID = "uuid must be a UUID."
WRONG_TYPE = "{field} must be {kind}."
COME_THROUGH_HEROKU = (
    "This page opens from Heroku: in your app's dashboard on heroku.com, "
    "click FACTURAgem under Resources."
)

PLAYGROUND_URL = "/playground/"
API_DOCS_URL = "/docs/api"

SESSION_RESOURCE = "heroku_resource"
SESSION_HEROKU_EMAIL = "heroku_email"
SESSION_HEROKU_APP = "heroku_app"
SSO_SECRETS = ("resource_token", "user_scoped_resource_token", "token")


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _message(message: str, status: int, **headers: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=status, headers=headers or None)


def heroku_api(*methods: str) -> Callable:
    """Off unless configured, then HTTP Basic, then the method, then the view; a
    `HerokuError` or a bad body becomes its status with `{"message": …}`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # Basic-authenticated machine calls: no cookies, nothing to forge
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not selectors.heroku_enabled():
                return _message(NOT_CONFIGURED, 404)
            if not tokens.basic_credentials_match(
                request.headers.get("Authorization", ""),
                username=settings.HEROKU_ADDON_ID,
                password=settings.HEROKU_ADDON_PASSWORD,
            ):
                return _message(
                    UNAUTHORIZED, 401, **{"WWW-Authenticate": 'Basic realm="FACTURAgem add-on"'}
                )
            if request.method not in methods:
                return _message(METHOD_NOT_ALLOWED, 405, Allow=", ".join(methods))
            try:
                return view(request, *args, **kwargs)
            except BadRequest as error:
                return _message(error.message, error.status)
            except services.HerokuError as error:
                return _message(error.message, error.status)

        return wrapper

    return decorator


# -- parse -----------------------------------------------------------------------------


def _json_object(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object, its text normalised as every API input is (NUL refused,
    lone surrogates replaced, nesting bounded)."""
    try:
        data = json.loads(request.body or b"")
    except RequestDataTooBig as error:
        raise BadRequest(BODY_TOO_LARGE, 413) from error
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadRequest(MALFORMED_JSON) from error
    if not isinstance(data, dict):
        raise BadRequest(MALFORMED_JSON)
    try:
        return clean(data)
    except ParamsError as error:
        raise BadRequest(str(error)) from error


def _required_str(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if value is None or value == "":
        raise BadRequest(MISSING_FIELD.format(field=field), 422)
    if not isinstance(value, str):
        raise BadRequest(WRONG_TYPE.format(field=field, kind="a string"), 422)
    return value.strip()


def _optional_str(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(WRONG_TYPE.format(field=field, kind="a string"), 422)
    return value.strip()


def _uuid(value: str) -> UUID:
    try:
        return uuid_module.UUID(value)
    except ValueError as error:
        raise BadRequest(INVALID_UUID, 422) from error


def _uuid_in_url(value: str) -> UUID:
    try:
        return uuid_module.UUID(value)
    except ValueError as error:
        raise services.ResourceNotFound(services.RESOURCE_NOT_FOUND) from error


# -- render ----------------------------------------------------------------------------


def _account_url(request: HttpRequest, resource) -> str:
    return request.build_absolute_uri(f"{API_ROOT}/accounts/{resource.account.url_id}")


def _routed(path: str) -> str | None:
    """`path` if this deployment serves it (no dead links on the dashboard), else None."""
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


def _denied(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "heroku/denied.html", {"message": message}, status=status)


def heroku_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The browser side (SSO, dashboard): a 404 page while the add-on is not configured."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.heroku_enabled():
            return _denied(request, NOT_CONFIGURED, 404)
        return view(request, *args, **kwargs)

    return wrapper


# -- views -----------------------------------------------------------------------------


@heroku_api("POST")
@sensitive_variables("data")  # the body carries the oauth_grant code: never in error reports
def resources(request: HttpRequest) -> HttpResponse:
    """POST /heroku/resources: provision (idempotent per uuid)."""
    data = _json_object(request)
    uuid = _uuid(_required_str(data, "uuid"))
    plan = _required_str(data, "plan")
    options = data.get("options")
    if options is not None and not isinstance(options, dict):
        raise BadRequest(WRONG_TYPE.format(field="options", kind="an object"), 422)
    result = services.resource_provision(
        uuid=uuid,
        plan=plan,
        name=_optional_str(data, "name"),
        region=_optional_str(data, "region"),
        callback_url=_optional_str(data, "callback_url"),
        options=options,
    )
    return JsonResponse(
        {
            "id": str(result.resource.uuid),
            "config": {
                "FACTURAGEM_URL": _account_url(request, result.resource),
                "FACTURAGEM_API_KEY": result.api_key,
            },
            "message": services.PROVISIONED,
        }
    )


@heroku_api("PUT", "DELETE")
def resource(request: HttpRequest, uuid: str) -> HttpResponse:
    """PUT /heroku/resources/:uuid changes the plan; DELETE deprovisions."""
    resource_uuid = _uuid_in_url(uuid)
    if request.method == "DELETE":
        services.resource_deprovision(uuid=resource_uuid)
        return HttpResponse(status=204)
    data = _json_object(request)
    change = services.resource_change_plan(uuid=resource_uuid, plan=_required_str(data, "plan"))
    template = services.PLAN_CHANGED if change.changed else services.PLAN_UNCHANGED
    return JsonResponse({"message": template.format(plan=change.resource.plan.name)})


@csrf_exempt  # a cross-site form post from Heroku, authenticated by its tokens
@heroku_page
@sensitive_post_parameters(*SSO_SECRETS)
@never_cache
@require_POST
def sso(request: HttpRequest) -> HttpResponse:
    """POST /heroku/sso: Heroku's single sign-on (v3 `resource_id`, legacy `id`)."""
    form = request.POST
    legacy = "resource_id" not in form
    try:
        resource = services.sso_verify(
            resource_id=form.get("id" if legacy else "resource_id", ""),
            timestamp=form.get("timestamp", "").strip(),
            resource_token=form.get("token" if legacy else "resource_token", ""),
            user_scoped_resource_token=form.get("user_scoped_resource_token", ""),
            user_id=form.get("user_id", ""),
            email=form.get("email", ""),
        )
    except services.HerokuError as error:
        return _denied(request, error.message, error.status)
    login(request, resource.owner, backend="accounts.backends.LoginOrEmailBackend")
    request.session[SESSION_RESOURCE] = str(resource.uuid)
    request.session[SESSION_HEROKU_EMAIL] = form.get("email", "")[:254]
    request.session[SESSION_HEROKU_APP] = form.get("app", "")[:100]
    return redirect("heroku-dashboard")


@heroku_page
@never_cache  # the page shows an api_key
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """GET /heroku/dashboard: the add-on's page, for a session opened by single sign-on."""
    resource = selectors.dashboard_resource(
        user=request.user, resource_uuid=request.session.get(SESSION_RESOURCE)
    )
    if resource is None:
        return _denied(request, COME_THROUGH_HEROKU, 403)
    account_url = _account_url(request, resource)
    context = {
        "resource": resource,
        "account": resource.account,
        "plan": resource.plan,
        "api_key": api_key_for(resource.owner),
        "account_url": account_url,
        "accounts_url": request.build_absolute_uri(f"{API_ROOT}/accounts.json"),
        "invoices": selectors.recent_invoices(resource.account),
        "verifactu_pending": pending_summary(account=resource.account),
        "heroku_email": request.session.get(SESSION_HEROKU_EMAIL, ""),
        "heroku_app": request.session.get(SESSION_HEROKU_APP, ""),
        "playground_url": _routed(PLAYGROUND_URL),
        "api_docs_url": _routed(API_DOCS_URL),
    }
    return render(request, "heroku/dashboard.html", context)
