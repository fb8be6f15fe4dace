"""Reply building: HTML escaping, splitting under Telegram's limit, inline keyboards."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Awaitable, Sequence
from html import escape
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest
from telegram.warnings import PTBUserWarning

from bot.i18n import Translator
from bot.kb.answer import Answer
from bot.visits.live import OpenVisit

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes
# A visit's or registration's id in a button or link. Nine digits always fit their INTEGER
# keys (MAX_ROW_ID); longer data was not made by this bot and goes to the stale-button handler.
ROW_ID = r"[0-9]{1,9}"  # ASCII digits only: `\d` also takes ١ and １
# What split_message treats as one unit: a tag, or an entity (&amp;, &#12354;, &#x3042;).
_MARKUP = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]{1,8};")
# Where a long text is best cut, best first: between paragraphs, lines, words.
_SEPARATORS = ("\n\n", "\n", " ")
_Tags = tuple[tuple[str, str], ...]  # open tags, outermost first: (name, opening tag)


class _Layout:
    """Where a text may be cut (not inside a tag or an entity) and which tags are open there."""

    def __init__(self, text: str) -> None:
        n = len(text)
        self.safe = bytearray(b"\x01") * (n + 1)
        self.open: list[_Tags] = [()] * (n + 1)
        # seen[i]: how many characters a person reads in text[:i], whitespace left out.
        self.seen = [0] * (n + 1)
        stack: _Tags = ()
        count = 0
        i = 0
        for match in [*_MARKUP.finditer(text), None]:
            stop = match.start() if match else n
            for j in range(i, stop):  # plain text
                self.open[j] = stack
                self.seen[j] = count
                count += not text[j].isspace()
            if match is None:
                break
            start, i = match.span()
            for j in range(start, i):
                self.open[j] = stack
                self.seen[j] = count
                self.safe[j] = j == start
            token = match.group()
            if token[0] == "&":
                count += 1
            elif token.startswith("</"):
                stack = stack[:-1]
            else:
                name = (token[1:-1].split() or [""])[0]
                stack = (*stack, (name, token))
        self.open[n] = stack
        self.seen[n] = count

    @staticmethod
    def closing(tags: _Tags) -> str:
        """The end tags that close the open tags, innermost first."""
        return "".join(f"</{name}>" for name, _ in reversed(tags))


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML into pieces of at most limit characters, each valid on its own.

    Cuts where the most text stays together: after the last paragraph that fits, else the
    last line, else the last word, else anywhere but inside a tag or an entity. A cut inside
    a tag pair (only a line longer than the limit needs one) closes the tags at the end of
    the piece and opens them again at the start of the next, so each piece parses and reads
    with its formatting; nothing is lost but the whitespace at the cuts.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    layout = _Layout(text)
    pieces: list[str] = []
    start, n = 0, len(text)
    while start < n:
        reopen = "".join(opening for _, opening in layout.open[start])
        end = _cut(text, layout, start, limit - len(reopen))
        body = text[start:end].rstrip()
        pieces.append(reopen + body + layout.closing(layout.open[end]))
        start = end
        while start < n and text[start].isspace():
            start += 1
    return pieces


def _cut(text: str, layout: _Layout, start: int, budget: int) -> int:
    """Where the piece beginning at start ends: the best cut that fits in budget."""
    n = len(text)
    seen = layout.seen

    def fits(end: int) -> bool:
        size = len(text[start:end].rstrip()) + len(layout.closing(layout.open[end]))
        return size <= budget and seen[end] > seen[start]

    if fits(n):
        return n
    furthest = min(n, start + budget)
    # A cut where no tag is open keeps every line's formatting as written: tried first.
    for anywhere in (False, True):
        for separator in _SEPARATORS:
            end = text.rfind(separator, start + 1, furthest + len(separator))
            while end > start:
                if layout.safe[end] and (anywhere or not layout.open[end]) and fits(end):
                    return end
                end = text.rfind(separator, start + 1, end)
    # No separator fits: a word (or a run of markup) longer than the limit.
    for end in range(furthest, start, -1):
        if layout.safe[end] and fits(end):
            return end
    # Not even one unit fits (a tag longer than the limit): the next one goes whole.
    end = start + 1
    while end < n and not layout.safe[end]:
        end += 1
    return end


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


# send_html and edit_html call Bot.do_api_request with methods that have a Bot method of their
# own, on purpose (see send_html), and PTB warns at every such call that the Bot method exists.
# That warning, for these two methods only, is not shown (tests: the same line in pyproject.toml,
# as pytest resets the filters for every test).
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.(sendMessage|editMessageText)' instead",
    category=PTBUserWarning,
)


async def send_html(chat: Chat, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Sends an HTML message to the chat, with its buttons if any, as
    chat.send_message(html, parse_mode="HTML", reply_markup=markup) does, when the Message
    Telegram returns is not used.

    Bot.send_message turns Telegram's answer into a Message (its chat, sender, entities and
    buttons, object by object), which for a short reply costs more than building and sending
    the request; Bot.do_api_request (PTB's public way to call a Bot API method by name) sends
    the same request, with the same errors raised and the same rate limiter, and returns the
    answer's JSON unparsed. No Defaults are set on our bots (do_api_request would not insert
    them).
    """
    await chat.get_bot().do_api_request(
        "sendMessage",
        {
            "chat_id": chat.id,
            "text": html,
            "parse_mode": "HTML",
            "reply_markup": None if markup is None else _markup_json(markup),
        },
    )


# Markups by identity, with their JSON text, the least recently sent dropped first. Identity,
# not equality: PTB's equality of buttons leaves some of their fields out (copy_text, …). Each
# entry holds its markup, so no other object can have its id meanwhile.
_MARKUP_JSON: dict[int, tuple[InlineKeyboardMarkup, str]] = {}
_MARKUP_JSON_SIZE = 1024


def _markup_json(markup: InlineKeyboardMarkup) -> str:
    # The Bot API takes reply_markup as JSON text, which PTB makes with json.dumps of to_dict()
    # (generic, field by field) at every request; a markup cannot change once made, and the
    # registration's are shared (steps._keyboard), so each one's text is made once.
    known = _MARKUP_JSON.pop(id(markup), None)
    if known is None or known[0] is not markup:
        known = (markup, json.dumps(markup.to_dict()))
        if len(_MARKUP_JSON) >= _MARKUP_JSON_SIZE:
            del _MARKUP_JSON[next(iter(_MARKUP_JSON))]
    _MARKUP_JSON[id(markup)] = known
    return known[1]


async def edit_html(message: Message, html: str) -> None:
    """Replaces the message's text with HTML and removes its buttons, as
    message.edit_text(html, parse_mode="HTML") does, without parsing the Message Telegram
    returns (see send_html)."""
    await message.get_bot().do_api_request(
        "editMessageText",
        {
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "text": html,
            "parse_mode": "HTML",
        },
    )


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


def visits_keyboard(
    visits: Sequence[OpenVisit], question_id: int, t: Translator
) -> InlineKeyboardMarkup:
    """A button per open visit that starts registering for it, then the feedback buttons."""
    rows = []
    for visit in visits:
        title = visit.title(t.lang)
        label = (
            t.pgettext("button", "Waiting list: {title}")
            if visit.full
            else t.pgettext("button", "Register: {title}")
        ).format(title=title if len(title) <= 48 else title[:47] + "…")
        rows.append([InlineKeyboardButton(label, callback_data=callback("rv", visit.id))])
    return InlineKeyboardMarkup([*rows, *feedback_keyboard(question_id, t).inline_keyboard])


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
