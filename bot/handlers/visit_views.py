"""What the visit handlers show: localized names, answers, domain refusals and calendar files."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from html import escape
from typing import Any

from telegram import Bot

from bot import timefmt
from bot.db.models import Registration, Visit
from bot.handlers.context import Services
from bot.i18n import Translator
from bot.visits import rules
from bot.visits.ics import visit_ics


# The tables of names below are built once per language (the catalogs do not change while
# the bot runs): a registration's summary alone names every field, and building a table
# translates all of its entries.
@lru_cache(maxsize=32)
def _role_names(t: Translator) -> dict[str, str]:
    return {
        "delegate": t.pgettext("role", "Delegate"),
        "expert": t.pgettext("role", "Expert"),
        "interpreter": t.pgettext("role", "Interpreter"),
        "press": t.pgettext("role", "Press"),
        "other": t.pgettext("role", "Other"),
    }


def role_name(t: Translator, role: str) -> str:
    """A role as the user reads it."""
    return _role_names(t).get(role, role)


@lru_cache(maxsize=32)
def _status_names(t: Translator) -> dict[str, str]:
    return {
        "confirmed": t.pgettext("registration status", "Confirmed"),
        "waitlisted": t.pgettext("registration status", "On the waiting list"),
        "offered": t.pgettext("registration status", "A place is offered to you"),
        "withdrawn": t.pgettext("registration status", "Withdrawn"),
        "declined": t.pgettext("registration status", "Offer declined"),
        "expired": t.pgettext("registration status", "Offer expired"),
    }


def status_name(t: Translator, status: str) -> str:
    """A registration status as the user reads it."""
    return _status_names(t).get(status, status)


@lru_cache(maxsize=32)
def _field_labels(t: Translator) -> dict[str, str]:
    return {
        "visit": t.pgettext("field", "Visit"),
        "full_name": t.pgettext("field", "Full name"),
        "organisation": t.pgettext("field", "Organisation"),
        "city": t.pgettext("field", "City"),
        "role": t.pgettext("field", "Role"),
        "arrival": t.pgettext("field", "Arrival"),
        "departure": t.pgettext("field", "Departure"),
        "dietary": t.pgettext("field", "Dietary needs"),
        "accessibility": t.pgettext("field", "Accessibility needs"),
        "email": t.pgettext("field", "E-mail"),
        "status": t.pgettext("field", "Status"),
        "consent_at": t.pgettext("field", "Consent given"),
    }


def field_label(t: Translator, field: str) -> str:
    """The name of one answer of a registration."""
    return _field_labels(t).get(field, field)


def value_text(t: Translator, field: str, value: Any) -> str:
    """An answer as the user reads it (plain text: escape it before sending)."""
    if value is None or value == "":
        if field == "email":
            return t.pgettext("answer", "not given")
        return t.pgettext("answer", "none")
    if field == "role":
        return role_name(t, str(value))
    if field == "status":
        return status_name(t, str(value))
    if field in ("arrival", "departure"):
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return t.date(day)
    return str(value)


def visit_heading(t: Translator, visit: Visit) -> str:
    """The visit's title in bold and its dates, as HTML."""
    title = escape(visit.title(t.lang), quote=False)
    period = escape(t.period(visit.start_date, visit.end_date), quote=False)
    # Translators: a visit's title and its dates; ja uses full-width brackets.
    return t.pgettext("visit and dates", "{title} ({dates})").format(
        title=f"<b>{title}</b>", dates=period
    )


def visit_line(t: Translator, visit: Visit, place: str | None) -> str:
    """ "Visit: <b>title</b> (dates), city" as HTML: which visit a registration is for."""
    heading = visit_heading(t, visit)
    if place:
        heading = t.pgettext("visit dates and place", "{dates}, {place}").format(
            dates=heading, place=escape(place, quote=False)
        )
    # Translators: which visit the person is registering for, shown before the first
    # question and under the list of visits once one is chosen.
    return escape(t.gettext("Visit: {visit}")).format(visit=heading)


def registration_card(t: Translator, registration: Registration, visit: Visit) -> str:
    """One registration with its status and the person's stay, as HTML."""
    lines = [
        visit_heading(t, visit),
        "{label}: {value}".format(
            label=escape(field_label(t, "status")),
            value=f"<b>{escape(status_name(t, registration.status))}</b>",
        ),
    ]
    for field in ("full_name", "role", "arrival", "departure"):
        label = escape(field_label(t, field))
        value = escape(value_text(t, field, getattr(registration, field)), quote=False)
        lines.append(f"{label}: {value}")
    if registration.status == "offered" and registration.offer_expires_at is not None:
        lines.append(
            escape(t.gettext("Please answer the offer by {deadline}.")).format(
                deadline=escape(moment_text(t, registration.offer_expires_at, visit))
            )
        )
    return "\n".join(lines)


