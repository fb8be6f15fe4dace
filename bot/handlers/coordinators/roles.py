"""/grant and /revoke: coordinators give and take back the staff and coordinator roles.

The person is named by forwarding a message of theirs, by @username (people who have written
to the bot) or by numeric id, after the command or in answer to its question (a draft of kind
"roles" remembers which command asked, so a restart loses nothing). Then buttons: the role to
give, or the confirmation to take it back. The domain rules (what the settings give cannot be
revoked; the last coordinator cannot step down) are bot/roles.py's; the wording is
bot/handlers/coordinators/role_views.py's.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, MessageOriginHiddenUser, MessageOriginUser, Update
from telegram.error import TelegramError

from bot import roles
from bot.handlers.access import configured, has_role, requires
from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators import role_views as views
from bot.handlers.replies import try_edit
from bot.i18n import Translator
from bot.menus import set_person_menu
from bot.roles import Person, Role
from bot.visits import service

log = logging.getLogger(__name__)

KIND = "roles"  # the draft's kind; its step is the command that asked: "grant" or "revoke"


@requires(Role.COORDINATOR)
async def grant(update: Update, context: IUCContext, t: Translator) -> None:
    """/grant [person]: asks who (unless named), then which role, by buttons."""
    await _start(update, context, t, "grant")


@requires(Role.COORDINATOR)
async def revoke(update: Update, context: IUCContext, t: Translator) -> None:
    """/revoke [person]: asks who (unless named), then for a confirmation."""
    await _start(update, context, t, "revoke")


async def _start(update: Update, context: IUCContext, t: Translator, command: str) -> None:
    typed = " ".join(context.args or [])
    services = context.services
    assert services.sessions is not None
    user_id = update.effective_user.id
    if typed:
        async with services.sessions.begin() as session:
            await service.delete_draft(session, user_id, KIND)
        await _named(update, context, t, command, update.effective_message, typed)
        return
    async with services.sessions.begin() as session:
        await service.save_draft(session, user_id, KIND, command, {}, services.clock())
    await update.effective_message.reply_html(views.ask_whom(t, command))


async def text_step(update: Update, context: IUCContext) -> bool:
    """A coordinator's answer to "whom?" (a forward or a typed name); False when they are not
    in that conversation, so the message goes on to the other handlers."""
    services = context.services
    user_id = update.effective_user.id
    async with services.sessions() as session:
        draft = await service.load_draft(session, user_id, KIND)
    # Someone whose coordinator role was taken back meanwhile is no longer naming anyone:
    # their text goes on (as a question), and nothing changes.
    if draft is None or not await has_role(update, context, Role.COORDINATOR):
        return False
    t = await identify(update, context)
    message = update.effective_message
    if await _named(update, context, t, draft.step, message, message.text or ""):
        async with services.sessions.begin() as session:
            await service.delete_draft(session, user_id, KIND)
    return True


async def cancel(update: Update, context: IUCContext) -> bool:
    """/cancel while naming a person: forgets the question; False when there was none."""
    services = context.services
    async with services.sessions.begin() as session:
        deleted = await service.delete_draft(session, update.effective_user.id, KIND)
    if deleted:
        # Anyone may end their own conversation, whatever their role is now.
        t = await identify(update, context)
        await update.effective_message.reply_html(views.cancelled(t))
    return deleted


async def _named(
    update: Update, context: IUCContext, t: Translator, command: str, message: Message, text: str
) -> bool:
    """Finds the person the message names and asks the next question; False (after saying
    what to send instead) when it names nobody the bot can find."""
    services = context.services
    origin = message.forward_origin
    target: int | None = None
    if isinstance(origin, MessageOriginHiddenUser):
        await message.reply_html(views.hidden(t, origin.sender_user_name))
        return False
    if isinstance(origin, MessageOriginUser):
        if origin.sender_user.is_bot:
            await message.reply_html(views.not_a_person(t))
            return False
        target = origin.sender_user.id
    elif origin is not None:
        await message.reply_html(views.not_a_person(t))
        return False
    elif (typed_id := roles.parse_user_id(text)) is not None:
        target = typed_id
    elif views.is_username(text):
        async with services.sessions() as session:
            target = await roles.find_username(session, text.strip())
        if target is None:
            await message.reply_html(views.unknown_username(t, text.strip()))
            return False
    else:
        await message.reply_html(views.unreadable(t))
        return False
    async with services.sessions() as session:
        person = await roles.person(session, target, services.settings.default_locale)
        role = await roles.role_of(session, target, configured(context))
    text, markup = views.next_question(t, command, person, role)
    await message.reply_html(text, reply_markup=markup)
    return True


@requires(Role.COORDINATOR)
async def button(update: Update, context: IUCContext, t: Translator) -> None:
    """The buttons: the role to give (rl:g:s|c:<id>), take back (rl:r:<id>), cancel (rl:x)."""
    query = update.callback_query
    parts = (query.data or "").split(":")
    if parts[1] == "x":
        await query.answer()
        await try_edit(query.edit_message_text(views.cancelled(t)))
        return
    target = roles.parse_user_id(parts[-1])
    if target is None:
        await query.answer()
        return
    services = context.services
    by = update.effective_user.id
    try:
        async with services.sessions.begin() as session:
            if parts[1] == "g":
                wanted = Role.STAFF if parts[2] == "s" else Role.COORDINATOR
                change = await roles.grant(
                    session,
                    target,
                    wanted,
                    by=by,
                    now=services.clock(),
                    configured=configured(context),
                )
            else:
                change = await roles.revoke(session, target, by=by, configured=configured(context))
            person = await roles.person(session, target, services.settings.default_locale)
    except SQLAlchemyError:
        log.warning("could not change a role", exc_info=True)
        await query.answer(t.gettext("Sorry, I could not save that. Please try again."))
        return
    await query.answer()
    if change.refused is not None:
        await try_edit(
            query.edit_message_text(views.refused(t, change, person), parse_mode="HTML")
        )
        return
    told = await _tell(context, person, change.after)
    await set_person_menu(context.bot, target, change.after)
    await try_edit(
        query.edit_message_text(views.done(t, person, change.after, told), parse_mode="HTML")
    )


async def _tell(context: IUCContext, person: Person, role: Role) -> bool:
    """Tells the person their new role and commands, in their language; False when Telegram
    refused (they have not started the bot, or blocked it)."""
    try:
        await context.bot.send_message(
            person.telegram_id,
            views.your_role(Translator(person.language or "en"), role),
            parse_mode="HTML",
        )
    except TelegramError as exc:
        log.info("could not tell %s of their new role: %s", person.telegram_id, exc)
        return False
    return True
