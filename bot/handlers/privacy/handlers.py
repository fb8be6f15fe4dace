"""/mydata (everything stored about the person) and /forget_me (erase it, after a confirmation)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.config import Settings
from bot.db.activity import FLUSH_TIMEOUT_S
from bot.db.session import checkpoint
from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.role_views import role_name
from bot.handlers.myvisits.offers import pass_on
from bot.handlers.replies import MESSAGE_LIMIT, callback, split_message, try_edit
from bot.handlers.visit_views import controller, field_label, value_text
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.roles import Role
from bot.visits import service
from bot.visits.rules import ANSWER_FIELDS

log = logging.getLogger(__name__)

_REGISTRATION_FIELDS = ("status", *ANSWER_FIELDS, "consent_at")


def _when(t: Translator, value: Any) -> str:
    """An ISO timestamp as a date and UTC time; anything else as it is."""
    if not value:
        return t.pgettext("answer", "none")
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{t.date(moment.date())} {moment:%H:%M} UTC"


def _line(label: str, value: str) -> str:
    return f"{escape(label)}: {escape(value, quote=False)}"


def keeping(t: Translator, settings: Settings) -> list[str]:
    """What is kept about a person, why, and for how long (plain text, one line each)."""
    return [
        t.ngettext(
            "Registrations: so that the coordinators can prepare the visit and I can remind "
            "you; your personal data in them is erased {days} day after the visit ends.",
            "Registrations: so that the coordinators can prepare the visit and I can remind "
            "you; your personal data in them is erased {days} days after the visit ends.",
            settings.purge_after_days,
        ).format(days=settings.purge_after_days),
        t.ngettext(
            "Questions: so that the curators can improve my answers; their text and the "
            "link to you are erased {days} day after you asked.",
            "Questions: so that the curators can improve my answers; their text and the "
            "link to you are erased {days} days after you asked.",
            settings.retention_days,
        ).format(days=settings.retention_days),
        t.ngettext(
            "Settings (language, first name, first and last message): so that I answer you "
            "in your language and announcements reach you; erased when you have not written "
            "to me for {days} day.",
            "Settings (language, first name, first and last message): so that I answer you "
            "in your language and announcements reach you; erased when you have not written "
            "to me for {days} days.",
            settings.retention_days,
        ).format(days=settings.retention_days),
        controller(t),
        t.gettext(
            "You can see everything I store about you with /mydata and erase it at any "
            "time with /forget_me."
        ),
    ]


def _blocks(t: Translator, data: dict[str, Any], config: Settings) -> list[str]:
    """The stored data as HTML blocks, each small enough for one message."""
    heading = t.gettext("Everything I store about you")
    blocks = [
        f"<b>{escape(heading)}</b>\n"
        + _line(t.gettext("Telegram user id"), str(data["telegram_id"]))
    ]
    user = data.get("user")
    if user:
        chosen = user.get("language")
        blocks.append(
            _block(
                t.gettext("Your settings"),
                [
                    _line(
                        t.gettext("Language chosen with /language"),
                        LANGUAGE_NAMES.get(chosen, chosen or t.pgettext("answer", "none")),
                    ),
                    _line(
                        t.gettext("Language of your Telegram app"),
                        user.get("telegram_language") or t.pgettext("answer", "none"),
                    ),
                    _line(t.gettext("First name"), user.get("first_name") or ""),
                    _line(t.gettext("First message"), _when(t, user.get("first_seen"))),
                    _line(t.gettext("Last message"), _when(t, user.get("last_seen"))),
                ],
            )
        )
    for registration in data["registrations"]:
        titles = registration.get("visit_titles") or {}
        title = titles.get(t.lang) or titles.get("en") or str(registration["visit_id"])
        lines = [f"<b>{escape(title, quote=False)}</b>"]
        for name in _REGISTRATION_FIELDS:
            value = registration.get(name)
            shown = _when(t, value) if name == "consent_at" else value_text(t, name, value)
            lines.append(_line(field_label(t, name), shown))
        blocks.append("\n".join(lines))
    unfinished = t.gettext("Not finished yet (a registration or a change)")
    for draft in data["drafts"]:
        lines = [
            _line(field_label(t, key), value_text(t, key, value))
            for key, value in draft["data"].items()
            if key not in ("editing", "visit_id", "registration_id", "consent_at")
        ]
        blocks.append(_block(unfinished, lines))
    questions = data["questions"]
    if questions:
        blocks.append(
            "<b>{}</b>".format(
                escape(
                    t.ngettext(
                        "{count} question you asked", "{count} questions you asked", len(questions)
                    ).format(count=len(questions))
                )
            )
        )
        blocks += [
            f"• {escape(_when(t, q['created_at']))}: {escape(q['text'], quote=False)}"
            for q in questions
            if q["text"]
        ]
    created = data.get("visits_created") or []
    if created:
        heading = t.ngettext(
            "{count} visit you created as a coordinator",
            "{count} visits you created as a coordinator",
            len(created),
        ).format(count=len(created))
        titles = [v["titles"].get(t.lang) or v["titles"].get("en") or "" for v in created]
        blocks.append(_block(heading, [f"• {escape(x, quote=False)}" for x in titles]))
    blocks += _roles_handoffs_broadcasts(t, data)
    kept = t.gettext("What I keep, why and for how long")
    blocks.append(_block(kept, [escape(x, quote=False) for x in keeping(t, config)]))
    return blocks


def _roles_handoffs_broadcasts(t: Translator, data: dict[str, Any]) -> list[str]:
    """The role given to the person in the bot and those they gave, the questions they passed
    to the coordinators (with the answers), and how many announcements were sent to them."""
    blocks: list[str] = []
    me = data["telegram_id"]
    roles = data.get("roles") or []
    own = [r for r in roles if r["telegram_id"] == me]
    given = [r for r in roles if r["granted_by"] == me and r["telegram_id"] != me]
    if own or given:
        lines: list[str] = []
        for grant in own:
            role = role_name(t, Role.from_key(grant["role"]))
            lines.append(_line(t.gettext("Your role"), role))
            lines.append(_line(t.gettext("Given on"), _when(t, grant["granted_at"])))
        if given:
            lines.append(
                escape(
                    t.ngettext(
                        "You gave a role to {count} person.",
                        "You gave roles to {count} people.",
                        len(given),
                    ).format(count=len(given))
                )
            )
        blocks.append(_block(t.gettext("Roles given in the bot"), lines))
    handoffs = data.get("handoffs") or []
    if handoffs:
        heading = t.ngettext(
            "{count} question you passed to the coordinators",
            "{count} questions you passed to the coordinators",
            len(handoffs),
        ).format(count=len(handoffs))
        lines: list[str] = []
        for handoff in handoffs:
            if handoff["text"]:
                when = _when(t, handoff["created_at"])
                lines.append(f"• {escape(when)}: {escape(handoff['text'], quote=False)}")
            if handoff["answer"]:
                lines.append(_line(t.gettext("Answer"), handoff["answer"]))
        blocks.append(_block(heading, lines))
    received = len(data.get("broadcasts_received") or [])
    if received:
        blocks.append(
            escape(
                t.ngettext(
                    "{count} announcement was sent to you.",
                    "{count} announcements were sent to you.",
                    received,
                ).format(count=received)
            )
        )
    return blocks


def _block(heading: str, lines: list[str]) -> str:
    """A bold heading and the lines under it (lines already HTML)."""
    return "\n".join([f"<b>{escape(heading)}</b>", *lines])


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines into as few messages as fit under the limit."""
    pieces: list[str] = []
    for block in blocks:
        if pieces and len(pieces[-1]) + 2 + len(block) <= limit:
            pieces[-1] += "\n\n" + block
        elif len(block) <= limit:
            pieces.append(block)
        else:
            # Only a very long question gets here; its line carries no tags to cut in two.
            pieces.extend(split_message(block, limit))
    return pieces


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


