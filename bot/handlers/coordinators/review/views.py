"""What coordinators read about handed-off questions: the card, the /review list, buttons."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db.models import Handoff, HandoffStatus
from bot.handlers.replies import callback
from bot.i18n import Translator

MAX_LISTED = 30  # questions /review shows with a button each; the count says how many more
QUOTED_IN_CARD = 1500  # characters of the question and of the answer: a card fits one message
KIND = "review"  # the draft of a coordinator answering or adding knowledge


def language_name(t: Translator, lang: str) -> str:
    """A language's name in the reader's language ("Slovak", "slovenčina", "スロバキア語")."""
    names = {
        "en": t.pgettext("language name", "English"),
        "sk": t.pgettext("language name", "Slovak"),
        "ja": t.pgettext("language name", "Japanese"),
    }
    return names.get(lang, lang)


def quoted(text: str) -> str:
    """A user's text quoted in HTML, escaped."""
    return f"<blockquote>{escape(text, quote=False)}</blockquote>"


def card_html(t: Translator, handoff: Handoff, *, new: bool = False) -> str:
    """One handed-off question: number, language, when, the question, and its answer if any."""
    head = (
        t.gettext("New question for the coordinators (#{id}), asked in {language}:")
        if new
        else t.gettext("Question #{id}, asked in {language} on {date}:")
    ).format(
        id=handoff.id,
        language=language_name(t, handoff.lang),
        date=t.date(handoff.created_at.date()),
    )
    lines = [head, quoted(_clip(handoff.text))]
    if handoff.status == HandoffStatus.ANSWERED and handoff.answer is not None:
        answer = quoted(_clip(handoff.answer))
        lines.append(t.gettext("Answered by a coordinator:") + "\n" + answer)
    elif handoff.status == HandoffStatus.ANSWERED:
        lines.append(t.gettext("Answered by a coordinator."))
    return "\n".join(lines)


def card_keyboard(t: Translator, handoff: Handoff) -> InlineKeyboardMarkup:
    """Answer (while open), make it a phrasing of a fact, make it a new fact."""
    rows = []
    if handoff.status == HandoffStatus.OPEN:
        rows.append([_button(t.pgettext("review button", "Answer"), "a", handoff.id)])
    rows.append(
        [
            _button(t.pgettext("review button", "Phrasing of a fact"), "l", handoff.id),
            _button(t.pgettext("review button", "New fact"), "f", handoff.id),
        ]
    )
    return InlineKeyboardMarkup(rows)


def knowledge_keyboard(t: Translator, handoff_id: int) -> InlineKeyboardMarkup:
    """After an answer: the two ways to turn the question into knowledge."""
    return InlineKeyboardMarkup(
        [
            [
                _button(t.pgettext("review button", "Phrasing of a fact"), "l", handoff_id),
                _button(t.pgettext("review button", "New fact"), "f", handoff_id),
            ]
        ]
    )


def review_html(t: Translator, groups: Sequence[Sequence[Handoff]]) -> str:
    """/review: the open questions in groups of similar ones, oldest first."""
    total = sum(len(g) for g in groups)
    if not total:
        return t.gettext("There are no open questions. Thank you!")
    lines = [
        t.ngettext(
            "{count} open question, oldest first; similar questions are listed together.",
            "{count} open questions, oldest first; similar questions are listed together.",
            total,
        ).format(count=total)
    ]
    for number, group in enumerate(groups, 1):
        lines.append("")
        for i, handoff in enumerate(group):
            prefix = f"{number}." if i == 0 else "   "
            lines.append(
                f"{prefix} #{handoff.id} · {handoff.lang} · {t.date(handoff.created_at.date())}"
                f"\n{quoted(_short(handoff.text, 300))}"
            )
    listed = min(total, MAX_LISTED)
    if total > listed:
        lines.append(
            t.gettext("Buttons for the first {listed}; answer those to see the rest.").format(
                listed=listed
            )
        )
    return "\n".join(lines)


def review_keyboard(groups: Sequence[Sequence[Handoff]]) -> InlineKeyboardMarkup | None:
    """A button per question (up to MAX_LISTED) that opens its card."""
    handoffs = [h for group in groups for h in group][:MAX_LISTED]
    if not handoffs:
        return None
    return InlineKeyboardMarkup(
        [[_button(f"#{h.id}: {_short(h.text, 40)}", "c", h.id)] for h in handoffs]
    )


def _button(label: str, action: str, *ids: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback("hq", action, *ids))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(text: str, limit: int = QUOTED_IN_CARD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
