"""Who reads the staff view of a look-up (every visit, the places taken) and who the public one.

Look-ups refuse nobody: a delegate gets what is public anyway (the knowledge base and the
visits open for registration). The staff view is given only in a private chat, so that a
staff member's /dates in a group does not show the group unpublished visits.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.handlers.context import IUCContext


def is_staff(update: Update, context: IUCContext) -> bool:
    """Whether the user is staff or a coordinator (STAFF_IDS, COORDINATOR_IDS)."""
    user = update.effective_user
    settings = context.services.settings
    return user is not None and (
        user.id in settings.staff_ids or user.id in settings.coordinator_ids
    )


def staff_view(update: Update, context: IUCContext) -> bool:
    """Whether to show the staff view: a staff member, and not in a group's chat."""
    chat = update.effective_chat
    private = chat is None or chat.type == ChatType.PRIVATE  # inline queries have no chat
    return private and is_staff(update, context)
