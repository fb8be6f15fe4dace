"""Dates written in a question ("15.–17. 10. 2018", "17 May 2019", "v máji 2019", "2018年10月"),
as (year, month, day) with day None when only the month is given.

A question names an event by its date as often as by its place ("what was discussed on
15.10.2018?"); the analyzer reads such a date as the event it falls on. The text is already
normalized (lower case, no diacritics, punctuation as spaces).
"""

from __future__ import annotations

import re
from datetime import date

# Month names and their Slovak cases by their stems ("oktobra", "maji"); abbreviations are
# expanded before ("oct" -> "october").
_MONTHS = (
    ("january", "januar"),
    ("february", "februar"),
    ("march", "marec", "marca", "marci"),
    ("april",),
    ("may", "maj"),
    ("june", "jun"),
    ("july", "jul"),
    ("august",),
    ("september",),
    ("october", "oktob"),
    ("november",),
    ("december",),
)
_MONTH_OF = {stem: number for number, stems in enumerate(_MONTHS, 1) for stem in stems}
_MONTH = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"

_NUMERIC = re.compile(rf"\b(\d{{1,2}})(?: \d{{1,2}})? (\d{{1,2}}) {_YEAR}\b")  # 15 17 10 2018
_ISO = re.compile(rf"\b{_YEAR} (\d{{1,2}}) (\d{{1,2}})\b")  # 2018 10 15
_WORDED = re.compile(  # 17 may 2019, 15 oktobra 2018, october 15 2018, maji 2019
    rf"(?:\b(\d{{1,2}})(?: \d{{1,2}})? )?\b({_MONTH})[a-z]*(?: (\d{{1,2}}))? {_YEAR}\b"
)
_JAPANESE = re.compile(rf"{_YEAR}年(\d{{1,2}})月(?:(\d{{1,2}})日)?")


def dates_in(norm: str) -> list[tuple[int, int, int | None]]:
    """The dates the normalized text gives, in the order of the patterns.

    A day the month does not have is dropped, leaving the month.
    """
    found: list[tuple[int, int, int | None]] = []
    for day, month, year in _NUMERIC.findall(norm):
        found.append((int(year), int(month), int(day)))
    for year, month, day in _ISO.findall(norm):
        found.append((int(year), int(month), int(day)))
    for day, stem, day_after, year in _WORDED.findall(norm):  # the group holds the stem
        given = day or day_after
        found.append((int(year), _MONTH_OF[stem], int(given) if given else None))
    for year, month, day in _JAPANESE.findall(norm):
        found.append((int(year), int(month), int(day) if day else None))
    return [
        (y, m, d if d is None or _exists(y, m, d) else None)  # "31 4 2019": April 2019
        for y, m, d in found
        if 1 <= m <= 12 and (d is None or 1 <= d <= 31)
    ]


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
