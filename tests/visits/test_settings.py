"""The visit and privacy settings: REMINDER_DAYS, OFFER_HOURS, PURGE_AFTER_DAYS, RETENTION_DAYS,
STAY_WINDOW_DAYS."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({}, need_token=False)
    assert (settings.reminder_days, settings.offer_hours, settings.purge_after_days) == (
        (7, 1),
        48,
        90,
    )
    assert settings.retention_days == Settings().retention_days == 365
    assert Settings().reminder_days == (7, 1)  # code that builds Settings by hand still works


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7,1", (7, 1)), (" 1 , 14 ,3 ", (14, 3, 1)), ("2", (2,)), ("1,1", (1,)), ("", (7, 1))],
    ids=["default-spelled", "spaces-unsorted", "one", "duplicates", "blank-is-default"],
)
def test_reminder_days(raw: str, expected: tuple[int, ...]) -> None:
    assert Settings.from_env({"REMINDER_DAYS": raw}, need_token=False).reminder_days == expected


def test_offer_and_purge_values() -> None:
    env = {"OFFER_HOURS": "24", "PURGE_AFTER_DAYS": "0", "RETENTION_DAYS": " 30 "}
    settings = Settings.from_env(env, need_token=False)
    assert (settings.offer_hours, settings.purge_after_days, settings.retention_days) == (
        24,
        0,
        30,
    )


def test_stay_window_days() -> None:
    assert Settings.from_env({}, need_token=False).stay_window_days == 1
    for raw, expected in (("0", 0), (" 3 ", 3), ("30", 30)):
        env = {"STAY_WINDOW_DAYS": raw}
        assert Settings.from_env(env, need_token=False).stay_window_days == expected


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("STAY_WINDOW_DAYS", "-1"),
        ("STAY_WINDOW_DAYS", "31"),
        ("STAY_WINDOW_DAYS", "one"),
        ("REMINDER_DAYS", "7;1"),
        ("REMINDER_DAYS", "0"),
        ("REMINDER_DAYS", "-1"),
        ("REMINDER_DAYS", "366"),
        ("REMINDER_DAYS", "one"),
        ("REMINDER_DAYS", ","),
        ("OFFER_HOURS", "0"),
        ("OFFER_HOURS", "2d"),
        ("OFFER_HOURS", "1.5"),
        ("OFFER_HOURS", "721"),
        ("OFFER_HOURS", "²"),
        ("PURGE_AFTER_DAYS", "-5"),
        ("PURGE_AFTER_DAYS", "forever"),
        ("PURGE_AFTER_DAYS", "3651"),
        # 0 would erase every question at the next purge: the curators could review none.
        ("RETENTION_DAYS", "0"),
        ("RETENTION_DAYS", "1y"),
        ("RETENTION_DAYS", "3651"),
        ("RETENTION_DAYS", "-365"),
    ],
    ids=lambda v: v,
)
def test_a_bad_value_is_one_error_naming_it(name: str, raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: raw}, need_token=False)
    message = str(raised.value)
    assert message.startswith(f"{name} is malformed")
    assert "\n" not in message
