import re

from countries.models import Country

_ALPHA2 = re.compile(r"[A-Z]{2}")


def country_get(code: str) -> Country | None:
    """The country with this ISO 3166-1 alpha-2 code, in any case.

    Anything that is not two ASCII letters is no country and never reaches the database
    (PostgreSQL refuses a NUL character in a text parameter with an error, not a miss)."""
    code = code.strip().upper()
    if not _ALPHA2.fullmatch(code):
        return None
    return Country.objects.filter(code=code).first()
