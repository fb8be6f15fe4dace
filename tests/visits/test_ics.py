"""Calendar files: RFC 5545 lines, folding on UTF-8 octets, escaping, and what a calendar reads."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.db.models import Registration, Visit
from bot.visits.ics import escape_text, fold, visit_ics
from tests.visits.factory import END, START, TITLES

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def _visit(**overrides: object) -> Visit:
    fields = {
        "id": 3,
        "titles": dict(TITLES),
        "host_city": "tokorozawa",
        "venue": "Tokorozawa City Hall",
        "timezone": "Asia/Tokyo",
        "start_date": START,
        "end_date": END,
        "capacity": 10,
        "held": 0,
        "status": "open",
        "roles": ["delegate"],
        "date_revision": 0,
    }
    return Visit(**(fields | overrides))


def _registration(**overrides: object) -> Registration:
    fields = {"id": 12, "arrival": date(2027, 5, 21), "departure": date(2027, 5, 22)}
    return Registration(**(fields | overrides))


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_ics(data: bytes) -> dict:
    """A tiny RFC 5545 reader: unfold, split name;params:value, nest BEGIN/END components."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "bare LF"
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    root: dict = {"components": []}
    stack = [root]
    for line in unfolded.split("\r\n")[:-1]:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            component = {"type": value, "components": []}
            stack[-1]["components"].append(component)
            stack.append(component)
        elif name == "END":
            assert stack.pop()["type"] == value
        else:
            stack[-1][name] = (_unescape(value), params)
    assert len(stack) == 1
    return root


def _event(data: bytes) -> tuple[dict, dict]:
    [calendar] = parse_ics(data)["components"]
    [event] = calendar["components"]
    assert (calendar["type"], event["type"]) == ("VCALENDAR", "VEVENT")
    return calendar, event


def test_the_stay_as_an_all_day_event_with_an_alarm() -> None:
    data = visit_ics(_visit(), _registration(), lang="en", now=NOW, place="Tokorozawa")
    calendar, event = _event(data)
    assert calendar["VERSION"][0] == "2.0"
    assert calendar["PRODID"][0]
    assert calendar["X-WR-TIMEZONE"][0] == "Asia/Tokyo"
    assert event["UID"][0] == "registration-12@iuc-bot"
    assert event["DTSTAMP"][0] == "20261129T093000Z"
    assert event["DTSTART"] == ("20270521", ["VALUE=DATE"])
    assert event["DTEND"] == ("20270523", ["VALUE=DATE"])  # exclusive: the day after departure
    assert event["SUMMARY"][0] == "Study visit to Tokorozawa"
    assert event["LOCATION"][0] == "Tokorozawa City Hall, Tokorozawa"
    [alarm] = event["components"]
    assert alarm["type"] == "VALARM"
    assert alarm["ACTION"][0] == "DISPLAY"
    assert alarm["TRIGGER"][0] == "-P1D"
    assert alarm["DESCRIPTION"][0] == "Study visit to Tokorozawa"


def test_without_a_registration_the_whole_visit() -> None:
    data = visit_ics(_visit(date_revision=2), None, lang="sk", now=NOW, alarm_days=3)
    _, event = _event(data)
    assert event["UID"][0] == "visit-3@iuc-bot"
    assert event["DTSTART"][0] == "20270520"
    assert event["DTEND"][0] == "20270524"
    assert event["SUMMARY"][0] == "Študijná návšteva v Tokorozawe"
    assert event["SEQUENCE"][0] == "2"
    assert event["LOCATION"][0] == "Tokorozawa City Hall, Tokorozawa"
    assert event["components"][0]["TRIGGER"][0] == "-P3D"


def test_lines_are_crlf_and_at_most_75_octets_and_whole_characters() -> None:
    long_ja = "所沢市とブラチスラバ市の国際都市間協力プログラム視察訪問団" * 4
    long_sk = "Študijná návšteva delegácie hlavného mesta Slovenskej republiky Bratislavy " * 3
    visit = _visit(titles={"ja": long_ja, "sk": long_sk, "en": "x"})
    for lang, title in (("ja", long_ja), ("sk", long_sk)):
        data = visit_ics(visit, _registration(), lang=lang, now=NOW, description=title)
        physical = data.split(b"\r\n")[:-1]
        assert max(len(line) for line in physical) <= 75
        assert sum(line.startswith(b" ") for line in physical) >= 3  # really folded
        for line in physical:
            line.decode("utf-8")  # no line ends inside a multi-byte character
        _, event = _event(data)
        assert event["SUMMARY"][0] == title
        assert event["DESCRIPTION"][0] == title


def test_text_is_escaped_and_reads_back() -> None:
    title = 'Visit; "Bratislava, Tokorozawa" \\ day\nsecond line'
    data = visit_ics(_visit(titles={"en": title}), None, lang="en", now=NOW)
    assert b'SUMMARY:Visit\\; "Bratislava\\, Tokorozawa" \\\\ day\\nsecond line' in data
    _, event = _event(data)
    assert event["SUMMARY"][0] == title


@pytest.mark.parametrize(
    ("line", "pieces"),
    [("a" * 75, 1), ("a" * 76, 2), ("a" * 149, 2), ("a" * 150, 3), ("é" * 38, 2)],
    ids=["75", "76", "149", "150", "two-byte-76"],
)
def test_fold_boundaries(line: str, pieces: int) -> None:
    folded = fold(line).encode()
    parts = folded.split(b"\r\n")
    assert len(parts) == pieces
    assert all(len(p) <= 75 for p in parts)
    assert folded.replace(b"\r\n ", b"").decode() == line


def test_escape_text() -> None:
    assert escape_text("a,b;c\\d\r\ne") == "a\\,b\\;c\\\\d\\ne"


def test_negative_alarm_refused() -> None:
    with pytest.raises(ValueError, match="alarm_days"):
        visit_ics(_visit(), None, lang="en", now=NOW, alarm_days=-1)
