"""The registration conversation's steps: their order, questions, buttons and answer checks.

A draft's `step` is the question waiting for an answer; its `data` holds the answers so far
(JSON: dates as ISO strings). Button data is "r:<step>:<value>", so a button of an earlier
question can be told from one of the current question, whichever process sent it.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db.models import Visit
from bot.handlers.replies import callback
from bot.handlers.visit_views import (
    controller,
    field_label,
    refusal,
    role_name,
    value_text,
    visit_heading,
    visit_line,
)
from bot.i18n import Translator
from bot.visits import rules
from bot.visits.dates import parse_date

KIND = "register"
STEPS = ("visit", *rules.ANSWER_FIELDS, "consent", "confirm")
# What "Change something" offers; "arrival" asks both dates, the departure right after.
EDITABLE = tuple(f for f in rules.ANSWER_FIELDS if f != "departure")
SUMMARY_FIELDS = rules.ANSWER_FIELDS
_CHOICE_ONLY = ("visit", "role", "consent", "confirm", "field")


class Retry(Exception):
    """An answer that cannot be taken; the message (translated) says why."""


def button(label: str, step: str, value: str) -> InlineKeyboardButton:
    """A button of the registration conversation."""
    return InlineKeyboardButton(label, callback_data=callback("r", step, value))


def back_button(t: Translator, step: str) -> InlineKeyboardButton:
    """The "⬅ Back" button of a step."""
    return button("⬅ " + t.pgettext("button", "Back"), step, "back")


def next_step(step: str, data: dict[str, Any]) -> str:
    """The question after `step`: the summary again when one answer was being changed."""
    if data.get("editing") and step != "arrival":
        return "confirm"
    return STEPS[STEPS.index(step) + 1]


def previous_step(step: str, data: dict[str, Any]) -> str | None:
    """The question before `step` (None for the first)."""
    if step == "field":
        return "confirm"
    if data.get("editing") and step in EDITABLE:
        return "field"
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


def _dates_tried(visit: Visit) -> list[int]:
    # A visit over New Year: "2.1." means the later year's January.
    return list(dict.fromkeys((visit.start_date.year, visit.end_date.year)))


def read_date(t: Translator, text: str, visit: Visit) -> date:
    days = [parse_date(text, lang=t.lang, default_year=year) for year in _dates_tried(visit)]
    read = [d for d in days if d is not None]
    if not read:
        raise Retry(
            t.gettext("I could not read this date. Please write it like {example}.").format(
                example=t.date(visit.start_date)
            )
        )
    inside = [d for d in read if visit.start_date <= d <= visit.end_date]
    return (inside or read)[0]


def take(
    step: str,
    kind: str,
    value: str,
    data: dict[str, Any],
    visit: Visit,
    t: Translator,
    window: int = rules.STAY_WINDOW_DAYS,
) -> tuple[dict[str, Any], str]:
    """Check an answer to `step`; return the new answers and the next step, or raise Retry.

    `kind` is "text" (typed) or "button" (the value of a pressed button). The visit and
    confirm steps need the database and are taken by the handlers.
    """
    data = dict(data)
    if kind == "text" and step in _CHOICE_ONLY:
        raise Retry(t.gettext("Please answer with the buttons below."))
    try:
        if step in ("full_name", "organisation", "city") and kind == "text":
            data[step] = rules.clean_text(value, max_len=rules.NAME_MAX)
        elif step == "role" and kind == "button":
            data[step] = rules.check_role(value, visit.roles).value
        elif step == "arrival" and kind == "text":
            arrival = read_date(t, value, visit)
            rules.check_stay(visit, arrival, arrival, window)
            data[step] = arrival.isoformat()
        elif step == "departure" and kind == "text":
            departure = read_date(t, value, visit)
            arrival = date.fromisoformat(data["arrival"])
            rules.check_stay(visit, arrival, departure, window)
            data[step] = departure.isoformat()
        elif step in ("dietary", "accessibility"):
            data[step] = None if kind == "button" else rules.clean_optional_text(value)
        elif step == "email":
            data[step] = None if kind == "button" else rules.clean_email(value)
        elif step == "field" and value in EDITABLE:
            return data | {"editing": True}, value
        else:
            raise Retry(t.gettext("Please answer with the buttons below."))
    except rules.VisitError as exc:
        raise Retry(refusal(t, exc)) from None
    return data, next_step(step, data)


def agree(data: dict[str, Any], now: datetime) -> tuple[dict[str, Any], str]:
    """The person agreed to the processing of their data: the summary comes next."""
    return data | {"consent_at": now.isoformat(), "editing": False}, "confirm"


def summary(t: Translator, data: dict[str, Any], visit: Visit) -> str:
    """Every answer, for a last look before confirming, as HTML."""
    lines = [escape(t.gettext("Please check your answers:")), "", visit_heading(t, visit)]
    for field in SUMMARY_FIELDS:
        label = escape(field_label(t, field))
        value = escape(value_text(t, field, data.get(field)), quote=False)
        lines.append(f"<b>{label}:</b> {value}")
    return "\n".join(lines)


def _question(t: Translator, step: str, visit: Visit, data: dict[str, Any]) -> str:
    if step == "full_name":
        return t.gettext("What is your full name?")
    if step == "organisation":
        return t.gettext("Which organisation do you represent?")
    if step == "city":
        return t.gettext("Which city do you come from?")
    if step == "role":
        return t.gettext("What is your role on the visit?")
    if step == "arrival":
        return t.gettext(
            "On which day do you arrive? The visit lasts {period}. "
            "You can write the date like {example}."
        ).format(
            period=t.period(visit.start_date, visit.end_date), example=t.date(visit.start_date)
        )
    if step == "departure":
        return t.gettext(
            "On which day do you leave? You arrive on {arrival}; the visit ends on {end}."
        ).format(arrival=t.date(date.fromisoformat(data["arrival"])), end=t.date(visit.end_date))
    if step == "dietary":
        return t.gettext(
            "Do you have any dietary needs (for example vegetarian food or allergies)? "
            "Type them, or press “None”."
        )
    if step == "accessibility":
        return t.gettext(
            "Do you have any accessibility needs (for example step-free access)? "
            "Type them, or press “None”."
        )
    if step == "email":
        return t.gettext(
            "Your e-mail address, for messages from the coordinators (optional). "
            "Type it, or press “Skip”."
        )
    if step == "field":
        return t.gettext("What would you like to change?")
    return ""


def consent_text(t: Translator, days: int) -> str:
    """What is stored, why, and for how long (plain text)."""
    return "\n\n".join(
        [
            t.gettext("Before I save your registration, I need your consent."),
            t.gettext(
                "What I store: your name, organisation, city, role, dates of arrival and "
                "departure, dietary and accessibility needs and e-mail address, with your "
                "Telegram account."
            ),
            t.gettext(
                "Why: so that the coordinators of the IUC programme can prepare the visit "
                "(places, meals, access, contact) and I can send you reminders."
            ),
            controller(t),
            t.ngettext(
                "For how long: until {days} day after the end of the visit; then your "
                "personal data is erased automatically.",
                "For how long: until {days} days after the end of the visit; then your "
                "personal data is erased automatically.",
                days,
            ).format(days=days),
            t.gettext(
                "You can see everything I store about you with /mydata and erase it at any "
                "time with /forget_me."
            ),
            t.gettext("Do you agree to the processing of these personal data?"),
        ]
    )


def prompt(
    t: Translator,
    step: str,
    data: dict[str, Any],
    visit: Visit,
    purge_days: int,
    place: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The question of a step (HTML) and its buttons; not for the visit step.

    The first question, the first time, says which visit it is for (title, dates, city):
    from a link, the person has seen nothing else of it yet.
    """
    if step == "confirm":
        text = summary(t, data, visit)
    elif step == "consent":
        text = escape(consent_text(t, purge_days), quote=False)
    else:
        text = escape(_question(t, step, visit, data), quote=False)
        if step == "full_name" and step not in data:  # the first question, not a Back
            text = visit_line(t, visit, place) + "\n\n" + text
        if step in data and step in SUMMARY_FIELDS:
            text += "\n\n" + escape(
                t.gettext("Your answer so far: {answer}").format(
                    answer=value_text(t, step, data[step])
                ),
                quote=False,
            )
    return text, _keyboard(t, step, tuple(visit.roles))


