"""Dates as people type them in English, Slovak and Japanese."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import Translator
from bot.visits.dates import deadline_text, parse_date

MAY_20 = date(2027, 5, 20)

READ = [
    # (id, lang, typed, expected)
    ("iso", "en", "2027-05-20", MAY_20),
    ("dotted", "sk", "20.5.2027", MAY_20),
    ("dotted-spaced", "sk", "20. 5. 2027", MAY_20),
    ("dotted-zero-padded-no-year", "sk", "20.05.", MAY_20),
    ("dotted-no-year-no-dot", "sk", "20.5", MAY_20),
    ("two-digit-year", "sk", "20.5.27", MAY_20),
    ("slashes-day-first", "en", "20/05/2027", MAY_20),
    ("slashes-no-year", "en", "20/5", MAY_20),
    ("dashes-day-first", "en", "20-05-2027", MAY_20),
    ("en-day-month-year", "en", "20 May 2027", MAY_20),
    ("en-month-day-year", "en", "May 20, 2027", MAY_20),
    ("en-lowercase-no-year", "en", "20 may", MAY_20),
    ("en-ordinal", "en", "20th of May", MAY_20),
    ("en-abbreviation", "en", "1 Sept 2027", date(2027, 9, 1)),
    ("en-weekday", "en", "Thursday, 20 May 2027", MAY_20),
    ("en-month-first-no-year", "en", "May 20", MAY_20),
    ("sk-genitive", "sk", "20. mája 2027", MAY_20),
    ("sk-no-diacritics", "sk", "20 maja", MAY_20),
    ("sk-nominative", "sk", "20. máj", MAY_20),
    ("sk-capitals", "sk", "20. MÁJA 2027", MAY_20),
    ("sk-october", "sk", "15. októbra 2018", date(2018, 10, 15)),
    ("sk-weekday", "sk", "štvrtok 20. mája", MAY_20),
    ("sk-roman-month", "sk", "20. V. 2027", MAY_20),
    ("ja-full", "ja", "2027年5月20日", MAY_20),
    ("ja-no-year", "ja", "5月20日", MAY_20),
    ("ja-full-width", "ja", "２０２７年５月２０日", MAY_20),
    ("ja-spaces", "ja", "2027年 5月 20日", MAY_20),
    ("ja-weekday", "ja", "5月20日（木）", MAY_20),
    ("ja-reiwa", "ja", "令和9年5月20日", MAY_20),
    ("ja-slashes-year-first", "ja", "2027/5/20", MAY_20),
    ("ja-full-width-slashes", "ja", "２０２７／０５／２０", MAY_20),
    ("ja-month-first-slash", "ja", "5/20", MAY_20),
    ("ja-month-first-ambiguous", "ja", "3/5", date(2027, 3, 5)),
    ("ja-month-first-full-width", "ja", "３／１４", date(2027, 3, 14)),
    ("ja-day-first-when-month-first-cannot-be", "ja", "20/5", MAY_20),
    ("sk-day-first-ambiguous", "sk", "3/5", date(2027, 5, 3)),
    ("any-language-form-in-any-language", "ja", "20. mája", MAY_20),
    ("leap-day", "en", "29.2.2028", date(2028, 2, 29)),
]


@pytest.mark.parametrize(
    ("lang", "typed", "expected"), [r[1:] for r in READ], ids=[r[0] for r in READ]
)
def test_parse_date_reads(lang: str, typed: str, expected: date) -> None:
    assert parse_date(typed, lang=lang, default_year=2027) == expected


@pytest.mark.parametrize(
    ("typed", "default_year", "expected"),
    [
        ("20.5.27", 2026, date(2027, 5, 20)),
        ("20.5.99", 2026, date(1999, 5, 20)),  # the review's I-6: it was 2099
        ("20.5.26", 2099, date(2126, 5, 20)),
        ("20.5.00", 2099, date(2100, 5, 20)),
        ("20.5.76", 2026, date(2076, 5, 20)),  # 50 years either way: the later one
        ("20.5.77", 2026, date(1977, 5, 20)),
    ],
)
def test_a_two_digit_year_is_the_nearest_one(
    typed: str, default_year: int, expected: date
) -> None:
    assert parse_date(typed, lang="sk", default_year=default_year) == expected


REFUSED = [
    ("us-month-first-numbers", "en", "5/20/2027"),
    ("month-first-outside-japanese", "en", "3/14"),
    ("impossible-day", "sk", "31.2."),
    ("not-a-leap-year", "en", "29.2.2027"),
    ("month-13", "sk", "1.13.2027"),
    ("month-and-year-only", "en", "May 2027"),
    ("words", "en", "next Tuesday"),
    ("empty", "en", ""),
    ("spaces", "en", "   "),
    ("unknown-month-word", "sk", "20. mája2 2027"),
    ("emoji", "en", "📅"),
    ("html", "en", "<b>20.5.2027</b>"),
    ("far-past", "en", "1.1.1066"),
    ("very-long", "en", "20.5.2027 " * 20),
    ("ja-missing-month", "ja", "2027年20日"),
    ("year-zero-era-without-name", "ja", "元年5月20日"),
]


@pytest.mark.parametrize(("lang", "typed"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_parse_date_refuses(lang: str, typed: str) -> None:
    assert parse_date(typed, lang=lang, default_year=2027) is None


def test_a_date_without_a_year_takes_the_visits_year() -> None:
    assert parse_date("20.5.", lang="sk", default_year=2031) == date(2031, 5, 20)
    assert parse_date("5月20日", lang="ja", default_year=2019) == date(2019, 5, 20)
    assert parse_date("20 May 2027", lang="en", default_year=2031) == MAY_20


def test_a_registration_deadline_is_its_days_last_minute_in_both_cities() -> None:
    en, ja = Translator("en"), Translator("ja")
    assert deadline_text(en, date(2027, 5, 1), "Asia/Tokyo") == (
        "1 May 2027 (23:59 in Tokyo / 16:59 in Bratislava)"
    )
    # 23:59 in Bratislava is the next morning in Tokyo: each city gets its own day.
    assert deadline_text(ja, date(2027, 5, 1), "Europe/Bratislava") == (
        "ブラチスラバ 2027年5月1日 23:59、東京 2027年5月2日 6:59"
    )
