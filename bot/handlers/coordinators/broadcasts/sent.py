"""After "Send": the broadcast goes to the outbox; then its controls under the confirmation —
stop sending, delete everywhere, and correct everywhere (a short conversation of its own,
fix.py).

The outbox's sender (delivery.py) sends, edits and deletes the messages and keeps the
coordinator's progress message and report; these handlers only change what it is to do.
Every press re-checks the role: callback data can be forged by anyone who can press a button.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.broadcast import audience as audiences
from bot.broadcast import store
from bot.broadcast.audience import Audience
from bot.broadcast.draft import (
    KIND,
    Composition,
)
from bot.handlers.access import configured, requires
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.broadcasts.fix import start_fix
from bot.handlers.coordinators.broadcasts.message import fallback_of
from bot.handlers.replies import callback, try_edit
from bot.i18n import Translator
from bot.roles import Role
from bot.visits import service


def controls(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    """Correct, delete everywhere, stop: under the confirmation of a sent broadcast."""

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback("bs", action, broadcast_id))

    return InlineKeyboardMarkup(
        [
            [button("✏️ " + t.pgettext("broadcast button", "Correct"), "e")],
            [button("🗑 " + t.pgettext("broadcast button", "Delete everywhere"), "d")],
            [button("⏹ " + t.pgettext("broadcast button", "Stop sending"), "x")],
        ]
    )


async def send(
    update: Update, context: IUCContext, t: Translator, draft: Composition, chosen: Audience
) -> None:
    """Hands the broadcast to the outbox: one INSERT ... SELECT of the audience."""
    query = update.callback_query
    services = context.services
    assert services.sessions is not None
    user_id = update.effective_user.id
    now = services.clock()
    async with services.sessions.begin() as session:
        # The draft is the claim: a second press (or a second process) finds it gone.
        if not await service.delete_draft(session, user_id, KIND):
            await query.answer(t.gettext("This button is no longer active."))
            return
        broadcast = await store.create(
            session,
            author_id=user_id,
            author_lang=t.lang,
            texts=draft.texts,
            fallback_lang=fallback_of(draft, t.lang),
            now=now,
            media_kind=draft.media_type,
            media_file_id=draft.media_id,
            visit_id=draft.visit_id,
        )
        total = await store.enqueue(
            session,
            broadcast.id,
            audiences.recipients(chosen, services.settings.default_locale, configured(context)),
            now,
        )
    if services.outbox is not None:
        services.outbox.wake()
    await query.answer()
    await try_edit(query.edit_message_reply_markup(None))
    await query.message.reply_html(
        t.ngettext(
            "Broadcast #{id} is on its way to {n} recipient. I will report here as it goes.",
            "Broadcast #{id} is on its way to {n} recipients. I will report here as it goes.",
            total,
        ).format(id=broadcast.id, n=t.number(total)),
        reply_markup=controls(t, broadcast.id),
    )


@requires(Role.COORDINATOR)
async def control(update: Update, context: IUCContext, t: Translator) -> None:
    """The buttons under a sent broadcast: stop (x), delete (d, then dy), correct (e)."""
    query = update.callback_query
    _, action, raw_id = (query.data or "").split(":")
    broadcast_id = int(raw_id)
    services = context.services
    assert services.sessions is not None
    now = services.clock()
    async with services.sessions() as session:
        broadcast = await store.get(session, broadcast_id)
    if broadcast is None or broadcast.deleted_at is not None:
        await query.answer(t.gettext("This broadcast was deleted."), show_alert=True)
        return
    if action == "x":
        async with services.sessions.begin() as session:
            stopped = await store.cancel(session, broadcast_id, now)
        if not stopped:  # every message was sent (or stopped) already: say so, not "0"
            await query.answer(
                t.gettext("Broadcast #{id} has no messages left to send.").format(id=broadcast_id),
                show_alert=True,
            )
            return
        await query.answer()
        await query.message.reply_html(
            t.ngettext(
                "Stopped: {n} message of broadcast #{id} will not be sent.",
                "Stopped: {n} messages of broadcast #{id} will not be sent.",
                stopped,
            ).format(n=t.number(stopped), id=broadcast_id)
        )
    elif action == "d":
        await query.answer()
        sure = InlineKeyboardButton(
            "🗑 " + t.pgettext("broadcast button", "Yes, delete everywhere"),
            callback_data=callback("bs", "dy", broadcast_id),
        )
        await query.message.reply_html(
            t.gettext(
                "Delete broadcast #{id} from every chat it reached? This cannot be undone."
            ).format(id=broadcast_id),
            reply_markup=InlineKeyboardMarkup([[sure]]),
        )
    elif action == "dy":
        async with services.sessions.begin() as session:
            await store.delete_everywhere(session, broadcast_id, now)
        if services.outbox is not None:
            services.outbox.wake()  # it deletes what was sent
        await query.answer()
        await try_edit(query.edit_message_reply_markup(None))
        await query.message.reply_html(
            t.gettext("Broadcast #{id} is being deleted from every chat.").format(id=broadcast_id)
        )
    else:
        await query.answer()
        await start_fix(query.message, context, t, update.effective_user.id, broadcast)
