"""The handlers' side of roles (bot/roles.py): who is asking, and a polite refusal otherwise.

Every privileged handler checks for itself, at every call: command menus only hide commands,
and callback data can be forged by anyone who can press a button. The check reads the
database (one lookup by primary key), so a role granted or revoked a moment ago, in any
process, counts at once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineQueryResultsButton, Update

from bot import roles
from bot.handlers.context import IUCContext, identify
from bot.i18n import Translator
from bot.roles import Role

log = logging.getLogger(__name__)

Privileged = Callable[[Update, IUCContext, Translator], Awaitable[None]]
Handler = Callable[[Update, IUCContext], Awaitable[None]]


def configured(context: IUCContext) -> roles.Configured:
    """The roles COORDINATOR_IDS and STAFF_IDS give."""
    settings = context.services.settings
    return roles.Configured(settings.coordinator_ids, settings.staff_ids)


async def current_role(update: Update, context: IUCContext) -> Role:
    """The sender's role now. Without the database, what the settings give (a grant made in
    the bot waits for it): a coordinator of the settings is never locked out."""
    user = update.effective_user
    if user is None:
        return Role.DELEGATE
    given = configured(context)
    sessions = context.services.sessions
    if sessions is None:
        return given.role(user.id)
    try:
        async with sessions() as session:
            return await roles.role_of(session, user.id, given)
    except SQLAlchemyError:
        log.warning("could not read the sender's role; using the settings'", exc_info=True)
        return given.role(user.id)


async def has_role(update: Update, context: IUCContext, role: Role) -> bool:
    """Whether the sender holds `role` or a higher one (no reply either way)."""
    return await current_role(update, context) >= role


def refusal(t: Translator, role: Role) -> str:
    """The polite refusal for someone without `role`."""
    if role >= Role.COORDINATOR:
        return t.gettext("Sorry, only the programme coordinators can do this.")
    return t.gettext("Sorry, only the programme's staff and coordinators can do this.")


async def refuse(update: Update, t: Translator, role: Role) -> None:
    """Says so, where the person asked: an alert on a button, a reply to a message, a button
    over the results of an inline query. Changes nothing else."""
    text = refusal(t, role)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.inline_query is not None:
        await update.inline_query.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=InlineQueryResultsButton(text=text, start_parameter="help"),
        )
    elif update.effective_message is not None:
        await update.effective_message.reply_html(text)


async def require_role(update: Update, context: IUCContext, role: Role) -> Translator | None:
    """The sender's translator when they hold `role` (or higher); else None, after a polite
    refusal in their language."""
    t = await identify(update, context)
    if await has_role(update, context, role):
        return t
    await refuse(update, t, role)
    return None


def requires(role: Role) -> Callable[[Privileged], Handler]:
    """Makes `handler(update, context, t)` a PTB callback that runs only for `role` and up.

    The wrapped callback carries `required_role`: the refusal test reads it from the
    registered handlers (tests/bot/test_role_refusals.py).
    """

    def wrap(handler: Privileged) -> Handler:
        @functools.wraps(handler)
        async def checked(update: Update, context: IUCContext) -> None:
            t = await require_role(update, context, role)
            if t is not None:
                await handler(update, context, t)

        checked.required_role = role  # type: ignore[attr-defined]
        return checked

    return wrap
