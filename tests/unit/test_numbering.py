"""The next number follows the latest of its series and year in the same pattern
(invoices.numbering): in the series' own pattern its counter, whatever its value; in a
pattern of the user's, the last run of digits that is not the year."""

import pytest

from invoices import numbering


@pytest.mark.parametrize(("latest", "series", "following"), [
    ("2026/0041", "", "2026/0042"),
    ("2026/0999", "", "2026/1000"),
    ("2026/9999", "", "2026/10000"),
    # the 2026th invoice of 2026 is no different from the 2025th
    ("2026/2025", "", "2026/2026"),
    ("2026/2026", "", "2026/2027"),
    ("R2026/2026", "R", "R2026/2027"),
    ("F2-2026/2026", "F2", "F2-2026/2027"),
    # patterns typed by hand: the last run that is not the year
    ("F4-2026", "", "F5-2026"),
    ("0042/2026", "", "0043/2026"),
    ("FAC-2026-0007", "", "FAC-2026-0008"),
    ("A-2026", "", "A-2026-2"),
    # another series' pattern is a pattern typed by hand here
    ("R2026/0007", "", "R2026/0008"),
])
def test_the_next_number_follows_the_latest(latest, series, following):
    assert numbering.increment(latest, 2026, series) == following


def test_a_series_own_numbers_never_grow_a_suffix():
    number = numbering.first_number(2026)
    for _ in range(3000):
        number = numbering.increment(number, 2026)
    assert number == "2026/3001"
