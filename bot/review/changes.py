"""Knowledge added in the bot, stored in kb_changes: writing, reading, the version, pulling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import KbChange, KbChangeKind
from bot.db.repo import _storable
from bot.kb.overlay import Addition, new_fact_id

MAX_FACT_TEXT = 3000  # per language; the answer is sent with nothing around it


async def version(session: AsyncSession) -> int:
    """The knowledge version: the last change's id (0 without any). One index look-up."""
    return int(await session.scalar(select(func.max(KbChange.id))) or 0)


async def additions(session: AsyncSession) -> tuple[int, list[Addition]]:
    """(the version, every stored addition in the order made)."""
    rows = list(await session.scalars(select(KbChange).order_by(KbChange.id)))
    return (rows[-1].id if rows else 0), [as_addition(row) for row in rows]


def as_addition(row: KbChange) -> Addition:
    """A stored change as the knowledge base's plain data."""
    return Addition(row.kind, row.entry_id, row.lang, row.question, row.texts)


async def add_alternate(
    session: AsyncSession,
    *,
    entry: str,
    lang: str,
    question: str,
    handoff_id: int | None,
    by: int | None,
    now: datetime,
) -> KbChange:
    """Store the question as another phrasing of the fact `entry`."""
    row = KbChange(
        kind=KbChangeKind.ALTERNATE.value,
        entry_id=entry,
        lang=lang,
        question=_storable(question, 1000) or "",
        handoff_id=handoff_id,
        created_by=by,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def add_fact(
    session: AsyncSession,
    *,
    number: int,
    texts: Mapping[str, str],
    lang: str,
    question: str,
    handoff_id: int | None,
    by: int | None,
    now: datetime,
) -> KbChange:
    """Store a new fact answering the question, with its text in the languages given."""
    if not texts:
        raise ValueError("a new fact needs its text in at least one language")
    row = KbChange(
        kind=KbChangeKind.FACT.value,
        entry_id=new_fact_id(number),
        lang=lang,
        question=_storable(question, 1000) or "",
        texts={k: _storable(v, MAX_FACT_TEXT) or "" for k, v in texts.items()},
        handoff_id=handoff_id,
        created_by=by,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def fact_exists(session: AsyncSession, entry: str) -> bool:
    """Whether a new fact with this id is stored already."""
    found = await session.scalar(
        select(KbChange.id).where(
            KbChange.kind == KbChangeKind.FACT.value, KbChange.entry_id == entry
        )
    )
    return found is not None


async def unpulled(session: AsyncSession) -> list[KbChange]:
    """The changes not yet written into knowledge/, in the order made."""
    rows = await session.scalars(
        select(KbChange).where(KbChange.pulled_at.is_(None)).order_by(KbChange.id)
    )
    return list(rows)


async def mark_pulled(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    """Record that these changes are in knowledge/ now."""
    if ids:
        await session.execute(
            update(KbChange)
            .where(KbChange.id.in_(list(ids)))
            .values(pulled_at=now)
            .execution_options(synchronize_session=False)
        )