async def mydata(update: Update, context: IUCContext) -> None:
    """Sends everything stored about the person: readable messages and my-data.json."""
    t = await identify(update, context)
    try:
        # The latest questions may still be queued: they are part of what is stored.
        async with asyncio.timeout(FLUSH_TIMEOUT_S):
            await context.services.activity.flush()
        async with context.services.sessions.begin() as session:
            data = await service.personal_data(session, update.effective_user.id)
    except (SQLAlchemyError, TimeoutError):
        log.warning("could not read personal data", exc_info=True)
        await update.effective_message.reply_html(
            escape(
                t.gettext("Sorry, something went wrong on my side. Please try again in a moment.")
            )
        )
        return
    for piece in pack(_blocks(t, data, context.services.settings)):
        await update.effective_message.reply_html(piece)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    await update.effective_message.reply_document(
        document=content.encode("utf-8"),
        filename="my-data.json",
        caption=t.gettext("The same data as a JSON file."),
    )


async def forget_me(update: Update, context: IUCContext) -> None:
    """Says what will be erased and asks for a confirmation."""
    t = await identify(update, context)
    text = "\n\n".join(
        [
            t.gettext(
                "This erases your personal data: your name, organisation, city, needs and "
                "e-mail in all your registrations, a registration in progress, the text of "
                "your questions and your settings."
            ),
            t.gettext(
                "Your registrations for visits that have not begun are withdrawn first, so "
                "that your place goes to the next person on the waiting list. Registrations "
                "for visits that have begun stay counted without your name. You will no "
                "longer be able to see or change them. This cannot be undone."
            ),
            t.gettext("Do you want to erase your data?"),
        ]
    )
    buttons = [
        InlineKeyboardButton(
            t.pgettext("button", "Yes, erase my data"), callback_data=callback("pv", "forget")
        ),
        InlineKeyboardButton(
            t.pgettext("button", "No, keep it"), callback_data=callback("pv", "keep")
        ),
    ]
    await update.effective_message.reply_html(
        escape(text), reply_markup=InlineKeyboardMarkup([buttons])
    )


