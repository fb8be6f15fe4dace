"""Times the way people read them: a clock time with a city's name, never a time-zone id.

The partnership lives in two cities, so a moment that has a time of day is shown in both:
"9:00 in Tokyo / 2:00 in Bratislava" (ja: 東京 9:00、ブラチスラバ 2:00), the host city first.
A date without a time stays a date: nobody is told "0:00" for a day-long meeting. City names
come from Babel's CLDR data in the reader's language (Tokyo, Tokio, 東京), so no time-zone id
("Asia/Tokyo") ever reaches a reader. No telegram here: the handlers, the job queue and the
domain's own texts all use these.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time, get_timezone_location

from bot.i18n import Translator

# The partnership's two time zones: every moment with a time is read in both.
BRATISLAVA = "Europe/Bratislava"
TOKYO = "Asia/Tokyo"
PARTNER_ZONES = (BRATISLAVA, TOKYO)
# "9:00", not "09:00" (en_GB's short time): the same in all three languages.
CLOCK = "H:mm"


def city_name(t: Translator, zone: str) -> str:
    """The zone's example city in the reader's language: Tokyo / Tokio / 東京."""
    return get_timezone_location(ZoneInfo(zone), locale=t.babel_locale, return_city=True)


def zones_for(host_zone: str | None) -> tuple[str, ...]:
    """The zones to show a moment in: the host city's first, then the other partner city.

    A host outside the partnership (Brussels) is shown first too, then both partner cities.
    """
    if host_zone is None or host_zone in PARTNER_ZONES:
        first = host_zone or BRATISLAVA
        return (first, *(z for z in PARTNER_ZONES if z != first))
    return (host_zone, *PARTNER_ZONES)


def city_time(t: Translator, moment: datetime, zone: str, *, with_date: bool = False) -> str:
    """One city's clock: "9:00 in Tokyo", or with the day "21 May 2027, 1:00 in Tokyo"."""
    local = moment.astimezone(ZoneInfo(zone))
    clock = format_time(local, CLOCK, locale=t.babel_locale)
    if with_date:
        # Translators: a day and a clock time, e.g. "21 May 2027, 1:00".
        clock = t.pgettext("day and clock time", "{date}, {time}").format(
            date=t.date(local.date()), time=clock
        )
    # The partner cities are written out, so that Slovak can say "v Tokiu" / "v Bratislave"
    # (Babel's city names are nominatives); any other host city gets the general form.
    if zone == TOKYO:
        return t.pgettext("time in a city", "{time} in Tokyo").format(time=clock)
    if zone == BRATISLAVA:
        return t.pgettext("time in a city", "{time} in Bratislava").format(time=clock)
    # Translators: a clock time in a city, e.g. "9:00 in Brussels"; {city} is
    # the city's name in the nominative, never a time-zone id.
    return t.pgettext("time in a city", "{time} in {city}").format(
        time=clock, city=city_name(t, zone)
    )


def city_times(t: Translator, moment: datetime, zones: tuple[str, ...] = PARTNER_ZONES) -> str:
    """The moment in each city: "9:00 in Tokyo / 2:00 in Bratislava".

    When the cities' calendars show different days (1:00 in Tokyo is the evening before in
    Bratislava), every city's time carries its own date, so no one reads the wrong day.
    """
    days = {moment.astimezone(ZoneInfo(zone)).date() for zone in zones}
    with_date = len(days) > 1
    # Translators: between the times of two cities; ja uses a full-width
    # comma ("、") instead of a slash.
    separator = t.pgettext("between times in two cities", " / ")
    return separator.join(city_time(t, moment, zone, with_date=with_date) for zone in zones)


def moment_text(t: Translator, moment: datetime, host_zone: str | None = None) -> str:
    """A moment with its day: "20 May 2027 (9:00 in Tokyo / 2:00 in Bratislava)".

    The day is the host city's; when the cities' days differ, each time has its own date.
    """
    zones = zones_for(host_zone)
    local_days = {moment.astimezone(ZoneInfo(zone)).date() for zone in zones}
    if len(local_days) > 1:
        return city_times(t, moment, zones)
    # Translators: a day followed by its times in cities; ja uses
    # full-width brackets: "{date}（{times}）".
    return t.pgettext("day with times in cities", "{date} ({times})").format(
        date=t.date(moment.astimezone(ZoneInfo(zones[0])).date()),
        times=city_times(t, moment, zones),
    )


def when_text(
    t: Translator,
    start: date,
    end: date | None = None,
    *,
    starts_at: datetime | None = None,
    host_zone: str | None = None,
) -> str:
    """Dates only, unless a time was set: then the first moment in both cities.

    "15–17 October 2018" without a time; "20 May 2027 (9:00 in Tokyo / 2:00 in Bratislava)"
    for a one-day event with one; "20–22 May 2027; starts 20 May 2027 (9:00 in Tokyo / …)"
    for several days with a start time.
    """
    if starts_at is None:
        return t.period(start, end)
    moment = moment_text(t, starts_at, host_zone)
    if end is None or end == start:
        return moment
    # Translators: several days, then when the first one starts, e.g.
    # "20–22 May 2027; starts 20 May 2027 (9:00 in Tokyo / 2:00 in Bratislava)".
    return t.pgettext("days with a start time", "{period}; starts {moment}").format(
        period=t.period(start, end), moment=moment
    )
