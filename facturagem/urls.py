from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny

from facturagem import docs
from facturagem.api.exceptions import NOT_FOUND, early_error_response

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("countries.urls")),
    path("", include("clients.urls")),
    path("", include("invoices.urls")),
    path("", include("verifactu.urls")),
    path("", include("certificates.urls")),
    path("", include("facturae.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path(
        "api/v1/openapi.json",
        SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="openapi",
    ),
    path("api/v1/", include(api_v1)),
    # (before the admin's own URLs: its catch-all would take the path)
    path("admin/invoices/invoice/", include("facturae.admin")),
    path("admin/", admin.site.urls),
    # Log in for the browsable API (a Django session: AccountSessionAuthentication).
    path("api-auth/", include("rest_framework.urls")),
    path("playground/", include("playground.urls")),
    path("", RedirectView.as_view(pattern_name="playground:index"), name="root"),
    path("heroku/", include("heroku.urls")),
    path("docs/", RedirectView.as_view(url="/docs/api")),
    path("docs/reference", docs.reference, name="api-reference"),
    path("docs/<slug:name>", docs.page, name="docs"),
]


def not_found(request, exception=None):
    """Unknown URLs under /api answer in the contract's shape; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return early_error_response(request, 404, NOT_FOUND, as_list=True)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


handler404 = not_found
