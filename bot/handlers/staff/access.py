"""Who reads the staff view of a look-up (every visit, the places taken) and who the public one.

Look-ups refuse nobody: a delegate gets what is public anyway (the knowledge base and the
visits open for registration). The staff view needs the staff role or a higher one, read
afresh at every call (bot/handlers/access.py: a role granted a moment ago counts at once),
and is given only in a private chat, so that a staff member's /dates in a group does not
show the group unpublished visits.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.handlers.access import has_role
from bot.handlers.context import IUCContext
from bot.roles import Role


async def staff_view(update: Update, context: IUCContext) -> bool:
    """Whether to show the staff view: staff or a coordinator, and not in a group's chat."""
    chat = update.effective_chat
    private = chat is None or chat.type == ChatType.PRIVATE  # inline queries have no chat
    return private and await has_role(update, context, Role.STAFF)