@lru_cache(maxsize=1024)
def _keyboard(t: Translator, step: str, roles: tuple[str, ...]) -> InlineKeyboardMarkup:
    # A step's buttons depend on nothing else: built once per language, step and set of
    # roles, and shared (a markup cannot be changed once made).
    rows: list[list[InlineKeyboardButton]] = []
    if step == "confirm":
        rows.append([button("✅ " + t.pgettext("button", "Confirm"), step, "yes")])
        rows.append([button("✏️ " + t.pgettext("button", "Change something"), step, "edit")])
        rows.append([button("✖ " + t.pgettext("button", "Cancel"), step, "cancel")])
    elif step == "consent":
        rows.append(
            [
                button(t.pgettext("button", "I agree"), step, "yes"),
                button(t.pgettext("button", "Cancel"), step, "cancel"),
            ]
        )
    elif step == "role":
        buttons = [button(role_name(t, r), step, r) for r in roles]
        rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
    elif step in ("dietary", "accessibility"):
        rows.append([button(t.pgettext("button", "None"), step, "none")])
    elif step == "email":
        rows.append([button(t.pgettext("button", "Skip"), step, "skip")])
    elif step == "field":
        labels = [button(_edit_label(t, f), step, f) for f in EDITABLE]
        rows.extend(labels[i : i + 2] for i in range(0, len(labels), 2))
    rows.append([back_button(t, step)])
    return InlineKeyboardMarkup(rows)


def _edit_label(t: Translator, field: str) -> str:
    if field == "arrival":
        return t.pgettext("field", "Dates")
    return field_label(t, field)
