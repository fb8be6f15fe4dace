"""A broadcast exactly as a recipient sees it, for the composer's previews: rendered and sent
by the outbox's own transport (delivery.py), so what the coordinator checks is what goes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from telegram import Message

from bot.broadcast.draft import Composition
from bot.broadcast.models import Broadcast
from bot.broadcast.results import Content
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.broadcasts.delivery import TelegramTransport
from bot.i18n import LANGUAGES
from bot.visits import service


def fallback_of(draft: Composition, lang: str) -> str:
    """The language whose text recipients of a missing language get: the one chosen, else
    the coordinator's own when written, else the first written."""
    if draft.fallback in draft.texts:
        return draft.fallback
    if lang in draft.texts:
        return lang
    return next(code for code in LANGUAGES if code in draft.texts)


async def _titles(context: IUCContext, visit_id: int | None) -> dict[str, str]:
    if visit_id is None:
        return {}
    assert context.services.sessions is not None
    async with context.services.sessions() as session:
        visit = await service.get_visit(session, visit_id)
    return dict(visit.titles) if visit is not None else {}


async def draft_content(context: IUCContext, draft: Composition, lang: str) -> Content:
    """The broadcast in the making as the sender would send it."""
    return Content(
        id=0,
        revision=0,
        texts=dict(draft.texts),
        fallback_lang=fallback_of(draft, lang),
        media_kind=draft.media_type,
        media_file_id=draft.media_id,
        visit_id=draft.visit_id,
        deleted=False,
        visit_titles=await _titles(context, draft.visit_id),
    )


async def corrected_content(
    context: IUCContext, broadcast: Broadcast, texts: Mapping[str, str]
) -> Content:
    """A sent broadcast with corrected texts, as the sender will show it."""
    content = Content.of(broadcast, await _titles(context, broadcast.visit_id))
    return replace(content, texts={**content.texts, **texts})


async def preview(context: IUCContext, content: Content, chat_id: int, lang: str) -> Message:
    """Sends chat_id the message recipients reading `lang` get."""
    return await TelegramTransport(context.bot).preview(content, chat_id, lang)
