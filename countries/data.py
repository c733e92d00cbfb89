"""Country data from the libraries that keep it: pycountry (ISO 3166-1 and its Spanish
translation catalogue) and python-stdnum (the EU VAT member states)."""

import gettext
from collections.abc import Iterator
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


def iso_countries() -> Iterator[CountryRow]:
    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    for country in pycountry.countries:
        name_en = getattr(country, "common_name", None) or country.name
        yield CountryRow(
            code=country.alpha_2,
            alpha3=country.alpha_3,
            name=spanish.gettext(country.name),
            name_en=name_en,
            eu_member=country.alpha_2 in EU_MEMBERS,
        )
