"""Coordinators' /registrations (counts and the people) and /export (a CSV file) for a visit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.db.models import Visit
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.access import coordinator_only
from bot.handlers.coordinators.visits.views import places_text, role_label
from bot.handlers.replies import callback, split_message
from bot.handlers.visit_notices import visit_title
from bot.handlers.visit_views import status_name
from bot.i18n import Translator
from bot.visits import service
from bot.visits.export import registrations_csv
from bot.visits.reports import Person
from bot.visits.results import Stats
from bot.visits.rules import RegistrationStatus

_ID = re.compile(r"#?(\d{1,18})")
MAX_PICK_BUTTONS = 30


def status_line(t: Translator, status: str, n: int) -> str:
    """How many registrations are in one status: "3 confirmed registrations"."""
    if status == RegistrationStatus.CONFIRMED:
        text = t.ngettext("{count} confirmed registration", "{count} confirmed registrations", n)
    elif status == RegistrationStatus.WAITLISTED:
        text = t.ngettext(
            "{count} person on the waiting list", "{count} people on the waiting list", n
        )
    elif status == RegistrationStatus.OFFERED:
        text = t.ngettext("{count} open offer", "{count} open offers", n)
    elif status == RegistrationStatus.WITHDRAWN:
        text = t.ngettext("{count} withdrawn registration", "{count} withdrawn registrations", n)
    elif status == RegistrationStatus.DECLINED:
        text = t.ngettext("{count} declined offer", "{count} declined offers", n)
    else:
        text = t.ngettext("{count} expired offer", "{count} expired offers", n)
    return text.format(count=n)


def _counted(t: Translator, heading: str, counts: Mapping[str, int]) -> str:
    lines = [f"<b>{heading}</b>"]
    for name, n in counts.items():
        lines.append(
            "• "
            + t.ngettext("{name}: {count} person", "{name}: {count} people", n).format(
                name=escape(name, quote=False), count=n
            )
        )
    if not counts:
        lines.append("• " + t.pgettext("counted list", "none"))
    return "\n".join(lines)


def _person_status(t: Translator, status: str) -> str:
    if status == RegistrationStatus.OFFERED:
        # Translators: a registrant to whom a freed place is offered, as coordinators read it.
        return t.pgettext("registration status for coordinators", "Place offered")
    return status_name(t, status)


def people_html(t: Translator, people: list[Person]) -> str:
    """Who registered: name, organisation and status, one line each (escaped)."""
    heading = t.gettext("Registered people:")
    lines = [f"<b>{escape(heading)}</b>"]
    for person in people:
        who = escape(person.full_name, quote=False)
        if person.organisation:
            who = t.pgettext("person and organisation", "{name} ({organisation})").format(
                name=who, organisation=escape(person.organisation, quote=False)
            )
        lines.append(f"• {who} – {escape(_person_status(t, person.status), quote=False)}")
    if not people:
        lines.append("• " + t.pgettext("counted list", "none"))
    return "\n".join(lines)


def stats_html(t: Translator, visit: Visit, stats: Stats) -> str:
    """A visit's registrations counted by status, and by role, city and diet (confirmed)."""
    head = [
        f"<b>#{visit.id} {visit_title(visit, t.lang)}</b>",
        places_text(t, stats.held, stats.capacity)
        + " · "
        + t.ngettext("{count} place free", "{count} places free", stats.free).format(
            count=stats.free
        ),
        t.ngettext(
            "{count} registration in total", "{count} registrations in total", stats.total
        ).format(count=stats.total),
    ]
    statuses = [
        "• " + status_line(t, status, n)
        for status, n in stats.by_status.items()
        if n or status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    ]
    roles = {role_label(t, role): n for role, n in stats.by_role.items()}
    return "\n\n".join(
        [
            "\n".join(head),
            "\n".join(statuses),
            _counted(t, t.gettext("Confirmed, by role:"), roles),
            _counted(t, t.gettext("Confirmed, by city:"), stats.by_city),
            _counted(t, t.gettext("Confirmed, dietary needs:"), stats.by_dietary),
        ]
    )


