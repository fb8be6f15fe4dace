"""The steps of creating or changing a visit: what each asks, and how a typed answer is read.

The answers so far live in a draft of kind "edit_visit" (JSON: dates as ISO strings), so a
restart or a second bot process continues where the coordinator was.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.coordinators.visits.views import role_label
from bot.handlers.replies import callback
from bot.i18n import Translator
from bot.kb.model import KnowledgeBase
from bot.visits.dates import deadline_text, parse_date
from bot.visits.rules import (
    MAX_CAPACITY,
    MAX_VISIT_DAYS,
    MAX_YEARS_AHEAD,
    NAME_MAX,
    InvalidText,
    Role,
    clean_text,
    latest_start,
)

KIND = "edit_visit"
NEW_STEPS = (
    "title_en",
    "title_sk",
    "title_ja",
    "city",
    "venue",
    "start",
    "end",
    "capacity",
    "deadline",
    "roles",
    "confirm",
)
# Host cities offered as buttons: knowledge-base places (their time zone comes from there).
HOST_CITIES = ("bratislava", "tokorozawa")
ALL_ROLES = [r.value for r in Role]


def new_data() -> dict[str, Any]:
    """The empty answers of a new visit: every role allowed until the coordinator says not."""
    return {"mode": "new", "titles": {}, "roles": list(ALL_ROLES)}


def next_step(step: str) -> str:
    """The step after this one in the creation of a visit."""
    return NEW_STEPS[NEW_STEPS.index(step) + 1]


def _day(data: dict[str, Any], name: str) -> date | None:
    value = data.get(name)
    return date.fromisoformat(value) if value else None


def _cancel_row(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t.pgettext("visit button", "Cancel"), callback_data="ce:cancel")]


def summary_html(t: Translator, data: dict[str, Any], kb: KnowledgeBase) -> str:
    """The new visit's answers, to check before creating it."""
    city = kb.records[data["host_city"]].name.get(t.lang, data["host_city"])
    start, end = _day(data, "start_date"), _day(data, "end_date")
    deadline = _day(data, "registration_deadline")
    assert start is not None
    assert end is not None
    lines = ["<b>" + t.gettext("Please check the new visit:") + "</b>"]
    lines += [f"{lang}: {escape(title, quote=False)}" for lang, title in data["titles"].items()]
    lines += [
        t.gettext("Where: {venue}, {city}").format(
            venue=escape(data["venue"], quote=False), city=escape(city, quote=False)
        ),
        t.gettext("Dates: {period}").format(period=t.period(start, end)),
        t.ngettext("{count} place", "{count} places", data["capacity"]).format(
            count=data["capacity"]
        ),
        t.gettext("Registration until: {date}").format(
            date=deadline_text(t, deadline, data["timezone"])
        )
        if deadline
        else t.gettext("Registration until the visit starts"),
        t.gettext("Who may register: {roles}").format(
            roles=t.join([role_label(t, r) for r in data["roles"]])
        ),
    ]
    return "\n".join(lines)


def prompt(
    t: Translator, step: str, data: dict[str, Any], kb: KnowledgeBase
) -> tuple[str, InlineKeyboardMarkup]:
    """The question of a step, as HTML, and its buttons (always with Cancel)."""
    rows: list[list[InlineKeyboardButton]] = []
    title = escape(str(data.get("title", "")), quote=False)
    if step in NEW_STEPS and step != "confirm":
        head = t.gettext("New visit, step {number} of {total}.").format(
            number=NEW_STEPS.index(step) + 1, total=len(NEW_STEPS) - 1
        )
    else:
        head = ""
    if step in ("title_en", "new_title_en"):
        text = t.gettext("What is the visit's title in English?")
    elif step in ("title_sk", "new_title_sk"):
        text = t.gettext("What is the title in Slovak?")
    elif step in ("title_ja", "new_title_ja"):
        text = t.gettext("What is the title in Japanese?")
    elif step == "city":
        text = t.gettext("Which city hosts the visit?")
        rows.append(
            [
                InlineKeyboardButton(
                    kb.records[city].name.get(t.lang, city),
                    callback_data=callback("ce", "city", city),
                )
                for city in HOST_CITIES
            ]
        )
    elif step in ("venue", "new_venue"):
        text = t.gettext("Where exactly will it take place (the venue)?")
    elif step == "start":
        text = t.gettext("What is the first day of the visit? For example: 20.5.2027")
    elif step == "end":
        text = t.gettext("What is the last day of the visit?")
    elif step == "capacity":
        text = t.gettext("How many places are there?")
    elif step == "deadline":
        text = t.gettext(
            "What is the last day to register? Or press Skip: registration then closes "
            "when the visit starts."
        )
        rows.append(
            [InlineKeyboardButton(t.pgettext("visit button", "Skip"), callback_data="ce:skip")]
        )
    elif step == "roles":
        text = t.gettext("Who may register? Press a role to switch it on or off, then Done.")
        rows += [
            [
                InlineKeyboardButton(
                    ("✅ " if role in data["roles"] else "▫️ ") + role_label(t, role),
                    callback_data=callback("ce", "role", role),
                )
            ]
            for role in ALL_ROLES
        ]
        rows.append(
            [InlineKeyboardButton(t.pgettext("visit button", "Done"), callback_data="ce:done")]
        )
    elif step == "confirm":
        text = summary_html(t, data, kb)
        rows.append(
            [InlineKeyboardButton(t.pgettext("visit button", "Create"), callback_data="ce:create")]
        )
    elif step == "new_start":
        text = t.gettext("What is the new first day of “{title}”?").format(title=title)
    elif step == "new_end":
        text = t.gettext("What is the new last day of “{title}”?").format(title=title)
    elif step == "new_capacity":
        text = t.ngettext(
            "How many places should “{title}” have? {count} is taken already.",
            "How many places should “{title}” have? {count} are taken already.",
            int(data.get("held", 0)),
        ).format(title=title, count=int(data.get("held", 0)))
    else:
        raise ValueError(f"unknown step {step!r}")
    if step.startswith(("new_title_", "new_venue")):
        # What is stored now, to copy and correct.
        field = "venue" if step == "new_venue" else step.removeprefix("new_")
        now = (
            data["venue"] if field == "venue" else data["titles"].get(field.removeprefix("title_"))
        )
        if now:
            text += "\n" + t.gettext("Now: {value}").format(value=escape(now, quote=False))
    rows.append(_cancel_row(t))
    return (f"{head}\n{text}" if head else text), InlineKeyboardMarkup(rows)


