"""Validators for what people type, and the visit rules, table by table."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.visits.rules import (
    DatesOutsideVisit,
    DepartureBeforeArrival,
    InvalidEmail,
    InvalidText,
    InvalidVisit,
    Role,
    RoleNotAllowed,
    VisitError,
    check_role,
    check_stay,
    clean_email,
    clean_optional_text,
    clean_text,
    clean_visit,
)
from tests.visits.factory import END, START, visit_fields

TEXT_OK = [
    ("plain", "Ľubomír Šťastný", "Ľubomír Šťastný"),
    ("japanese", "山田太郎", "山田太郎"),
    ("padded", "  Jana   Nováková \n", "Jana Nováková"),
    ("tabs-and-newlines", "City\tof\nBratislava", "City of Bratislava"),
    ("emoji", "Jana 🌸", "Jana 🌸"),
    ("emoji-zwj-sequence", "👩‍💻 team", "👩‍💻 team"),
    ("html-kept-as-text", "<b>Boss</b> & co", "<b>Boss</b> & co"),
    ("exactly-200", "a" * 200, "a" * 200),
    ("decomposed-to-composed", "S\u030ct\u030castny\u0301", "Šťastný"),
    ("full-width-kept", "ＡＢＣ商事", "ＡＢＣ商事"),
]


@pytest.mark.parametrize(
    ("given", "expected"), [t[1:] for t in TEXT_OK], ids=[t[0] for t in TEXT_OK]
)
def test_clean_text_accepts(given: str, expected: str) -> None:
    assert clean_text(given) == expected


TEXT_BAD = [
    ("empty", "", "empty", None),
    ("only-spaces", "   \n\t ", "empty", None),
    ("only-zero-width", "\u200b \ufeff\u200d", "empty", None),
    ("500-characters", "Ľ" * 500, "too_long", 200),
    ("201-characters", "a" * 201, "too_long", 200),
    ("nul", "Jana\x00", "control_characters", None),
    ("escape", "Jana\x1b[31m", "control_characters", None),
    ("bell", "\x07Jana", "control_characters", None),
    ("right-to-left-override", "Jana\u202etxt.exe", "control_characters", None),
]


@pytest.mark.parametrize(
    ("given", "reason", "limit"), [t[1:] for t in TEXT_BAD], ids=[t[0] for t in TEXT_BAD]
)
def test_clean_text_refuses(given: str, reason: str, limit: int | None) -> None:
    with pytest.raises(InvalidText) as caught:
        clean_text(given)
    assert (caught.value.reason, caught.value.limit) == (reason, limit)
    assert isinstance(caught.value, VisitError)


def test_clean_text_longer_limit_for_needs() -> None:
    assert clean_text("x" * 500, max_len=500) == "x" * 500
    with pytest.raises(InvalidText, match="too_long"):
        clean_text("x" * 501, max_len=500)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("", None),
        ("-", None),
        ("No", None),
        ("nie", None),
        ("Nie.", None),
        ("žiadne", None),
        ("いいえ", None),
        ("なし", None),
        ("no pork", "no pork"),
        ("vegetariánska strava", "vegetariánska strava"),
        ("  wheelchair   access ", "wheelchair access"),
    ],
    ids=lambda v: repr(v),
)
def test_clean_optional_text(given: str | None, expected: str | None) -> None:
    assert clean_optional_text(given) == expected


EMAIL_OK = [
    ("plain", "jana@example.com", "jana@example.com"),
    ("domain-lowercased", "Jana.Novak@Bratislava.SK", "Jana.Novak@bratislava.sk"),
    ("plus-tag", "a+iuc@example.org", "a+iuc@example.org"),
    ("padded", "  a@example.org ", "a@example.org"),
    ("full-width-japanese-keyboard", "ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ", "yamada@example.jp"),
    ("idn-domain", "info@mesto-košice.sk", "info@mesto-košice.sk"),
    ("no-dash", "-", None),
    ("no-en", "no", None),
    ("no-sk", "nie", None),
    ("no-ja", "いいえ", None),
    ("empty", "", None),
    ("none", None, None),
]


@pytest.mark.parametrize(
    ("given", "expected"), [t[1:] for t in EMAIL_OK], ids=[t[0] for t in EMAIL_OK]
)
def test_clean_email_accepts(given: str | None, expected: str | None) -> None:
    assert clean_email(given) == expected


EMAIL_BAD = [
    ("no-at", "jana.example.com", "malformed"),
    ("no-domain-dot", "jana@localhost", "malformed"),
    ("two-ats", "a@b@example.com", "malformed"),
    ("space", "jana novak@example.com", "malformed"),
    ("double-dot", "jana..novak@example.com", "malformed"),
    ("trailing-dot-local", "jana.@example.com", "malformed"),
    ("ip-tld", "a@1.2.3.4", "malformed"),
    ("html", "<script>@example.com", "malformed"),
    ("too-long", "a" * 60 + "@" + "b" * 190 + ".com", "too_long"),
    ("label-dash", "a@-example.com", "malformed"),
]


@pytest.mark.parametrize(
    ("given", "reason"), [t[1:] for t in EMAIL_BAD], ids=[t[0] for t in EMAIL_BAD]
)
def test_clean_email_refuses(given: str, reason: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        clean_email(given)
    assert caught.value.reason == reason


VISIT = SimpleNamespace(start_date=START, end_date=END)


@pytest.mark.parametrize(
    ("arrival", "departure"),
    [
        (START, END),
        (START, START),
        (END, END),
        (date(2027, 5, 21), date(2027, 5, 22)),
        (date(2027, 5, 19), date(2027, 5, 24)),  # the default window: a day either side
    ],
    ids=["whole-visit", "first-day-only", "last-day-only", "middle", "day-before-and-after"],
)
def test_stay_within_the_visit(arrival: date, departure: date) -> None:
    check_stay(VISIT, arrival, departure)


def test_the_stay_window_is_configurable() -> None:
    check_stay(VISIT, date(2027, 5, 17), date(2027, 5, 26), window=3)
    with pytest.raises(DatesOutsideVisit):
        check_stay(VISIT, date(2027, 5, 19), END, window=0)


@pytest.mark.parametrize(
    ("arrival", "departure", "error", "reason"),
    [
        (END, START, DepartureBeforeArrival, "departure_before_arrival"),
        (date(2027, 5, 18), END, DatesOutsideVisit, "arrival_outside"),
        (START, date(2027, 5, 25), DatesOutsideVisit, "departure_outside"),
        (date(2026, 5, 20), date(2026, 5, 21), DatesOutsideVisit, "arrival_outside"),
        # An arrival after the visit is outside it, whatever the departure kept from before.
        (date(2027, 5, 26), END, DatesOutsideVisit, "arrival_outside"),
    ],
    ids=[
        "departure-before-arrival",
        "arrives-early",
        "leaves-late",
        "wrong-year",
        "arrives-after-the-visit",
    ],
)
def test_stay_refused(arrival: date, departure: date, error: type, reason: str) -> None:
    with pytest.raises(error) as caught:
        check_stay(VISIT, arrival, departure)
    assert caught.value.reason == reason
    if error is DatesOutsideVisit:
        first, last = date(2027, 5, 19), date(2027, 5, 24)
        assert caught.value.details == {"start": START, "end": END, "first": first, "last": last}


def test_roles() -> None:
    assert check_role("press", ["delegate", "press"]) is Role.PRESS
    with pytest.raises(RoleNotAllowed) as caught:
        check_role("expert", ["delegate", "press"])
    assert caught.value.reason == "role_not_allowed"
    assert caught.value.details["allowed"] == ["delegate", "press"]
    with pytest.raises(RoleNotAllowed, match="unknown_role"):
        check_role("spy", ["delegate"])


def _visit(**overrides: object) -> dict:
    fields = visit_fields(**overrides)
    fields.pop("created_by")
    return fields


def test_clean_visit_keeps_valid_fields_in_role_order() -> None:
    cleaned = clean_visit(_visit(roles=["press", "delegate", "press"], venue="  Hall  A "))
    assert cleaned["roles"] == ["delegate", "press"]
    assert cleaned["venue"] == "Hall A"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"titles": {}}, "titles"),
        ({"titles": {"en": "  "}}, "titles"),
        ({"titles": {"english": "Visit"}}, "titles"),
        ({"host_city": "Tokorozawa City!"}, "host_city"),
        ({"venue": ""}, "venue"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"end_date": date(2027, 5, 19)}, "end_before_start"),
        ({"end_date": date(2027, 7, 19)}, "too_long"),  # 61 days; 60 are allowed
        ({"capacity": 0}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"capacity": "10"}, "capacity"),
        ({"registration_deadline": date(2027, 5, 24)}, "deadline_after_start"),
        ({"registration_deadline": date(2027, 5, 21)}, "deadline_after_start"),  # mid-visit
        ({"roles": []}, "roles"),
        ({"roles": ["delegate", "spy"]}, "roles"),
    ],
    ids=[
        "no-titles",
        "blank-title",
        "bad-language",
        "bad-city-id",
        "no-venue",
        "unknown-zone",
        "ends-before-start",
        "over-60-days",
        "no-places",
        "bool-capacity",
        "text-capacity",
        "deadline-after-end",
        "deadline-mid-visit",
        "no-roles",
        "unknown-role",
    ],
)
def test_clean_visit_refuses(overrides: dict, reason: str) -> None:
    with pytest.raises(InvalidVisit) as caught:
        clean_visit(_visit(**overrides))
    assert caught.value.reason == reason
