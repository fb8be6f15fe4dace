"""Typed answers to the coordinators' conversations, taken before the questions (group -2):
a visit's form (visits/edit.py), the person named for /grant or /revoke (roles.py), and an
answer or a new fact typed for /review (review/commands.py).

Any sender reaches this: roles are granted at run time, so no filter of ids fixed at start-up
can tell who is a coordinator. The read every message makes anyway (is a conversation saved
for this user? bot/db/userstate.py) passes everybody without one straight on; only a saved
conversation leads to reading its draft, and each step checks the role before taking it.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.context import IUCContext
from bot.handlers.coordinators import roles
from bot.handlers.coordinators.review import commands as review
from bot.handlers.coordinators.review.views import KIND as REVIEW_KIND
from bot.handlers.coordinators.visits import edit
from bot.handlers.coordinators.visits.steps import KIND as VISIT_KIND

log = logging.getLogger(__name__)


async def text_step(update: Update, context: IUCContext) -> None:
    """Hands the text to the coordinators' conversation that is waiting for it, if any."""
    services = context.services
    if services.sessions is None or services.user_states is None:
        return
    try:
        _, kinds = await context.sender_state(update.effective_user.id)
    except SQLAlchemyError:
        # Nothing could be saved without the database; the questions still get answered.
        log.warning("could not read the user's state", exc_info=True)
        return
    # Each conversation reads its draft only when one of its kind is saved: a delegate's
    # registration step passes here without a query.
    if roles.KIND in kinds:
        try:
            taken = await roles.text_step(update, context)
        except Exception as exc:
            # The person was naming someone, whatever went wrong: logged and apologized for,
            # and not answered as a question as well.
            await context.application.process_error(update, exc)
            raise ApplicationHandlerStop from exc
        if taken:
            raise ApplicationHandlerStop
    # Each raises ApplicationHandlerStop when it takes the text, and returns when it does not.
    if VISIT_KIND in kinds:
        await edit.text_step(update, context)
    if REVIEW_KIND in kinds:
        await review.text_step(update, context)


async def cancel(update: Update, context: IUCContext) -> None:
    """/cancel in a coordinators' conversation; otherwise the general /cancel answers."""
    if context.services.sessions is None:
        return
    if await roles.cancel(update, context):
        raise ApplicationHandlerStop
    await edit.cancel(update, context)
    await review.cancel(update, context)
