"""The broadcast in the making as the handlers keep it: a draft row, and what blocks it."""

from __future__ import annotations

from bot.broadcast.draft import KIND, MAX_DRAFT_BYTES, Composition, Step
from bot.handlers.context import IUCContext
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.visits import service


async def load(context: IUCContext, user_id: int) -> tuple[Step, Composition] | None:
    """The coordinator's broadcast in the making, or None."""
    assert context.services.sessions is not None
    async with context.services.sessions() as session:
        draft = await service.load_draft(session, user_id, KIND)
    if draft is None:
        return None
    return Step(draft.step), Composition.from_data(draft.data)


async def save(context: IUCContext, user_id: int, step: Step, draft: Composition) -> None:
    """Saves the broadcast in the making at this step."""
    services = context.services
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        await service.save_draft(
            session,
            user_id,
            KIND,
            step.value,
            draft.to_data(),
            services.clock(),
            max_bytes=MAX_DRAFT_BYTES,
        )


def problem(t: Translator, draft: Composition, *, needs_text: bool = True) -> str | None:
    """What keeps the broadcast from going on to the audience, in words; None when nothing."""
    if needs_text and not draft.texts:
        return t.gettext("Please send the text first.")
    for lang, length in draft.too_long().items():
        return t.gettext(
            "The text in {language} has {n} characters; with a photo or document at most "
            "{limit} fit. Please shorten it or remove the attachment."
        ).format(language=LANGUAGE_NAMES[lang], n=t.number(length), limit=t.number(draft.limit))
    return None
