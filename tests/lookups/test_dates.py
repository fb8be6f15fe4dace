"""Dates for /dates and inline mode: which come first, and a time only where one was set."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.lookups.dates import DateEntry, VisitFacts, arrange, knowledge_dates
from bot.lookups.render import dates_html, entry_html
from tests.kb.test_check import EVENTS, write_kb
from tests.test_catalogs import TZ_ID

NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # already 30 November in Tokyo


def entry(key: str, start: date, end: date | None = None, zone: str = "Europe/Bratislava"):
    return DateEntry(key, {"en": key}, start, end or start, zone, None)


def test_upcoming_soonest_first_then_earlier_most_recent_first() -> None:
    entries = [
        entry("old", date(2018, 10, 15), date(2018, 10, 17)),
        entry("next-year", date(2027, 5, 20)),
        entry("ongoing", date(2026, 11, 28), date(2026, 11, 30)),
        entry("newer", date(2019, 5, 20), date(2019, 5, 22)),
        entry("soon", date(2026, 12, 1)),
    ]
    upcoming, earlier = arrange(entries, NOW)
    assert [e.key for e in upcoming] == ["ongoing", "soon", "next-year"]
    assert [e.key for e in earlier] == ["newer", "old"]
    assert [e.key for e in arrange(entries, NOW, earlier=1)[1]] == ["newer"]


def test_today_is_the_host_citys_day() -> None:
    # 29 November has ended in Tokyo (it is 05:00 on the 30th there), not in Bratislava.
    tokyo = entry("tokyo", date(2026, 11, 29), zone="Asia/Tokyo")
    bratislava = entry("bratislava", date(2026, 11, 29))
    upcoming, earlier = arrange([tokyo, bratislava], NOW)
    assert upcoming == [bratislava]
    assert earlier == [tokyo]


def test_the_shipped_events_have_dates_only(kb: KnowledgeBase) -> None:
    entries = knowledge_dates(kb)
    assert {e.key for e in entries} == {
        f"event:{r.id}" for r in kb.records.values() if r.collection == "events"
    }
    assert all(e.starts_at is None for e in entries)
    meeting = next(e for e in entries if e.key == "event:meeting-2018-bratislava")
    assert (meeting.start, meeting.end, meeting.place) == (
        date(2018, 10, 15),
        date(2018, 10, 17),
        "bratislava",
    )


@pytest.mark.parametrize(
    ("lang", "with_time", "without"),
    [
        (
            "en",
            "15 October 2018 (9:30 in Bratislava / 16:30 in Tokyo), Bratislava",
            "15 October 2018, Bratislava",
        ),
        (
            "sk",
            "Bratislava, 15. októbra 2018 (9:30 v Bratislave, 16:30 v Tokiu)",
            "Bratislava, 15. októbra 2018",
        ),
        (
            "ja",
            "2018年10月15日（ブラチスラバ 9:30、東京 16:30）、ブラチスラバ",
            "2018年10月15日、ブラチスラバ",
        ),
    ],
)
def test_a_time_is_shown_in_both_cities_only_where_one_was_set(
    tmp_path: Path, lang: str, with_time: str, without: str
) -> None:
    timed = EVENTS.replace("    timezone:", "    time: '09:30'\n    timezone:")
    [event] = knowledge_dates(load_knowledge(write_kb(tmp_path / "timed", events=timed)))
    kb = load_knowledge(write_kb(tmp_path / "plain"))
    [plain] = knowledge_dates(kb)
    t = Translator(lang)
    assert event.starts_at == datetime(2018, 10, 15, 7, 30, tzinfo=UTC)
    assert entry_html(t, kb, event, staff=True).split("\n")[1] == with_time
    assert entry_html(t, kb, plain, staff=True).split("\n")[1] == without
    assert not TZ_ID.search(dates_html(t, kb, [event], [plain], staff=True))


def test_visit_lines_differ_for_staff_and_for_anybody(kb: KnowledgeBase) -> None:
    facts = VisitFacts(7, "closed", capacity=10, held=10, deadline=date(2027, 5, 1))
    visit = DateEntry(
        "visit:7",
        {"en": "Study <visit> & more"},
        date(2027, 5, 20),
        date(2027, 5, 23),
        "Asia/Tokyo",
        "tokorozawa",
        visit=facts,
    )
    t = Translator("en")
    staff = entry_html(t, kb, visit, staff=True).split("\n")
    public = entry_html(t, kb, visit, staff=False).split("\n")
    assert staff[0] == public[0] == "<b>Study &lt;visit&gt; &amp; more</b>"
    assert staff[1:] == [
        "20–23 May 2027, Tokorozawa",
        "Status: registration closed",
        "10 of 10 places taken",
        "Registration until: 1 May 2027",
    ]
    assert public[1:] == [
        "20–23 May 2027, Tokorozawa",
        "The visit is full: if you register, you go on the waiting list.",
        "Registration until: 1 May 2027",
    ]


@pytest.mark.parametrize(
    ("lang", "none"),
    [
        ("en", "No upcoming dates are recorded."),
        ("sk", "Nie sú zaznamenané žiadne nadchádzajúce termíny."),
        ("ja", "今後の予定は登録されていません。"),
    ],
)
def test_no_upcoming_dates_is_said_plainly(kb: KnowledgeBase, lang: str, none: str) -> None:
    text = dates_html(Translator(lang), kb, [], knowledge_dates(kb), staff=False)
    assert text.split("\n\n")[1] == none
    assert "/register" not in text  # nothing open to register for
