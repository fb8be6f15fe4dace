"""Flood control counted in the database: one user's updates spread over several bot processes
(a webhook behind a load balancer) count together, and exactly one process says "slow down".

One statement per update: an upsert of the user's row that decides and records in one go,
under the row's lock (concurrent updates of one user queue on it; other users never wait).
The rule is the generic cell rate algorithm: `limit` updates at once, then one every
window/limit seconds, which keeps every `window` to at most `limit` updates, like the
in-memory gate (bot/flood.py). Over it: a pause, then a clean slate.

Each process remembers the pauses it learnt of, so the rest of a flood is turned away without
asking the database. Should the database not answer, the process's own memory decides.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import case, delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.deadline import DeadlineSessions
from bot.db.models import FloodMark
from bot.flood import MAX_TRACKED_USERS, FloodGate, Verdict
from bot.visits.store import insert_for

log = logging.getLogger(__name__)

IDLE_AFTER_S = 24 * 3600  # rows of users quiet this long are deleted by the daily purge


# `tat` while paused, telling the update that started the pause from those that came after it.
_PAUSE_STARTED, _PAUSED = 0.0, -1.0  # both in the past: after the pause, a clean slate


async def admit(
    session: AsyncSession,
    user_id: int,
    now: float,
    *,
    limit: int,
    window: float,
    pause: float,
) -> Verdict:
    """Count one update of the user, and say whether to serve it."""
    step = window / limit  # an update every `step` seconds, sustained
    tolerance = window - step  # how far ahead of now the allowance may run: `limit` at once
    mark = FloodMark.__table__.c
    paused = mark.paused_until > now
    over = mark.tat > now + tolerance
    stmt = (
        insert_for(session)(FloodMark)
        .values(telegram_id=user_id, tat=now + step, paused_until=0.0)
        .on_conflict_do_update(
            index_elements=[FloodMark.telegram_id],
            set_={
                "tat": case(
                    (paused, _PAUSED),
                    (over, _PAUSE_STARTED),
                    (mark.tat > now, mark.tat + step),
                    else_=now + step,
                ),
                "paused_until": case(
                    (paused, mark.paused_until), (over, now + pause), else_=mark.paused_until
                ),
            },
        )
        .returning(FloodMark.tat, FloodMark.paused_until)
    )
    tat, until = (await session.execute(stmt)).one()
    if until <= now:
        return Verdict.SERVE
    return Verdict.WARN if tat == _PAUSE_STARTED else Verdict.DROP


async def forget_idle(session: AsyncSession, now: datetime) -> int:
    """Delete the rows of users who sent nothing for a day (the daily purge)."""
    before = now.timestamp() - IDLE_AFTER_S
    result = await session.execute(
        delete(FloodMark).where(FloodMark.tat < before, FloodMark.paused_until < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class SharedFloodGate:
    """The gate for several processes on one database; `await check(user_id)` per update."""

    def __init__(
        self,
        limit: int,
        window: float,
        pause: float,
        sessions: Callable[[], DeadlineSessions | None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit, self.window, self.pause = limit, window, pause
        self.sessions = sessions
        self.clock = clock  # wall-clock seconds: shared by every process on the machine(s)
        self._paused: OrderedDict[int, float] = OrderedDict()  # pauses learnt, bounded
        # Without a database answer, this process's own count decides (one process's view).
        self.fallback = FloodGate(limit, window, pause, clock=lambda: self.clock())

    async def check(self, user_id: int) -> Verdict:
        """Count one update of `user_id` and say whether to serve it."""
        now = self.clock()
        if self._paused.get(user_id, 0.0) > now:
            return Verdict.DROP  # a pause this process knows of: no database work
        self._paused.pop(user_id, None)
        sessions = self.sessions()
        if sessions is None:
            return self.fallback.admit(user_id)
        try:
            async with sessions.begin() as session:
                verdict = await admit(
                    session,
                    user_id,
                    now,
                    limit=self.limit,
                    window=self.window,
                    pause=self.pause,
                )
        except SQLAlchemyError:
            log.warning("flood control: database not answering; counting here", exc_info=True)
            return self.fallback.admit(user_id)
        if verdict is Verdict.WARN:
            # What comes during the pause is turned away here without a database round trip.
            # (Updates already past this point are counted in the database: DROP.)
            self._paused[user_id] = now + self.pause
            if len(self._paused) > MAX_TRACKED_USERS:
                self._paused.popitem(last=False)
        return verdict

    def paused(self, user_id: int) -> float:
        """Seconds left of the user's pause, asked by the process that warned (0 when none)."""
        return max(0.0, self._paused.get(user_id, 0.0) - self.clock())
