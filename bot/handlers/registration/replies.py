"""What the registration conversation sends: questions, the visit list and "Try again".

Also where a registration in progress is read from the database (`load`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.db.models import Visit
from bot.handlers.context import IUCContext
from bot.handlers.registration import steps
from bot.handlers.replies import callback, edit_html, send_html, try_edit
from bot.handlers.visit_views import place_name
from bot.i18n import Translator
from bot.visits import service

KIND = steps.KIND
PENDING = "registration_pending"  # user_data: the answer the database has not taken yet
CACHED_STEP = "registration_step"  # user_data: the step last saved, for a database outage


@dataclass
class State:
    """A registration in progress: the step waiting for an answer, the answers, the visit."""

    step: str = "visit"
    data: dict[str, Any] = field(default_factory=dict)
    visit: Visit | None = None


async def load(context: IUCContext, user_id: int) -> State | None:
    """The saved draft with its visit, or None (raises SQLAlchemyError when the database fails)."""
    async with context.services.sessions.begin() as session:
        return await load_in(session, context, user_id)


async def load_in(session: AsyncSession, context: IUCContext, user_id: int) -> State | None:
    """Like load, in the caller's unit of work: one primary-key lookup when there is no draft."""
    draft = await service.load_draft(session, user_id, KIND)
    if draft is None:
        context.user_data.pop(CACHED_STEP, None)
        return None
    data = dict(draft.data)
    visit = await service.get_visit(session, int(data["visit_id"])) if "visit_id" in data else None
    context.user_data[CACHED_STEP] = draft.step
    return State(draft.step, data, visit)


async def keep(
    update: Update, context: IUCContext, t: Translator, step: str, kind: str, value: str
) -> None:
    """The database failed: keep the answer in memory and offer "Try again"."""
    context.user_data[PENDING] = {"step": step, "kind": kind, "value": value}
    if step == "confirm":
        text = t.gettext(
            "Sorry, I could not save your registration: the database is not available right "
            "now. Your answers are kept. Please press “Try again” in a moment."
        )
    else:
        text = t.gettext(
            "Sorry, I could not save your answer: the database is not available right now. "
            "Your answers are kept. Please press “Try again” in a moment."
        )
    retry = InlineKeyboardButton(
        "🔄 " + t.pgettext("button", "Try again"), callback_data=callback("r", "retry", "go")
    )
    await send_html(
        update.effective_chat,
        escape(text),
        InlineKeyboardMarkup([[retry]]),
    )


async def ask(update: Update, context: IUCContext, t: Translator, state: State) -> None:
    """Sends the question of the state's step with its buttons."""
    if state.step == "visit":
        await list_visits(update, context, t)
        return
    assert state.visit is not None
    services = context.services
    place = place_name(services, state.visit, t.lang)
    text, markup = steps.prompt(
        t, state.step, state.data, state.visit, services.settings.purge_after_days, place
    )
    await send_html(update.effective_chat, text, markup)


async def list_visits(
    update: Update, context: IUCContext, t: Translator, visits: list[Visit] | None = None
) -> None:
    """Sends the visits open for registration as buttons, or says that there are none.

    `visits`: as read by the caller (`open_visits`), or None to read them here.
    """
    if visits is None:
        async with context.services.sessions.begin() as session:
            visits = await open_visits(session, context)
    if not visits:
        await say(
            update,
            escape(
                t.gettext(
                    "No visit is open for registration right now. Please look again later, "
                    "or ask the IUC coordinators."
                )
            ),
        )
        return
    rows = [
        [
            steps.button(
                f"{v.title(t.lang)[:40]} · {t.period(v.start_date, v.end_date)}",
                "visit",
                str(v.id),
            )
        ]
        for v in visits
    ]
    await send_html(
        update.effective_chat,
        escape(t.gettext("Which visit would you like to register for?")),
        InlineKeyboardMarkup(rows),
    )


async def open_visits(session: AsyncSession, context: IUCContext) -> list[Visit]:
    """The visits open for registration today, in the caller's unit of work."""
    return await service.open_visits(session, context.services.clock().date())


async def say(update: Update, html: str) -> None:
    """Sends HTML to the chat of the update."""
    await send_html(update.effective_chat, html)


async def drop_buttons(update: Update, t: Translator | None = None) -> None:
    """Removes the buttons of the message pressed, so that old questions cannot be answered.

    With `t`, the message keeps the choice made under its text ("Visit: …", "Your choice:
    Delegate"), so that scrolling back shows what was answered, not a bare question.
    """
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    label = _pressed_label(query.message, query.data or "")
    if t is None or label is None or not query.message.text:
        await try_edit(query.edit_message_reply_markup(None))
        return
    if (query.data or "").startswith("r:visit:"):
        choice = escape(t.gettext("Visit: {visit}")).format(visit=escape(label, quote=False))
    else:
        choice = escape(t.gettext("Your choice: {choice}")).format(
            choice=escape(label, quote=False)
        )
    message = query.message
    await try_edit(edit_html(message, message.text_html + "\n\n" + choice))


def _pressed_label(message: Message, data: str) -> str | None:
    # The label of the button pressed, read from the message (the process that sent it may
    # be another one): its text is what the person chose.
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def unavailable(t: Translator) -> str:
    """The apology for a database that does not answer."""
    return t.gettext(
        "Sorry, the database is not available right now. Please try again in a moment."
    )


def gone(t: Translator) -> str:
    """What a button of a finished or cancelled registration says."""
    return t.gettext("This registration is no longer in progress. Send /register to start again.")
