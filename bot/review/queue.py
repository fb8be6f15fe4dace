"""The queue of handed-off questions: adding one, listing the open ones, answering one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Handoff, HandoffStatus, QuestionLog, User
from bot.db.repo import _storable
from bot.i18n import negotiate
from bot.kb.text import normalize

MAX_QUESTION = 4000  # a handed-off question is quoted in two messages; Telegram allows 4096
MAX_ANSWER = 3500  # the answer goes out with the question quoted and a frame around it
# Two questions whose normalised words agree this much (token_set_ratio, 0..100) are listed
# together in /review: the same question asked again, in other words or with a typo.
SIMILAR = 75


async def hand_off(
    session: AsyncSession,
    *,
    telegram_id: int,
    chat_id: int,
    message_id: int | None,
    text: str,
    lang: str,
    now: datetime,
) -> tuple[Handoff, bool]:
    """Queue the question; (the row, True) when new, (the open row, False) when the same
    message was handed off already (a double tap, two taps on two devices)."""
    if message_id is not None:
        existing = await session.scalar(
            select(Handoff).where(Handoff.chat_id == chat_id, Handoff.message_id == message_id)
        )
        if existing is not None:
            return existing, False
    row = Handoff(
        telegram_id=telegram_id,
        chat_id=chat_id,
        message_id=message_id,
        text=_storable(text, MAX_QUESTION) or "",
        lang=negotiate(lang),
        status=HandoffStatus.OPEN.value,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row, True


async def logged_question(
    session: AsyncSession, chat_id: int, message_id: int
) -> tuple[str | None, str | None]:
    """The text and language of a question in the log, by its message ((None, None) when it is
    not there, or its text was erased)."""
    row = (
        await session.execute(
            select(QuestionLog.text, QuestionLog.lang).where(
                QuestionLog.chat_id == chat_id, QuestionLog.message_id == message_id
            )
        )
    ).first()
    return (row[0] or None, row[1]) if row else (None, None)


async def get(session: AsyncSession, handoff_id: int) -> Handoff | None:
    """One hand-off, read fresh (another process may have answered it)."""
    return await session.get(Handoff, handoff_id, populate_existing=True)


async def open_handoffs(session: AsyncSession, limit: int = 200) -> list[Handoff]:
    """The open hand-offs, oldest first."""
    rows = await session.scalars(
        select(Handoff)
        .where(Handoff.status == HandoffStatus.OPEN.value)
        .order_by(Handoff.created_at, Handoff.id)
        .limit(limit)
    )
    return list(rows)


async def mark_answered(
    session: AsyncSession, handoff_id: int, coordinator: int, answer: str, now: datetime
) -> bool:
    """Record the answer; False when it was answered already (by someone else, meanwhile)."""
    result = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.OPEN.value)
        .values(
            status=HandoffStatus.ANSWERED.value,
            answer=_storable(answer, MAX_ANSWER),
            answered_by=coordinator,
            answered_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def languages_of(session: AsyncSession, telegram_ids: Sequence[int]) -> dict[int, str]:
    """Each person's interface language (their /language choice, else Telegram's), for those
    who have written to the bot."""
    rows = await session.execute(
        select(User.telegram_id, User.language, User.telegram_language).where(
            User.telegram_id.in_(list(telegram_ids))
        )
    )
    return {tid: negotiate(chosen, told) for tid, chosen, told in rows}


def group_similar(handoffs: Sequence[Handoff]) -> list[list[Handoff]]:
    """The hand-offs in groups of similar questions: the groups by their oldest question, each
    oldest first (handoffs must come oldest first). A question joins the first group whose
    first question it resembles, over the normalised text (case, accents, width folded)."""
    groups: list[tuple[str, list[Handoff]]] = []
    for handoff in handoffs:
        norm = normalize(handoff.text)
        for head, members in groups:
            if fuzz.token_set_ratio(norm, head) >= SIMILAR:
                members.append(handoff)
                break
        else:
            groups.append((norm, [handoff]))
    return [members for _, members in groups]


async def reopen(session: AsyncSession, handoff_id: int) -> None:
    """Open a question again whose answer Telegram did not deliver."""
    await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id)
        .values(status=HandoffStatus.OPEN.value, answer=None, answered_by=None, answered_at=None)
        .execution_options(synchronize_session=False)
    )