def _read_date(
    t: Translator, text: str, default_year: int, not_before: date
) -> tuple[date | None, str | None]:
    """A typed date no earlier than not_before; a year left out means the next one that fits."""
    day = parse_date(text, lang=t.lang, default_year=default_year)
    if day is None:
        return None, t.gettext(
            "I could not read that date. Please write it like 20.5.2027 or 2027-05-20."
        )
    if day < not_before:
        # "20.5." typed in December means next May; an explicit year parses the same again.
        later = parse_date(text, lang=t.lang, default_year=default_year + 1)
        if later is not None and later >= not_before:
            return later, None
        return None, t.gettext("The date must not be before {date}.").format(
            date=t.date(not_before)
        )
    return day, None


def read_capacity(t: Translator, text: str, at_least: int = 1) -> tuple[int | None, str | None]:
    """A whole number of places from at_least to MAX_CAPACITY (full-width digits too)."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if raw.isascii() and raw.isdigit() and at_least <= int(raw) <= MAX_CAPACITY:
        return int(raw), None
    return None, t.gettext("Please send a whole number from {low} to {high}.").format(
        low=at_least, high=MAX_CAPACITY
    )


def take_text(
    t: Translator, step: str, text: str, data: dict[str, Any], today: date
) -> str | None:
    """Store a typed answer in data; returns the error to show instead (then ask again)."""
    if step in ("title_en", "title_sk", "title_ja", "venue") or step.startswith(
        ("new_title_", "new_venue")
    ):
        try:
            value = clean_text(text, max_len=NAME_MAX)
        except InvalidText:
            return t.gettext("Please send a text of 1 to {limit} characters.").format(
                limit=NAME_MAX
            )
        if step in ("venue", "new_venue"):
            data["venue"] = value
        else:
            data["titles"][step.removeprefix("new_").removeprefix("title_")] = value
        return None
    if step in ("start", "new_start"):
        day, error = _read_date(t, text, today.year, today)
        if day is None:
            return error
        if day > latest_start(today):
            return t.ngettext(
                "A visit can start at most {count} year from today. Please check the year.",
                "A visit can start at most {count} years from today. Please check the year.",
                MAX_YEARS_AHEAD,
            ).format(count=MAX_YEARS_AHEAD)
        data["start_date"] = day.isoformat()
        return None
    if step in ("end", "new_end", "deadline"):
        start = _day(data, "start_date")
        assert start is not None
        floor = start if step != "deadline" else today
        day, error = _read_date(t, text, start.year, floor)
        if day is None:
            return error
        if step == "deadline":
            # At the latest the visit's first day (rules.check_visit says so too).
            if day > start:
                return t.gettext("The last day to register must not be after {date}.").format(
                    date=t.date(start)
                )
            data["registration_deadline"] = day.isoformat()
            return None
        if (day - start).days + 1 > MAX_VISIT_DAYS:
            return t.ngettext(
                "A visit can last at most {count} day. Please check the last day.",
                "A visit can last at most {count} days. Please check the last day.",
                MAX_VISIT_DAYS,
            ).format(count=MAX_VISIT_DAYS)
        data["end_date"] = day.isoformat()
        return None
    if step in ("capacity", "new_capacity"):
        capacity, error = read_capacity(t, text, max(1, int(data.get("held", 0))))
        if capacity is not None:
            data["capacity"] = capacity
        return error
    return t.gettext("Please use the buttons.")