async def _pick(update: Update, context: IUCContext, t: Translator, prefix: str) -> None:
    """No (known) visit id was given: one button per visit."""
    assert context.services.sessions is not None
    async with context.services.sessions() as session:
        stored = await service.list_visits(session)
    if not stored:
        await update.effective_message.reply_html(t.gettext("No visits are stored yet."))
        return
    rows = [
        [
            InlineKeyboardButton(
                f"#{v.id} {v.title(t.lang)}"[:60], callback_data=callback(prefix, v.id)
            )
        ]
        for v in stored[-MAX_PICK_BUTTONS:]
    ]
    await update.effective_message.reply_html(
        t.gettext("Which visit?"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def _visit_id(update: Update, context: IUCContext, t: Translator, prefix: str) -> int | None:
    """The visit id from the command's argument or the pressed button; else offers buttons."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        return int((query.data or "").split(":")[1])
    args = context.args or []
    match = _ID.fullmatch(args[0]) if args else None
    if match is None:
        if args:
            await update.effective_message.reply_html(
                t.gettext("Please give a visit number, for example /{command} 3.").format(
                    command="registrations" if prefix == "cr" else "export"
                )
            )
        await _pick(update, context, t, prefix)
        return None
    return int(match.group(1))


async def _requested(
    update: Update, context: IUCContext, prefix: str
) -> tuple[Translator, int] | None:
    """A coordinator's translator and the visit id asked for; None when refused or offered."""
    t = await coordinator_only(update, context)
    if t is None:
        return None
    visit_id = await _visit_id(update, context, t, prefix)
    return None if visit_id is None else (t, visit_id)


async def _no_visit(
    update: Update, context: IUCContext, t: Translator, visit_id: int, prefix: str
) -> None:
    """Says the visit does not exist and offers the ones that do."""
    await update.effective_message.reply_html(
        t.gettext("There is no visit #{id}.").format(id=visit_id)
    )
    await _pick(update, context, t, prefix)


async def registrations(update: Update, context: IUCContext) -> None:
    """/registrations <visit>: counts by status, role, city and dietary needs."""
    requested = await _requested(update, context, "cr")
    if requested is None:
        return
    t, visit_id = requested
    assert context.services.sessions is not None
    async with context.services.sessions() as session:
        visit = await service.get_visit(session, visit_id)
        stats = await service.registration_stats(session, visit_id) if visit else None
        people = await service.registered_people(session, visit_id) if visit else []
    if visit is None or stats is None:
        await _no_visit(update, context, t, visit_id, "cr")
        return
    # A long list goes out in pieces, each cut between lines (split_message).
    text = stats_html(t, visit, stats) + "\n\n" + people_html(t, people)
    for piece in split_message(text):
        await update.effective_message.reply_html(piece)


async def export(update: Update, context: IUCContext) -> None:
    """/export <visit>: the visit's registrations as a CSV file (UTF-8 with BOM)."""
    requested = await _requested(update, context, "cx")
    if requested is None:
        return
    t, visit_id = requested
    assert context.services.sessions is not None
    async with context.services.sessions() as session:
        visit = await service.get_visit(session, visit_id)
        rows = await service.export_rows(session, visit_id) if visit else []
    if visit is None:
        await _no_visit(update, context, t, visit_id, "cx")
        return
    caption = t.ngettext(
        "“{title}”: {count} registration", "“{title}”: {count} registrations", len(rows)
    ).format(title=visit_title(visit, t.lang), count=len(rows))
    await update.effective_message.reply_document(
        document=registrations_csv(rows),
        filename=f"registrations-visit-{visit.id}.csv",
        caption=caption,
        parse_mode="HTML",
    )
