"""Country data from the libraries that keep it: pycountry (ISO 3166-1 and its Spanish
translation catalogue) and python-stdnum (the EU VAT member states)."""

import gettext
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

import pycountry
from stdnum.eu.vat import MEMBER_STATES


class CountryRow(NamedTuple):
    code: str
    alpha3: str
    name: str
    name_en: str
    eu_member: bool


# stdnum lists VAT prefixes: Greece is "el" there (ISO "GR") and "xi" is Northern Ireland.
EU_MEMBERS = frozenset(code.upper() for code in MEMBER_STATES if code not in {"el", "xi"}) | {"GR"}


@lru_cache(maxsize=1)
def _spanish() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])


def _names(country) -> tuple[str, str]:
    """(Spanish, English) names of a pycountry country."""
    name_en = getattr(country, "common_name", None) or country.name
    return _spanish().gettext(country.name), name_en


def iso_countries() -> Iterator[CountryRow]:
    for country in pycountry.countries:
        name, name_en = _names(country)
        yield CountryRow(
            code=country.alpha_2,
            alpha3=country.alpha_3,
            name=name,
            name_en=name_en,
            eu_member=country.alpha_2 in EU_MEMBERS,
        )


@lru_cache(maxsize=512)
def country_name(code: str, locale: str = "es") -> str:
    """The display name of an alpha-2 code (Spanish, or English for "en"); the code itself
    when it is not an ISO country."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code
    name, name_en = _names(country)
    return name_en if locale == "en" else name
