"""Coordinators' /visits: the list, each visit's card, opening, closing and the share link.

Every handler re-checks the role itself: command menus only hide commands, and callback
data can be forged by anyone who can press a button.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.db.models import Visit
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.access import coordinator_only
from bot.handlers.coordinators.visits.views import (
    card_html,
    card_keyboard,
    places_text,
    share_link,
    status_label,
)
from bot.handlers.replies import callback, split_message, try_edit
from bot.handlers.visit_notices import city_name, visit_title
from bot.i18n import Translator
from bot.kb.model import KnowledgeBase, Record
from bot.visits import service
from bot.visits.rules import VisitStatus

MAX_LISTED_BUTTONS = 30


def seed_meetings(kb: KnowledgeBase) -> list[Record]:
    """The knowledge base's business meetings (the programme's past visits), oldest first."""
    found = [
        r
        for r in kb.records.values()
        if r.collection == "events" and r.fields.get("kind") == "business_meeting"
    ]
    return sorted(found, key=lambda r: r.fields["start"])


def _visit_line(t: Translator, visit: Visit, kb: KnowledgeBase) -> str:
    city = escape(city_name(kb, visit.host_city, t.lang), quote=False)
    return (
        f"<b>#{visit.id}</b> {visit_title(visit, t.lang)} — {status_label(t, visit.status)}\n"
        f"{t.period(visit.start_date, visit.end_date)}, {city} · "
        f"{places_text(t, visit.held, visit.capacity)}"
    )


def _seed_line(t: Translator, record: Record, kb: KnowledgeBase) -> str:
    name = escape(record.name.get(t.lang) or record.name["en"], quote=False)
    city = escape(city_name(kb, str(record.fields.get("place", "")), t.lang), quote=False)
    period = t.period(record.fields["start"], record.fields.get("end"))
    return f"• {name} — {period}, {city} — {status_label(t, VisitStatus.PAST)}"


async def visits(update: Update, context: IUCContext) -> None:
    """Lists stored visits with a button each, the knowledge base's meetings as past."""
    t = await coordinator_only(update, context)
    if t is None:
        return
    services = context.services
    assert services.sessions is not None
    async with services.sessions() as session:
        stored = await service.list_visits(session)
    kb = services.qa.kb
    parts = ["<b>" + t.gettext("Visits") + "</b>"]
    parts += [_visit_line(t, v, kb) for v in stored] or [t.gettext("No visits are stored yet.")]
    parts.append("<b>" + t.gettext("Earlier meetings (knowledge base)") + "</b>")
    parts.append("\n".join(_seed_line(t, r, kb) for r in seed_meetings(kb)))
    current = [v for v in stored if v.status != VisitStatus.PAST][-MAX_LISTED_BUTTONS:]
    rows = [
        [
            InlineKeyboardButton(
                f"#{v.id} {v.title(t.lang)}"[:60], callback_data=callback("cv", "show", v.id)
            )
        ]
        for v in current
    ]
    rows.append(
        [
            InlineKeyboardButton(
                "➕ " + t.pgettext("visit button", "New visit"), callback_data="cv:new"
            )
        ]
    )
    pieces = split_message("\n\n".join(parts))
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await update.effective_message.reply_html(
            piece, reply_markup=InlineKeyboardMarkup(rows) if last else None
        )


async def visit_from_button(
    update: Update, context: IUCContext
) -> tuple[Translator, Visit] | None:
    """The coordinator's translator and the visit a card button names; None when refused."""
    query = update.callback_query
    t = await coordinator_only(update, context)
    if t is None:
        return None
    visit_id = int((query.data or "").rsplit(":", 1)[-1])
    assert context.services.sessions is not None
    async with context.services.sessions() as session:
        visit = await service.get_visit(session, visit_id)
    if visit is None:
        await query.answer(t.gettext("There is no visit #{id}.").format(id=visit_id))
        return None
    await query.answer()
    return t, visit


async def show_visit(update: Update, context: IUCContext) -> None:
    """Sends a visit's card with the buttons that fit its status."""
    found = await visit_from_button(update, context)
    if found is None:
        return
    t, visit = found
    link = share_link(context, visit.id)
    await update.effective_message.reply_html(
        card_html(t, visit, context.services.qa.kb, link), reply_markup=card_keyboard(t, visit)
    )


async def set_status(update: Update, context: IUCContext) -> None:
    """Opens or closes registration for a visit and refreshes its card."""
    found = await visit_from_button(update, context)
    if found is None:
        return
    t, visit = found
    query = update.callback_query
    opening = (query.data or "").split(":")[1] == "open"
    services = context.services
    assert services.sessions is not None
    if visit.status == VisitStatus.PAST:
        await query.message.reply_html(t.gettext("This visit is over; it cannot be changed."))
        return
    if visit.status == VisitStatus.CANCELLED:  # a stale Open/Close button
        await query.message.reply_html(t.gettext("This visit has been cancelled."))
        return
    async with services.sessions.begin() as session:
        visit = await service.set_visit_status(
            session,
            visit.id,
            VisitStatus.OPEN if opening else VisitStatus.CLOSED,
            services.clock(),
        )
    link = share_link(context, visit.id)
    await try_edit(
        query.edit_message_text(
            card_html(t, visit, services.qa.kb, link),
            parse_mode="HTML",
            reply_markup=card_keyboard(t, visit),
        )
    )
    if opening:
        text = t.gettext(
            "Visit #{id} is open for registration. Share this link with the delegates:\n{link}"
        )
    else:
        text = t.gettext("Registration for visit #{id} is closed.")
    await query.message.reply_html(text.format(id=visit.id, link=escape(link)))


async def send_link(update: Update, context: IUCContext) -> None:
    """Sends the visit's deep link in a message of its own, ready to forward."""
    found = await visit_from_button(update, context)
    if found is None:
        return
    t, visit = found
    await update.effective_message.reply_html(
        t.gettext("Registration for “{title}”:\n{link}").format(
            title=visit_title(visit, t.lang), link=escape(share_link(context, visit.id))
        )
    )
