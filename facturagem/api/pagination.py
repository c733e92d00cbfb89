"""Page-based pagination (CONTRACT §5): `page` from 1, `per_page` 25 by default and 100 at
most; `X-Total-Count` and an RFC 8288 `Link` header for modern clients."""

import re
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlencode

from django.db.models import QuerySet

from facturagem.api.exceptions import UnprocessableEntity

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
NOT_A_POSITIVE_INTEGER = "must be a positive integer"
PAGINATION_PARAMS = ("page", "per_page")
_DIGITS = re.compile(r"[0-9]{1,9}")


@runtime_checkable
class Windowed(Protocol):
    """A list that answers its total and one page together (invoices.selectors'
    CountedInvoices): what a plain queryset's count() and OFFSET slice would."""

    def window(self, offset: int, limit: int) -> tuple[int, list[Any]]: ...

    def values(self, *fields: str) -> "Windowed": ...


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _positive_int(params: dict[str, Any], name: str, default: int) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    text = str(value).strip()
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not _DIGITS.fullmatch(text) or int(text) < 1:
        return None
    return int(text)


def paginate(queryset: QuerySet | Windowed, params: dict[str, Any]) -> Page:
    page = _positive_int(params, "page", 1)
    per_page = _positive_int(params, "per_page", DEFAULT_PER_PAGE)
    errors = {}
    if page is None:
        errors["page"] = [NOT_A_POSITIVE_INTEGER]
    if per_page is None:
        errors["per_page"] = [NOT_A_POSITIVE_INTEGER]
    if errors:
        raise UnprocessableEntity(errors)
    per_page = min(per_page, MAX_PER_PAGE)
    offset = (page - 1) * per_page
    if isinstance(queryset, Windowed):
        total, items = queryset.window(offset, per_page)
        return Page(items=items, number=page, per_page=per_page, total=total)
    total = queryset.count()
    items = list(queryset[offset : offset + per_page]) if offset < total else []
    return Page(items=items, number=page, per_page=per_page, total=total)


def headers(page: Page, *, url: str, query: dict[str, Any]) -> dict[str, str]:
    """`url` without a query string; `query` is the request's own (its page is replaced)."""

    def link(number: int, rel: str) -> str:
        params = {**query, "page": number, "per_page": page.per_page}
        return f'<{url}?{urlencode(params, doseq=True)}>; rel="{rel}"'

    links = [link(1, "first")]
    if page.number > 1:
        links.append(link(min(page.number - 1, page.last), "prev"))
    if page.number < page.last:
        links.append(link(page.number + 1, "next"))
    links.append(link(page.last, "last"))
    return {"X-Total-Count": str(page.total), "Link": ", ".join(links)}
