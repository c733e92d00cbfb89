"""Correlative invoice numbers: the next one follows the latest of the year in its pattern.

`2026/0041` → `2026/0042`, `F4-2026` → `F5-2026`: the last run of digits that is not the
year is incremented, keeping its zero padding. Pure functions; the service holds the lock.
"""

import re

_DIGITS = re.compile(r"[0-9]+")


def first_number(year: int) -> str:
    return f"{year}/0001"


def increment(number: str, year: int) -> str:
    runs = [match for match in _DIGITS.finditer(number) if match.group() != str(year)]
    if not runs:
        return f"{number}-2" if number else first_number(year)
    run = runs[-1]
    digits = run.group()
    following = str(int(digits) + 1).zfill(len(digits))
    return f"{number[:run.start()]}{following}{number[run.end():]}"
