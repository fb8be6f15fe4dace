"""Conversation drafts: the answers so far, saved after every step, so nothing typed is lost."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Draft
from bot.visits.store import insert_for

MAX_DRAFT_BYTES = 16_000


async def load_draft(session: AsyncSession, telegram_id: int, kind: str) -> Draft | None:
    """The person's saved conversation of this kind ("register", "edit_visit"), or None."""
    return await session.scalar(
        select(Draft)
        .where(Draft.telegram_id == telegram_id, Draft.kind == kind)
        .execution_options(populate_existing=True)
    )


async def open_drafts(session: AsyncSession, telegram_id: int) -> dict[str, Draft]:
    """All the person's saved conversations by kind (one lookup on the primary key's prefix)."""
    rows = await session.scalars(
        select(Draft)
        .where(Draft.telegram_id == telegram_id)
        .execution_options(populate_existing=True)
    )
    return {draft.kind: draft for draft in rows}


async def save_draft(
    session: AsyncSession,
    telegram_id: int,
    kind: str,
    step: str,
    data: Mapping[str, Any],
    now: datetime,
    *,
    max_bytes: int = MAX_DRAFT_BYTES,
) -> None:
    """Insert or replace the draft; data must be JSON (str values, dates as ISO strings)."""
    payload = draft_payload(kind, step, data, max_bytes=max_bytes)
    await session.execute(
        draft_upsert(session),
        {
            "telegram_id": telegram_id,
            "kind": kind,
            "step": step,
            "data": payload,
            "updated_at": now,
        },
    )


def draft_payload(
    kind: str, step: str, data: Mapping[str, Any], *, max_bytes: int = MAX_DRAFT_BYTES
) -> dict[str, Any]:
    """The draft's data as stored; ValueError when kind, step or data cannot be saved."""
    if not kind or len(kind) > 32 or not step or len(step) > 32:
        raise ValueError("draft kind and step must be 1–32 characters")
    payload = dict(data)
    try:
        size = len(json.dumps(payload, ensure_ascii=False).encode())
    except (TypeError, ValueError) as exc:
        raise ValueError(f"draft data is not JSON: {exc}") from None
    if size > max_bytes:
        raise ValueError(f"draft data is {size} bytes, more than {max_bytes}")
    return payload


def draft_upsert(session: AsyncSession) -> Any:
    """Insert or replace drafts: one statement, for one row or many (telegram_id, kind, step,
    data, updated_at)."""
    return _draft_upsert(insert_for(session))


@lru_cache(maxsize=4)
def _draft_upsert(insert: Any) -> Any:
    # Built once per dialect: every step of a conversation saves its draft, and building the
    # statement (its `excluded` alias above all) cost more than running it.
    stmt = insert(Draft)
    # One statement: a second bot process saving the same person's step cannot collide.
    return stmt.on_conflict_do_update(
        index_elements=[Draft.telegram_id, Draft.kind],
        set_={
            "step": stmt.excluded.step,
            "data": stmt.excluded.data,
            "updated_at": stmt.excluded.updated_at,
        },
    )


async def delete_draft(session: AsyncSession, telegram_id: int, kind: str) -> bool:
    """Forget the draft (finished or cancelled); False when there was none."""
    result = await session.execute(
        delete(Draft).where(Draft.telegram_id == telegram_id, Draft.kind == kind)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_drafts(session: AsyncSession, telegram_ids: list[int], kind: str) -> set[int]:
    """Delete these people's drafts of one kind; the people whose draft this deleted (one
    statement: of two transactions deleting the same draft, only one is told it did)."""
    rows = await session.scalars(
        delete(Draft)
        .where(Draft.kind == kind, Draft.telegram_id.in_(telegram_ids))
        .returning(Draft.telegram_id)
    )
    return set(rows)
