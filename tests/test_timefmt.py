"""Times with city names (bot/timefmt.py): dates only without a time, both cities with one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translator
from bot.timefmt import BRATISLAVA, TOKYO, city_times, moment_text, when_text, zones_for
from tests.test_catalogs import TZ_ID

# 9:00 in Tokyo on 20 May 2027 is 2:00 the same day in Bratislava (summer time).
MORNING_IN_TOKYO = datetime(2027, 5, 20, 9, 0, tzinfo=ZoneInfo(TOKYO))
# 1:00 in Tokyo on 21 May is still 20 May, 18:00, in Bratislava.
NIGHT_IN_TOKYO = datetime(2027, 5, 21, 1, 0, tzinfo=ZoneInfo(TOKYO))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "20 May 2027 (9:00 in Tokyo / 2:00 in Bratislava)"),
        ("sk", "20. mája 2027 (9:00 v Tokiu, 2:00 v Bratislave)"),
        ("ja", "2027年5月20日（東京 9:00、ブラチスラバ 2:00）"),
    ],
)
def test_a_moment_reads_with_city_names(lang: str, expected: str) -> None:
    text = moment_text(Translator(lang), MORNING_IN_TOKYO, TOKYO)
    assert text == expected
    assert not TZ_ID.search(text)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "20 May 2027, 18:00 in Bratislava / 21 May 2027, 1:00 in Tokyo"),
        ("sk", "20. mája 2027 o 18:00 v Bratislave, 21. mája 2027 o 1:00 v Tokiu"),
        ("ja", "ブラチスラバ 2027年5月20日 18:00、東京 2027年5月21日 1:00"),
    ],
)
def test_each_city_has_its_own_day_when_the_days_differ(lang: str, expected: str) -> None:
    assert moment_text(Translator(lang), NIGHT_IN_TOKYO, BRATISLAVA) == expected


def test_the_host_city_comes_first() -> None:
    t = Translator("en")
    assert city_times(t, MORNING_IN_TOKYO, zones_for(BRATISLAVA)).startswith("2:00 in Brat")
    assert city_times(t, MORNING_IN_TOKYO, zones_for(TOKYO)).startswith("9:00 in Tokyo")
    # A host outside the partnership is named by Babel, then both partner cities follow.
    brussels = moment_text(t, MORNING_IN_TOKYO.astimezone(UTC), "Europe/Brussels")
    assert brussels == "20 May 2027 (2:00 in Brussels / 2:00 in Bratislava / 9:00 in Tokyo)"


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_without_a_time_only_the_dates_are_shown(lang: str) -> None:
    t = Translator(lang)
    text = when_text(t, date(2018, 10, 15), date(2018, 10, 17), host_zone=BRATISLAVA)
    assert text == t.period(date(2018, 10, 15), date(2018, 10, 17))
    assert ":" not in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "20–22 May 2027; starts 20 May 2027 (9:00 in Tokyo / 2:00 in Bratislava)"),
        ("ja", "2027年5月20日～22日、開始は2027年5月20日（東京 9:00、ブラチスラバ 2:00）"),
    ],
)
def test_several_days_with_a_start_time(lang: str, expected: str) -> None:
    t = Translator(lang)
    start, end = date(2027, 5, 20), date(2027, 5, 22)
    assert when_text(t, start, end, starts_at=MORNING_IN_TOKYO, host_zone=TOKYO) == expected
    assert when_text(t, start, start, starts_at=MORNING_IN_TOKYO, host_zone=TOKYO) == (
        moment_text(t, MORNING_IN_TOKYO, TOKYO)
    )
