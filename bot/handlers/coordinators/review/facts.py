"""Turning a handed-off question into knowledge: an alternate phrasing of a fact the matcher
proposes (one tap), or a new fact whose answer the coordinator types per language.

Stored in kb_changes and installed at once in this process; the others follow within seconds
(bot/review/knowledge.py). An open question is answered from the new knowledge right away.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.db.models import Handoff, HandoffStatus
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.review.notify import answer_html, deliver
from bot.handlers.coordinators.review.views import KIND, language_name
from bot.handlers.replies import callback, try_edit
from bot.i18n import LANGUAGES, Translator
from bot.kb.overlay import new_fact_id
from bot.kb.render import question_text, render_fact
from bot.review import changes, queue
from bot.visits import service

log = logging.getLogger(__name__)

MAX_CANDIDATES = 5


async def offer_candidates(
    update: Update, context: IUCContext, t: Translator, handoff: Handoff
) -> None:
    """The facts the matcher finds closest to the question, a button each."""
    query = update.callback_query
    qa = context.services.qa
    match = qa.matcher.match(handoff.text)
    # The answer or suggestions first, then the next best-ranked facts: a question the bot
    # refused may still ask for one of them ("what day did the mayors autograph the pact").
    found = [match.entry, *match.suggestions, match.best, *match.ranked]
    candidates = [e for e in dict.fromkeys(found) if e is not None and e in qa.kb.facts]
    candidates = candidates[:MAX_CANDIDATES]
    await query.answer()
    if not candidates:
        await query.message.reply_html(
            t.gettext("No fact is close to question #{id}; you can make it a new fact.").format(
                id=handoff.id
            ),
            reply_markup=InlineKeyboardMarkup(
                [[_button(t.pgettext("review button", "New fact"), "f", handoff.id)]]
            ),
        )
        return
    lang = match.lang or handoff.lang
    data = {"id": handoff.id, "lang": lang, "candidates": candidates}
    await save(context, update.effective_user.id, "pick", data)
    rows = [
        [_button(_short(question_text(qa.kb.facts[e], t.lang)), "p", handoff.id, i)]
        for i, e in enumerate(candidates)
    ]
    await query.message.reply_html(
        t.gettext(
            "Which fact does question #{id} ask for? The question becomes another phrasing of "
            "it, and the bot answers it from now on."
        ).format(id=handoff.id),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def picked(
    update: Update, context: IUCContext, t: Translator, handoff: Handoff, n: int
) -> None:
    """Stores the question as an alternate of the fact pressed."""
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    async with services.sessions() as session:
        draft = await service.load_draft(session, user_id, KIND)
    data = draft.data if draft is not None and draft.step == "pick" else {}
    candidates = data.get("candidates", []) if data.get("id") == handoff.id else []
    entry = candidates[n] if n < len(candidates) else None
    fact = services.qa.kb.facts.get(entry) if entry else None
    if fact is None:  # an old button, or the knowledge changed meanwhile
        await query.answer(t.gettext("This button is no longer active."))
        return
    await query.answer()
    async with services.sessions.begin() as session:
        await changes.add_alternate(
            session,
            entry=fact.id,
            lang=data["lang"],
            question=handoff.text,
            handoff_id=handoff.id,
            by=user_id,
            now=services.clock(),
        )
        await service.delete_draft(session, user_id, KIND)
    await services.knowledge.refresh(services.sessions)
    await try_edit(query.edit_message_reply_markup(None))
    text = t.gettext("From now on the bot answers “{question}” with the fact “{fact}”.").format(
        question=escape(_short(handoff.text, 200), quote=False),
        fact=escape(question_text(fact, t.lang), quote=False),
    )
    if await _answer_from_knowledge(context, handoff, fact.id, user_id):
        text += "\n" + t.gettext("The asker has been sent this answer.")
    await query.message.reply_html(text)


async def start_fact(update: Update, context: IUCContext, t: Translator, handoff: Handoff) -> None:
    """Starts the new fact: its answer in the asker's language first, then the others."""
    query = update.callback_query
    services = context.services
    async with services.sessions() as session:
        exists = await changes.fact_exists(session, new_fact_id(handoff.id))
    if exists:
        await query.answer(t.gettext("Question #{id} is a fact already.").format(id=handoff.id))
        return
    await query.answer()
    langs = [handoff.lang, *(lang for lang in LANGUAGES if lang != handoff.lang)]
    data = {"id": handoff.id, "langs": langs, "i": 0, "texts": {}}
    await _ask_next(update, context, t, data)


async def take_text(
    update: Update, context: IUCContext, t: Translator, data: dict, text: str
) -> None:
    """The new fact's answer in the language asked for."""
    if not text or len(text) > changes.MAX_FACT_TEXT:
        await update.effective_message.reply_html(
            t.gettext(
                "Please type an answer of at most {limit} characters; nothing was sent."
            ).format(limit=changes.MAX_FACT_TEXT)
        )
        return
    lang = data["langs"][data["i"]]
    # The text is a template (knowledge/ fills {placeholders}): braces typed stay braces.
    data["texts"][lang] = text.replace("{", "{{").replace("}", "}}")
    await _advance(update, context, t, data)


