"""What coordinators see of a visit: status, roles and places in words, its card and buttons."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db.models import Visit
from bot.handlers.context import IUCContext
from bot.handlers.replies import callback
from bot.handlers.visit_notices import city_name, visit_title, when_text
from bot.i18n import Translator
from bot.kb.model import KnowledgeBase
from bot.visits.dates import deadline_text
from bot.visits.rules import Role, VisitStatus


def status_label(t: Translator, status: str) -> str:
    """A visit status in words."""
    labels = {
        VisitStatus.DRAFT: t.pgettext("visit status", "draft"),
        VisitStatus.OPEN: t.pgettext("visit status", "open for registration"),
        VisitStatus.CLOSED: t.pgettext("visit status", "registration closed"),
        # Translators: also shown after knowledge-base meetings, so use a
        # form that agrees with any noun (sk "ukončené", not "minulá").
        VisitStatus.PAST: t.pgettext("visit status", "past"),
        VisitStatus.CANCELLED: t.pgettext("visit status", "cancelled"),
    }
    return labels.get(VisitStatus(status), status)


def role_label(t: Translator, role: str) -> str:
    """A registration role in words (plural, as in a list of who may come)."""
    labels = {
        Role.DELEGATE: t.pgettext("visit roles", "Delegates"),
        Role.EXPERT: t.pgettext("visit roles", "Experts"),
        Role.INTERPRETER: t.pgettext("visit roles", "Interpreters"),
        Role.PRESS: t.pgettext("visit roles", "Press"),
        Role.OTHER: t.pgettext("visit roles", "Others"),
    }
    return labels.get(Role(role), role) if role in {r.value for r in Role} else role


def places_text(t: Translator, held: int, capacity: int) -> str:
    """How many places are taken: 3 of 10 places taken."""
    return t.ngettext(
        "{held} of {capacity} place taken", "{held} of {capacity} places taken", capacity
    ).format(held=held, capacity=capacity)


def share_link(context: IUCContext, visit_id: int) -> str:
    """The deep link that opens the registration for this visit."""
    return f"https://t.me/{context.bot.username}?start=visit_{visit_id}"


def card_html(t: Translator, visit: Visit, kb: KnowledgeBase, link: str) -> str:
    """Everything about one visit a coordinator needs, as HTML."""
    deadline = (
        t.gettext("Registration until: {date}").format(
            date=deadline_text(t, visit.registration_deadline, visit.timezone)
        )
        if visit.registration_deadline
        else t.gettext("Registration until the visit starts")
    )
    titles = "\n".join(
        f"{escape(lang)}: {escape(title, quote=False)}" for lang, title in visit.titles.items()
    )
    lines = [
        f"<b>#{visit.id} {visit_title(visit, t.lang)}</b>",
        t.gettext("Status: {status}").format(status=status_label(t, visit.status)),
        titles,
        t.gettext("When: {when}").format(when=when_text(t, visit)),
        t.gettext("Where: {venue}, {city}").format(
            venue=escape(visit.venue, quote=False),
            city=escape(city_name(kb, visit.host_city, t.lang), quote=False),
        ),
        places_text(t, visit.held, visit.capacity),
        deadline,
        t.gettext("Who may register: {roles}").format(
            roles=t.join([role_label(t, r) for r in visit.roles])
        ),
        t.gettext("Registration link: {link}").format(link=escape(link)),
    ]
    return "\n".join(lines)


def card_keyboard(t: Translator, visit: Visit) -> InlineKeyboardMarkup:
    """The actions that fit the visit's status."""

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback("cv", action, visit.id))

    rows: list[list[InlineKeyboardButton]] = []
    if visit.status in (VisitStatus.DRAFT, VisitStatus.CLOSED):
        rows.append([button(t.pgettext("visit button", "Open for registration"), "open")])
    elif visit.status == VisitStatus.OPEN:
        rows.append([button(t.pgettext("visit button", "Close registration"), "close")])
    if visit.status not in (VisitStatus.PAST, VisitStatus.CANCELLED):
        rows.append(
            [
                button(t.pgettext("visit button", "Change dates"), "dates"),
                button(t.pgettext("visit button", "Change capacity"), "cap"),
            ]
        )
        rows.append(
            [
                button(t.pgettext("visit button", "Change title"), "title"),
                button(t.pgettext("visit button", "Change venue"), "venue"),
            ]
        )
        rows.append([button(t.pgettext("visit button", "Share link"), "link")])
        rows.append([button(t.pgettext("visit button", "Cancel visit"), "drop")])
    rows.append(
        [
            InlineKeyboardButton(
                t.pgettext("visit button", "Registrations"), callback_data=callback("cr", visit.id)
            ),
            InlineKeyboardButton(
                t.pgettext("visit button", "Export CSV"), callback_data=callback("cx", visit.id)
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)
