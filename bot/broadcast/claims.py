"""Moving outbox rows through their states, safely with several sender processes.

A sender process has a token (`me`). It claims a batch of due rows by writing its token into
them: on PostgreSQL under `SELECT … FOR UPDATE SKIP LOCKED`, so two processes never claim the
same row; on SQLite the claim is one UPDATE, which SQLite's single writer serialises. A
claimed row is still "queued": it has not been sent, and can be given back (`release`).

Just before a row's request to Telegram it becomes "sending" in a committed transaction of
its own, and just after the answer it becomes sent, blocked, failed or queued again (a retry).
A row found "sending" with nobody left to finish it (the process was killed between the two
commits) is marked "unknown" and never sent again: Telegram may have delivered it, and a
duplicate is worse than an honest "unknown" in the coordinator's report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.models import Broadcast, Delivery, OutboxRow
from bot.db import repo

# The longest an error text is kept (the column's length).
_ERROR_MAX = OutboxRow.__table__.c.last_error.type.length
UNKNOWN_ERROR = "the sender stopped while sending: Telegram may or may not have delivered it"


@dataclass(frozen=True)
class Job:
    """One claimed row: a message to send, or a sent one to edit or delete."""

    id: int
    broadcast_id: int
    user_id: int
    lang: str
    attempts: int
    message_id: int | None = None


def _claim(where: Any, me: str, now: datetime, limit: int, *joined: Any) -> Any:
    due = select(OutboxRow.id).where(*where, OutboxRow.claimed_by.is_(None))
    for target, condition in joined:
        due = due.join(target, condition)
    due = (
        due.order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        .limit(limit)
        # PostgreSQL: rows another process is claiming are skipped, not waited for. SQLite
        # ignores the clause: its one writer at a time does the same job.
        .with_for_update(skip_locked=True, of=OutboxRow)
    )
    return (
        update(OutboxRow)
        .where(OutboxRow.id.in_(due.scalar_subquery()))
        .values(claimed_by=me, claimed_at=now)
        .returning(
            OutboxRow.id,
            OutboxRow.broadcast_id,
            OutboxRow.user_id,
            OutboxRow.lang,
            OutboxRow.attempts,
            OutboxRow.message_id,
        )
        .execution_options(synchronize_session=False)
    )


async def claim_sends(session: AsyncSession, me: str, now: datetime, limit: int) -> list[Job]:
    """Claim up to `limit` due queued rows, oldest due first."""
    where = (OutboxRow.status == Delivery.QUEUED.value, OutboxRow.next_attempt_at <= now)
    rows = await session.execute(_claim(where, me, now, limit))
    return sorted((Job(*row) for row in rows.all()), key=lambda job: job.id)


async def claim_changes(session: AsyncSession, me: str, now: datetime, limit: int) -> list[Job]:
    """Claim sent messages whose broadcast was corrected or deleted since they were sent."""
    where = (
        OutboxRow.status == Delivery.SENT.value,
        OutboxRow.message_id.is_not(None),
        OutboxRow.deleted_at.is_(None),
        OutboxRow.last_error.is_(None),  # a correction Telegram refused is not retried
        or_(OutboxRow.revision < Broadcast.revision, Broadcast.deleted_at.is_not(None)),
    )
    joined = (Broadcast, Broadcast.id == OutboxRow.broadcast_id)
    rows = await session.execute(_claim(where, me, now, limit, joined))
    return sorted((Job(*row) for row in rows.all()), key=lambda job: job.id)


_OUTBOX = OutboxRow.__table__


def _mine(job: Job, me: str, status: Delivery) -> Any:
    c = _OUTBOX.c
    return and_(c.id == job.id, c.claimed_by == me, c.status == status.value)


async def _set(session: AsyncSession, where: Any, **values: Any) -> bool:
    # A Core statement on the table: the ORM's bulk-update machinery costs more than the
    # UPDATE itself, twice for every message.
    result = await session.execute(_OUTBOX.update().where(where).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_sending(session: AsyncSession, job: Job, me: str) -> bool:
    """The row is about to be sent; False if it is no longer ours to send (cancelled)."""
    return await _set(session, _mine(job, me, Delivery.QUEUED), status=Delivery.SENDING.value)


async def mark_sending_many(session: AsyncSession, ids: list[int], me: str) -> set[int]:
    """mark_sending for many rows in one statement; returns the ids that are ours to send."""
    c = _OUTBOX.c
    result = await session.execute(
        _OUTBOX.update()
        .where(c.id.in_(ids), c.claimed_by == me, c.status == Delivery.QUEUED.value)
        .values(status=Delivery.SENDING.value)
        .returning(c.id)
    )
    return set(result.scalars().all())


_SENT = (
    _OUTBOX.update()
    .where(
        _OUTBOX.c.id == bindparam("job_id"),
        _OUTBOX.c.claimed_by == bindparam("me"),
        _OUTBOX.c.status == Delivery.SENDING.value,
    )
    .values(
        status=Delivery.SENT.value,
        message_id=bindparam("sent_message_id"),
        sent_at=bindparam("sent_time"),
        revision=bindparam("sent_revision"),
        last_error=None,
        claimed_by=None,
        claimed_at=None,
    )
)


async def record_sent_many(
    session: AsyncSession, me: str, sent: list[tuple[int, int, int]], now: datetime
) -> None:
    """record_sent for many rows, (row id, message id, revision) each, in one executemany."""
    await session.execute(
        _SENT,
        [
            {
                "job_id": job_id,
                "me": me,
                "sent_message_id": message_id,
                "sent_time": now,
                "sent_revision": revision,
            }
            for job_id, message_id, revision in sent
        ],
    )


def _done(**values: Any) -> dict[str, Any]:
    return {"claimed_by": None, "claimed_at": None, **values}


async def record_sent(
    session: AsyncSession, job: Job, me: str, message_id: int, revision: int, now: datetime
) -> None:
    """Telegram accepted the message: its id is kept for edits and deletion."""
    await _set(
        session,
        _mine(job, me, Delivery.SENDING),
        **_done(
            status=Delivery.SENT.value,
            message_id=message_id,
            sent_at=now,
            revision=revision,
            last_error=None,
        ),
    )


async def record_blocked(
    session: AsyncSession, job: Job, me: str, error: str, now: datetime
) -> None:
    """Forbidden: the user blocked the bot (marked on the user too); not retried."""
    await _set(
        session,
        _mine(job, me, Delivery.SENDING),
        **_done(status=Delivery.BLOCKED.value, last_error=error[:_ERROR_MAX]),
    )
    await repo.mark_blocked(session, job.user_id, now)


async def record_failed(session: AsyncSession, job: Job, me: str, error: str) -> None:
    """Refused for good (a bad request) or out of retries."""
    await _set(
        session,
        _mine(job, me, Delivery.SENDING),
        **_done(status=Delivery.FAILED.value, last_error=error[:_ERROR_MAX]),
    )


async def record_unknown(session: AsyncSession, job: Job, me: str, error: str) -> None:
    """The request may have reached Telegram (its answer was lost): never resent."""
    await _set(
        session,
        _mine(job, me, Delivery.SENDING),
        **_done(status=Delivery.UNKNOWN.value, last_error=error[:_ERROR_MAX]),
    )


async def record_retry(
    session: AsyncSession,
    job: Job,
    me: str,
    error: str,
    at: datetime,
    *,
    max_attempts: int,
    counts: bool = True,
) -> bool:
    """Queue the row again for `at`; False (and failed) when its attempts are used up.

    A RetryAfter does not count as an attempt (`counts=False`): Telegram asked us to wait.
    """
    attempts = job.attempts + (1 if counts else 0)
    if attempts >= max_attempts:
        await record_failed(session, job, me, f"{error} (after {attempts} attempts)")
        return False
    await _set(
        session,
        _mine(job, me, Delivery.SENDING),
        **_done(
            status=Delivery.QUEUED.value,
            attempts=attempts,
            next_attempt_at=at,
            last_error=error[:_ERROR_MAX],
        ),
    )
    return True


async def record_changed(
    session: AsyncSession,
    job: Job,
    me: str,
    *,
    revision: int | None = None,
    deleted_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """A sent message was edited to `revision`, or deleted (or could not be: `error`)."""
    values: dict[str, Any] = _done(last_error=error[:_ERROR_MAX] if error else None)
    if revision is not None:
        values["revision"] = revision
    if deleted_at is not None:
        values["deleted_at"] = deleted_at
    await _set(session, _mine(job, me, Delivery.SENT), **values)


async def release(session: AsyncSession, me: str) -> int:
    """Give back every row this process claimed and has not started sending."""
    result = await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.claimed_by == me,
            OutboxRow.status.in_([Delivery.QUEUED.value, Delivery.SENT.value]),
        )
        .values(claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def sweep(
    session: AsyncSession, me: str, now: datetime, lease: timedelta | None
) -> tuple[int, int]:
    """Recover what dead sender processes left: their claims go back to the queue, their
    rows in "sending" become "unknown". Returns (released, unknown).

    A process is taken for dead when its claim is older than `lease`; None takes every other
    process for dead (SQLite: one process per database file).
    """
    orphan = [OutboxRow.claimed_by.is_not(None), OutboxRow.claimed_by != me]
    if lease is not None:
        orphan.append(OutboxRow.claimed_at < now - lease)
    unknown = await session.execute(
        update(OutboxRow)
        .where(*orphan, OutboxRow.status == Delivery.SENDING.value)
        .values(**_done(status=Delivery.UNKNOWN.value, last_error=UNKNOWN_ERROR))
        .execution_options(synchronize_session=False)
    )
    released = await session.execute(
        update(OutboxRow)
        .where(*orphan, OutboxRow.status.in_([Delivery.QUEUED.value, Delivery.SENT.value]))
        .values(claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(released.rowcount or 0), int(unknown.rowcount or 0)  # type: ignore[attr-defined]
