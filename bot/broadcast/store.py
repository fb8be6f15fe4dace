"""What the coordinators' handlers call: create, enqueue, cancel, correct, delete, count.

Functions take the caller's AsyncSession and never commit (the caller's unit of work does).
The audience is a SQL select of (user_id, language) rows that the caller builds; enqueueing
copies it into the outbox with one INSERT … SELECT, so no list of recipients is ever held in
memory, whatever their number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.models import Broadcast, BroadcastStatus, Delivery, MediaKind, OutboxRow
from bot.db.models import User
from bot.i18n import LANGUAGES


class BroadcastError(ValueError):
    """A broadcast that cannot be made or changed as asked (the message says why)."""


@dataclass(frozen=True)
class Counts:
    """How many recipients of a broadcast are in each state."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        """Every recipient."""
        return sum(vars(self).values())

    @property
    def delivered(self) -> int:
        """Messages Telegram accepted."""
        return self.sent

    @property
    def remaining(self) -> int:
        """Recipients whose message is still to be sent (or being sent)."""
        return self.queued + self.sending

    @property
    def done(self) -> int:
        """Recipients whose message will not change state any more."""
        return self.total - self.remaining


def _check_texts(texts: Mapping[str, str]) -> dict[str, str]:
    cleaned = {lang: text for lang, text in texts.items() if text and text.strip()}
    if not cleaned:
        raise BroadcastError("a broadcast needs a text in at least one language")
    unknown = set(cleaned) - set(LANGUAGES)
    if unknown:
        raise BroadcastError(f"unknown language(s): {', '.join(sorted(unknown))}")
    return cleaned


async def create(
    session: AsyncSession,
    *,
    author_id: int,
    author_lang: str,
    texts: Mapping[str, str],
    fallback_lang: str,
    now: datetime,
    media_kind: MediaKind | str | None = None,
    media_file_id: str | None = None,
    visit_id: int | None = None,
) -> Broadcast:
    """A new broadcast (a draft until enqueued). Texts are Telegram HTML, per language.

    Recipients whose language has no text get the fallback language's, which must have one.
    """
    texts = _check_texts(texts)
    if fallback_lang not in texts:
        raise BroadcastError(f"the fallback language {fallback_lang!r} has no text")
    if (media_kind is None) != (media_file_id is None):
        raise BroadcastError("an attachment needs both its kind and its file_id")
    broadcast = Broadcast(
        author_id=author_id,
        author_lang=author_lang if author_lang in LANGUAGES else fallback_lang,
        texts=texts,
        fallback_lang=fallback_lang,
        media_kind=MediaKind(media_kind).value if media_kind else None,
        media_file_id=media_file_id,
        visit_id=visit_id,
        status=BroadcastStatus.DRAFT.value,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


async def enqueue(
    session: AsyncSession, broadcast_id: int, audience: Select[Any], now: datetime
) -> int:
    """Queue the broadcast for every (user_id, language) row of `audience`; start sending.

    A user listed twice is queued once (the first row's language). A language without a text
    becomes the fallback language. Returns the number of recipients queued; a broadcast that
    is not a draft any more is refused (BroadcastError).
    """
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None or broadcast.status != BroadcastStatus.DRAFT:
        raise BroadcastError(f"broadcast {broadcast_id} is not a draft")
    chosen = audience.subquery("audience")
    user_id, language = list(chosen.c)[:2]
    lang = case(
        (language.in_(list(broadcast.texts)), language), else_=literal(broadcast.fallback_lang)
    )
    rows = select(
        literal(broadcast_id).label("broadcast_id"),
        user_id,
        lang,
        literal(Delivery.QUEUED.value),
        literal(0),
        literal(now, OutboxRow.__table__.c.next_attempt_at.type),
        literal(broadcast.revision),
    ).where(true(), user_id.is_not(None))  # WHERE: SQLite's parser needs one before ON CONFLICT
    insert = _insert_for(session)(OutboxRow.__table__).from_select(
        ["broadcast_id", "user_id", "lang", "status", "attempts", "next_attempt_at", "revision"],
        rows,
    )
    await session.execute(
        insert.on_conflict_do_nothing(index_elements=["broadcast_id", "user_id"])
    )
    broadcast.status = BroadcastStatus.SENDING.value
    broadcast.started_at = now
    await session.flush()
    # Counted, not the INSERT's rowcount: psycopg reports none for an INSERT … SELECT.
    return (await counts(session, broadcast_id)).total


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    """The broadcast, or None."""
    return await session.get(Broadcast, broadcast_id, populate_existing=True)


async def cancel(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """Stop a broadcast: nobody still waiting gets it. Returns how many were cancelled.

    A message already handed to Telegram is not taken back (delete it everywhere for that).
    """
    result = await session.execute(
        update(OutboxRow)
        .where(OutboxRow.broadcast_id == broadcast_id, OutboxRow.status == Delivery.QUEUED.value)
        .values(status=Delivery.CANCELLED.value, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status.in_([BroadcastStatus.DRAFT.value, BroadcastStatus.SENDING.value]),
        )
        .values(status=BroadcastStatus.CANCELLED.value, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def edit(session: AsyncSession, broadcast_id: int, texts: Mapping[str, str]) -> int:
    """Correct the text of some languages, everywhere: messages already sent are edited by the
    sender, messages still queued go out corrected. Returns the new revision."""
    changes = _check_texts(texts)
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None or broadcast.deleted_at is not None:
        raise BroadcastError(f"broadcast {broadcast_id} does not exist or was deleted")
    broadcast.texts = {**broadcast.texts, **changes}
    broadcast.revision += 1
    await session.flush()
    return broadcast.revision


async def delete_everywhere(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Delete the broadcast from every chat: nothing more is sent, the sender deletes what was.

    False when there is no such broadcast or it was deleted already.
    """
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.deleted_at.is_(None))
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await cancel(session, broadcast_id, now)
    return True


async def counts(session: AsyncSession, broadcast_id: int) -> Counts:
    """How many recipients are in each state (progress while sending, the report after)."""
    rows = await session.execute(
        select(OutboxRow.status, func.count())
        .where(OutboxRow.broadcast_id == broadcast_id)
        .group_by(OutboxRow.status)
    )
    return Counts(**{status: n for status, n in rows.all()})


async def totals(session: AsyncSession) -> Counts:
    """How many messages of all broadcasts are in each state (for /metrics): one grouped
    count, over the status index (ix_outbox_status_next_attempt_at)."""
    rows = await session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
    return Counts(**{status: n for status, n in rows.all()})


async def blocked_users(
    session: AsyncSession, broadcast_id: int, limit: int = 20
) -> list[tuple[int, str | None]]:
    """Recipients who have blocked the bot, as (id, first name), for the report (at most
    `limit`; the counts give the number)."""
    rows = await session.execute(
        select(OutboxRow.user_id, User.first_name)
        .outerjoin(User, User.telegram_id == OutboxRow.user_id)
        .where(OutboxRow.broadcast_id == broadcast_id, OutboxRow.status == Delivery.BLOCKED.value)
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return [(user_id, name) for user_id, name in rows.all()]