async def skip_language(
    update: Update, context: IUCContext, t: Translator, handoff: Handoff
) -> None:
    """The Skip button: the new fact goes without the language asked for."""
    query = update.callback_query
    async with context.services.sessions() as session:
        draft = await service.load_draft(session, update.effective_user.id, KIND)
    if draft is None or draft.step != "fact" or draft.data.get("id") != handoff.id:
        await query.answer(t.gettext("This button is no longer active."))
        return
    await query.answer()
    await try_edit(query.edit_message_reply_markup(None))
    await _advance(update, context, t, dict(draft.data))


async def _advance(update: Update, context: IUCContext, t: Translator, data: dict) -> None:
    data["i"] += 1
    if data["i"] < len(data["langs"]):
        await _ask_next(update, context, t, data)
        return
    message = update.effective_message
    if not data["texts"]:
        await message.reply_html(
            t.gettext("A new fact needs its answer in at least one language.")
        )
        data["i"] = 0
        await _ask_next(update, context, t, data)
        return
    await _save_fact(update, context, t, data)


async def _ask_next(update: Update, context: IUCContext, t: Translator, data: dict) -> None:
    await save(context, update.effective_user.id, "fact", data)
    lang = data["langs"][data["i"]]
    prompt = t.gettext(
        "New fact from question #{id}: please type its answer in {language}, or skip this "
        "language. /cancel stops without saving."
    ).format(id=data["id"], language=language_name(t, lang))
    markup = InlineKeyboardMarkup(
        [[_button(t.pgettext("review button", "Skip this language"), "s", data["id"])]]
    )
    await update.effective_message.reply_html(prompt, reply_markup=markup)


async def _save_fact(update: Update, context: IUCContext, t: Translator, data: dict) -> None:
    services = context.services
    user_id = update.effective_user.id
    message = update.effective_message
    async with services.sessions.begin() as session:
        handoff = await queue.get(session, int(data["id"]))
        await service.delete_draft(session, user_id, KIND)
        if handoff is None:
            await message.reply_html(t.gettext("That question is no longer available."))
            return
        if await changes.fact_exists(session, new_fact_id(handoff.id)):
            await message.reply_html(
                t.gettext("Question #{id} is a fact already.").format(id=handoff.id)
            )
            return
        row = await changes.add_fact(
            session,
            number=handoff.id,
            texts=data["texts"],
            lang=handoff.lang,
            question=handoff.text,
            handoff_id=handoff.id,
            by=user_id,
            now=services.clock(),
        )
    await services.knowledge.refresh(services.sessions)
    lines = [
        t.gettext("New fact saved: from now on the bot answers “{question}” with it.").format(
            question=escape(_short(handoff.text, 200), quote=False)
        )
    ]
    missing = [lang for lang in LANGUAGES if lang not in data["texts"]]
    if missing:
        fallback = "en" if "en" in data["texts"] else next(iter(data["texts"]))
        lines.append(
            t.gettext(
                "Left out: {languages}. Readers of those get the text in {fallback} until a "
                "curator adds a translation in {directory}."
            ).format(
                directory="knowledge/",
                languages=t.join([language_name(t, lang) for lang in missing]),
                fallback=language_name(t, fallback),
            )
        )
    if await _answer_from_knowledge(context, handoff, row.entry_id, user_id):
        lines.append(t.gettext("The asker has been sent this answer."))
    await message.reply_html("\n".join(lines))


async def _answer_from_knowledge(
    context: IUCContext, handoff: Handoff, entry: str, coordinator: int
) -> bool:
    """An open question gets the fact's answer in the asker's language; True when sent."""
    if handoff.status != HandoffStatus.OPEN:
        return False
    services = context.services
    kb = services.qa.kb
    fact = kb.facts.get(entry)
    if fact is None:
        return False
    text = render_fact(kb, fact, Translator(handoff.lang), services.clock().date())
    async with services.sessions.begin() as session:
        if not await queue.mark_answered(session, handoff.id, coordinator, text, services.clock()):
            return False  # answered meanwhile
    if await deliver(context, handoff, answer_html(handoff, text, found=True)):
        return True
    async with services.sessions.begin() as session:
        await queue.reopen(session, handoff.id)
    return False


async def save(context: IUCContext, user_id: int, step: str, data: dict) -> None:
    """Save the coordinator's step in the review conversation (a draft of kind "review")."""
    services = context.services
    async with services.sessions.begin() as session:
        await service.save_draft(session, user_id, KIND, step, data, services.clock())


def _button(label: str, action: str, *ids: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback("hq", action, *ids))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
