"""Dates as people write them, in English, Slovak and Japanese, and a visit's deadline.

Reading (`parse_date`): day first, year optional, Japanese month first. Writing goes through
bot/timefmt.py (dates only without a set time, a moment by city names); here only what a
registration deadline means: the host city's day, until its last minute.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.timefmt import moment_text

_EN_MONTHS = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
# Slovak nominative, genitive ("20. mája") and locative ("v máji"), diacritics folded.
_SK_MONTHS = (
    ("januar", "januara", "januari"),
    ("februar", "februara", "februari"),
    ("marec", "marca", "marci"),
    ("april", "aprila", "aprili"),
    ("maj", "maja", "maji"),
    ("jun", "juna", "juni"),
    ("jul", "jula", "juli"),
    ("august", "augusta", "auguste"),
    ("september", "septembra", "septembri"),
    ("oktober", "oktobra", "oktobri"),
    ("november", "novembra", "novembri"),
    ("december", "decembra", "decembri"),
)
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for number, name in enumerate(_EN_MONTHS, 1):
        names[name] = names[name[:3]] = number
    names["sept"] = 9
    for number, forms in enumerate(_SK_MONTHS, 1):
        for form in forms:
            names[form] = number
    for number, numeral in enumerate(_ROMAN, 1):
        names[numeral] = number
    return names


MONTHS = _month_names()

# Weekday names people add in front ("Thursday, 20 May"; "štvrtok 20. mája"), folded.
_WEEKDAYS = (
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
    *("pondelok", "utorok", "streda", "stvrtok", "piatok", "sobota", "nedela"),
    *("po", "ut", "st", "stv", "pi", "so", "ne"),
)
_WEEKDAY_RE = re.compile(
    r"^(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b[.,]?\s*"
)
# Japanese era years: Reiwa 1 is 2019, Heisei 1 is 1989; 元年 is year one.
_ERAS = {"令和": 2018, "平成": 1988}

_JAPANESE = re.compile(
    r"^(?:(?P<era>令和|平成)?(?P<year>\d{1,4}|元)年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日?$"
)
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})\.?$")
_DAY_FIRST = re.compile(
    r"^(?P<day>\d{1,2})[./-](?P<month>\d{1,2})(?:[./-](?P<year>\d{4}|\d{2})?)?\.?$"
)
_DAY_NAME = re.compile(
    r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?(?:of)?(?P<name>[a-z]+)\.?,?(?P<year>\d{4})?\.?$"
)
# Japanese writes a day of the year month first: 3/14 is 14 March (with the year: 2027/3/14).
_MONTH_FIRST = re.compile(r"^(?P<month>\d{1,2})/(?P<day>\d{1,2})$")
_NAME_DAY = re.compile(
    r"^(?P<name>[a-z]+)\.?(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?,?(?P<year>\d{4})?\.?$"
)

MAX_INPUT = 64


def _fold(text: str) -> str:
    # NFKC first: full-width digits and punctuation (２０２７年５月２０日, ／) become ASCII.
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    decomposed = unicodedata.normalize("NFD", text)
    # Only Latin diacritics are dropped; kana would lose their voicing marks, so leave them.
    folded = "".join(
        ch for ch in decomposed if not (unicodedata.combining(ch) and ch not in "\u3099\u309a")
    )
    return unicodedata.normalize("NFC", folded)


def _year(raw: str | None, default_year: int) -> int:
    if raw is None:
        return default_year
    year = int(raw)
    if len(raw) != 2:
        return year
    # A two-digit year is the year ending in those digits nearest default_year (the visit's
    # year, or this year), the later one on a tie: "27" is 2027, but "99" is 1999, which the
    # callers then refuse as a day in the past or outside the visit, never as 2099.
    century = default_year - default_year % 100
    candidates = (century - 100 + year, century + year, century + 100 + year)
    return min(candidates, key=lambda y: (abs(y - default_year), -y))


def _make(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, *, lang: str, default_year: int) -> date | None:
    """Return the date typed, or None when it cannot be read or does not exist (31.2.).

    Numbers are read day first (20/05/2027; never the US 5/20/2027), a date without a year
    takes default_year (the visit's year). Every language's forms are accepted whatever
    `lang` is: people mix them. The one form read by language is a bare "3/14" in Japanese,
    month first as Japanese writes it (a Japanese "20/5" that cannot be that is still 20 May).
    """
    if not text or len(text) > MAX_INPUT:
        return None
    folded = _fold(text)
    # A weekday in brackets (Japanese "(木)") or in front ("Thursday, 20 May") adds nothing.
    folded = re.sub(r"\([^)]*\)", "", folded)
    folded = _WEEKDAY_RE.sub("", folded)
    compact = re.sub(r"\s+", "", folded)
    if not compact:
        return None

    if match := _JAPANESE.match(compact):
        era, raw_year = match["era"], match["year"]
        if raw_year is None:
            year = default_year
        else:
            number = 1 if raw_year == "元" else int(raw_year)
            if era:
                year = _ERAS[era] + number
            elif raw_year == "元":
                return None
            else:
                year = _year(raw_year, default_year)
        return _make(year, int(match["month"]), int(match["day"]))
    if (
        lang == "ja"
        and (match := _MONTH_FIRST.match(compact))
        and (day := _make(default_year, int(match["month"]), int(match["day"])))
    ):
        return day
    if match := _YEAR_FIRST.match(compact):
        return _make(int(match["year"]), int(match["month"]), int(match["day"]))
    if match := _DAY_FIRST.match(compact):
        year = _year(match["year"], default_year)
        return _make(year, int(match["month"]), int(match["day"]))
    for pattern in (_DAY_NAME, _NAME_DAY):
        if (match := pattern.match(compact)) and match["name"] in MONTHS:
            year = _year(match["year"], default_year)
            return _make(year, MONTHS[match["name"]], int(match["day"]))
    return None


# A registration deadline is a day in the host city: registering is possible until it ends.
DAY_ENDS = time(23, 59)


def deadline_moment(day: date, zone: str) -> datetime:
    """The last minute of a registration deadline's day in the host city."""
    return datetime.combine(day, DAY_ENDS, ZoneInfo(zone))


def deadline_text(t: Translator, day: date, zone: str) -> str:
    """A registration deadline: its day's last minute in the host and the partner cities."""
    return moment_text(t, deadline_moment(day, zone), zone)
