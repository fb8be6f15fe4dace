"""Who may use the coordinators' commands and buttons: the check every such handler makes.

Every handler re-checks the role itself: command menus only hide commands, and callback
data can be forged by anyone who can press a button. One place, so a role model can replace it.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import IUCContext, identify
from bot.i18n import Translator


def is_coordinator(update: Update, context: IUCContext) -> bool:
    """Whether the sender is listed in COORDINATOR_IDS."""
    user = update.effective_user
    return user is not None and user.id in context.services.settings.coordinator_ids


async def coordinator_only(update: Update, context: IUCContext) -> Translator | None:
    """The coordinator's translator; None, after a polite refusal, for anyone else."""
    t = await identify(update, context)
    if is_coordinator(update, context):
        return t
    refusal = t.gettext("Sorry, only the programme coordinators can do this.")
    if update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    else:
        await update.effective_message.reply_html(refusal)
    return None
