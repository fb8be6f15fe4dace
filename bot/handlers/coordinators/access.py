"""Who may use the coordinators' commands and buttons: the check every such handler makes.

Every handler re-checks the role itself: command menus only hide commands, and callback
data can be forged by anyone who can press a button. The role is read from the database at
every call (bot/handlers/access.py), so a coordinator granted or revoked a moment ago, in any
process, counts at once.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.access import has_role, require_role
from bot.handlers.context import IUCContext
from bot.i18n import Translator
from bot.roles import Role


async def is_coordinator(update: Update, context: IUCContext) -> bool:
    """Whether the sender is a coordinator now (COORDINATOR_IDS or granted in the bot)."""
    return await has_role(update, context, Role.COORDINATOR)


async def coordinator_only(update: Update, context: IUCContext) -> Translator | None:
    """The coordinator's translator; None, after a polite refusal, for anyone else."""
    return await require_role(update, context, Role.COORDINATOR)