def moment_text(t: Translator, moment: datetime, visit: Visit) -> str:
    """A moment in the host and partner cities: 1 December 2026, 19:00 in Tokyo / 11:00 in …"""
    return timefmt.moment_text(t, moment, visit.timezone)


def refusal(t: Translator, exc: rules.VisitError) -> str:
    """A domain refusal as one translated sentence (plain text)."""
    reason = exc.reason
    if isinstance(exc, rules.InvalidText):
        if reason == "empty":
            return t.gettext("This answer is empty. Please type it again.")
        if reason == "too_long":
            limit = exc.limit or rules.NAME_MAX
            return t.ngettext(
                "This is too long: please use at most {limit} character.",
                "This is too long: please use at most {limit} characters.",
                limit,
            ).format(limit=limit)
        if reason == "control_characters":
            return t.gettext(
                "This text contains invisible control characters. Please type it again."
            )
    if isinstance(exc, rules.InvalidEmail):
        if reason == "too_long":
            return t.gettext("This e-mail address is too long.")
        return t.gettext(
            "This does not look like an e-mail address (for example name@example.com). "
            "Please check it."
        )
    if isinstance(exc, rules.DatesOutsideVisit):
        start, end = exc.details.get("start"), exc.details.get("end")
        first, last = exc.details.get("first"), exc.details.get("last")
        if all(isinstance(d, date) for d in (start, end, first, last)):
            # The same sentence at registration and in /myvisits.
            return t.gettext(
                "You can arrive and leave from {first} to {last}; the visit itself lasts "
                "{period}. Please choose a day in that time."
            ).format(first=t.date(first), last=t.date(last), period=t.period(start, end))
    if isinstance(exc, rules.DepartureBeforeArrival):
        return t.gettext("The departure cannot be before the arrival. Please type another day.")
    if isinstance(exc, rules.RoleNotAllowed):
        return t.gettext(
            "This role is not available for this visit. Please choose one of the buttons."
        )
    if isinstance(exc, rules.VisitNotOpen):
        if reason == "draft":
            return t.gettext("Registration for this visit has not opened yet.")
        if reason == "past":
            return t.gettext("This visit has already taken place.")
        if reason == "cancelled":
            return t.gettext("This visit has been cancelled.")
        return t.gettext("Registration for this visit is closed.")
    if isinstance(exc, rules.VisitStarted):
        return t.gettext(
            "This visit has already started, so the registration can no longer be withdrawn."
        )
    if isinstance(exc, rules.DeadlinePassed):
        deadline = exc.details.get("deadline")
        if isinstance(deadline, date):
            return t.gettext(
                "The registration deadline for this visit ({deadline}) has passed."
            ).format(deadline=t.date(deadline))
    if isinstance(exc, rules.AlreadyRegistered):
        return t.gettext(
            "You are already registered for this visit. "
            "Send /myvisits to see or change your registration."
        )
    if isinstance(exc, rules.VisitNotFound):
        return t.gettext("This visit does not exist (any more).")
    if isinstance(exc, rules.RegistrationNotFound):
        return t.gettext("I cannot find this registration. Send /myvisits to see yours.")
    if isinstance(exc, rules.RegistrationNotActive):
        return t.gettext("This registration is no longer active ({status}).").format(
            status=status_name(t, reason)
        )
    if isinstance(exc, rules.NotOffered):
        return t.gettext("This offer is no longer open.")
    if isinstance(exc, rules.OfferExpired):
        return t.gettext("Sorry, this offer has expired.")
    return t.gettext("This answer is not valid. Please try again.")


def place_name(services: Services, visit: Visit, lang: str) -> str | None:
    """The host city's name in lang, from the knowledge base (visits store only its id)."""
    record = services.qa.kb.records.get(visit.host_city)
    return None if record is None else record.name.get(lang)


async def send_calendar(
    bot: Bot,
    chat_id: int,
    services: Services,
    t: Translator,
    visit: Visit,
    registration: Registration,
) -> None:
    """Sends the person's stay as a calendar file (visit-<id>.ics) with a short caption."""
    content = visit_ics(
        visit,
        registration,
        lang=t.lang,
        now=services.clock(),
        place=place_name(services, visit, t.lang),
    )
    await bot.send_document(
        chat_id,
        document=content,
        filename=f"visit-{visit.id}.ics",
        caption=t.gettext("Add your visit to your calendar: {title}").format(
            title=visit.title(t.lang)
        ),
    )


def controller(t: Translator) -> str:
    """Who is responsible for the personal data the bot keeps (plain text)."""
    return t.gettext(
        "Who is responsible for your data: the City of Bratislava, through its Department of "
        "Strategy and Projects, which coordinates the IUC partnership."
    )