def _erased_text(t: Translator, erasure: service.Erasure) -> str:
    text = t.ngettext(
        "Your personal data is erased; {count} registration was anonymised.",
        "Your personal data is erased; {count} registrations were anonymised.",
        erasure.anonymised,
    ).format(count=erasure.anonymised)
    if erasure.withdrawn:
        text += "\n" + t.ngettext(
            "{count} registration was withdrawn first; a place it held goes to the next "
            "person on the waiting list.",
            "{count} registrations were withdrawn first; the places they held go to the next "
            "people on the waiting list.",
            erasure.withdrawn,
        ).format(count=erasure.withdrawn)
    return text


async def forget_chosen(update: Update, context: IUCContext) -> None:
    """Erases the person's data after "Yes", or leaves everything after "No"."""
    query = update.callback_query
    t = await identify(update, context)
    if query.data != "pv:forget":
        await query.answer()
        await try_edit(query.edit_message_text(escape(t.gettext("Nothing was erased."))))
        return
    services = context.services
    try:
        # Queued records would otherwise be written after the erasure and bring the person's
        # row and words back.
        async with asyncio.timeout(FLUSH_TIMEOUT_S):
            await services.activity.flush()
        async with services.sessions.begin() as session:
            erasure = await service.forget(
                session, query.from_user.id, services.clock(), services.settings.offer_hours
            )
    except (SQLAlchemyError, TimeoutError):
        log.warning("could not erase personal data", exc_info=True)
        await query.answer(t.gettext("Sorry, I could not save that. Please try again."))
        return
    await query.answer()
    # Nothing of the person stays in this process's memory either.
    context.user_data.clear()
    await try_edit(query.edit_message_text(escape(_erased_text(t, erasure))))
    # As after the Withdraw button: the next person waiting hears of the freed place now.
    for offer in erasure.offers:
        await pass_on(context.bot, services, offer)
    try:
        await checkpoint(services.sessions.kw["bind"])
    except SQLAlchemyError:
        # Done by the daily purge too; until then the old pages stay in the WAL file.
        log.warning("could not checkpoint the database after an erasure", exc_info=True)
