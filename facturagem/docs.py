"""The project's own documentation (docs/*.md) served as HTML, so that the dashboard, the
playground and the browsable API can link to the API reference on the running service."""

from functools import lru_cache
from pathlib import Path

import markdown
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

PAGES = {
    "api": "API reference",
    "heroku": "Heroku add-on",
    "declaracion-responsable": "Declaración responsable del sistema informático de facturación",
}


@lru_cache(maxsize=len(PAGES))
def _html(name: str, mtime: float) -> str:
    """Cached per file version (`mtime`): converting the reference takes a while."""
    text = (Path(settings.BASE_DIR) / "docs" / f"{name}.md").read_text(encoding="utf-8")
    return markdown.markdown(text, extensions=["tables", "fenced_code", "toc"])


def reference(request):
    """The OpenAPI document rendered by Redoc, served from our own static files (no CDN)."""
    return render(request, "docs/reference.html", {"schema_url": "/api/v1/openapi.json"})


def page(request, name: str = "api"):
    path = Path(settings.BASE_DIR) / "docs" / f"{name}.md"
    if name not in PAGES or not path.exists():
        raise Http404
    body = _html(name, path.stat().st_mtime)
    return render(
        request,
        "docs/page.html",
        {"title": PAGES[name], "body": mark_safe(body), "pages": PAGES, "current": name},  # noqa: S308 - our own Markdown
    )
