"""Reply building: HTML escaping, splitting under Telegram's limit, inline keyboards."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.i18n import Translator
from bot.kb.answer import Answer

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes
# A visit's or registration's id in a button or link. Nine digits always fit their INTEGER
# keys (MAX_ROW_ID); longer data was not made by this bot and goes to the stale-button handler.
ROW_ID = r"\d{1,9}"
# An HTML entity (&amp;, &#12354;, &#x3042;) cut off at the end of a piece.
_OPEN_ENTITY = re.compile(r"&#?[A-Za-z0-9]{0,8}$")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into pieces under the limit, at paragraph, line or word boundaries.

    Works on escaped HTML too: it never cuts inside a word, and a word longer than the limit
    is cut before an entity such as &amp;, never inside it (answers carry no tags that could
    be cut in two).
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        if cut <= 0:
            cut = limit
            entity = _OPEN_ENTITY.search(rest, 0, cut)
            if entity is not None and entity.start() > 0:
                cut = entity.start()
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


# Telegram's answers to an edit that has nothing to do: a double tap on a button (the message
# is as asked already), a message deleted meanwhile, or a press (old or forged) that points at a
# message without text, such as a sent file.
_NOTHING_TO_EDIT = (
    "message is not modified",
    "message to edit not found",
    "no text in the message to edit",
    "message can't be edited",
)


async def try_edit(edit: Awaitable[Any]) -> None:
    """Awaits an edit of a message; when there is nothing to edit, nothing happens."""
    try:
        await edit
    except BadRequest as exc:
        if not any(reason in exc.message.lower() for reason in _NOTHING_TO_EDIT):
            raise


def callback(*parts: object) -> str:
    """Callback data from parts joined by ':'; refuses what Telegram would reject."""
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


def answer_html(answer: Answer) -> str:
    """The answer as HTML: every piece of knowledge text escaped."""
    return escape(answer.text, quote=False)


def answer_keyboard(
    answer: Answer, question_id: int, t: Translator
) -> InlineKeyboardMarkup | None:
    """Suggestion buttons plus "none of these", or feedback buttons under an answer.

    question_id is the message id of the question in its chat: the key of its log row.
    """
    if answer.outcome == "suggest":
        rows = [
            [
                InlineKeyboardButton(
                    s.question[:60], callback_data=callback("qp", question_id, s.entry)
                )
            ]
            for s in answer.suggestions
            if len(callback("qp", question_id, "")) + len(s.entry.encode()) <= CALLBACK_LIMIT
        ]
        rows.append(
            [
                InlineKeyboardButton(
                    t.gettext("None of these"), callback_data=callback("qn", question_id)
                )
            ]
        )
        return InlineKeyboardMarkup(rows)
    if answer.outcome == "answer":
        return feedback_keyboard(question_id, t)
    return None


def feedback_keyboard(question_id: int, t: Translator) -> InlineKeyboardMarkup:
    """ "Helpful" and "not helpful" buttons for a logged answer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "👍 " + t.pgettext("feedback button", "Helpful"),
                    callback_data=callback("qf", question_id, "y"),
                ),
                InlineKeyboardButton(
                    "👎 " + t.pgettext("feedback button", "Not helpful"),
                    callback_data=callback("qf", question_id, "n"),
                ),
            ]
        ]
    )
