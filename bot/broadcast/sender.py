"""The sender: a long-running task that delivers queued broadcasts, edits and deletions.

One feeder claims due rows in batches (streaming: at most a batch is in memory) and puts them
on a queue; a dispatcher takes them in order, waits for the limiter's slot and starts each
request (a bounded number in flight); a reporter shows each author how far their broadcast
is and reports when it is done.

Exactly once: a row is committed as "sending" just before its request and as sent (with the
message id) right after the answer. Stopping (Application shutdown, or the task cancelled)
never interrupts that pair: a request in flight finishes and is recorded (it is shielded),
then every claimed row not yet started is given back. Only a hard kill between Telegram
accepting and the second commit leaves a row in "sending"; the next start marks it
"unknown" (never resent). See bot/broadcast/claims.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import claims, store
from bot.broadcast.claims import Job
from bot.broadcast.limiter import Limiter
from bot.broadcast.models import Broadcast, BroadcastStatus
from bot.broadcast.results import Content, Outcome, Result, Transport
from bot.broadcast.seat import Seat, Unseated
from bot.broadcast.writes import OutboxWrites
from bot.db.models import Visit

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The real clock (due times are real time, whatever clock the handlers use)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class SenderConfig:
    """The sender's limits and timings (the first four from the settings)."""

    rate: float = 30.0  # messages a second, overall
    chat_interval: float = 1.0  # seconds between two messages to one chat
    max_attempts: int = 5  # network failures before a message counts as failed
    progress_every: float = 5.0  # seconds between two edits of a progress message
    retry_after: float = 2.0  # seconds before the first retry; doubles each time
    retry_max: float = 300.0
    workers: int = 16  # requests in flight at once
    poll_every: float = 1.0  # seconds between looks for due work when idle
    # How old another process's claim must be before it counts as abandoned; None: any
    # other process's claim is (SQLite, one process per database file).
    lease: timedelta | None = None

    @property
    def batch(self) -> int:
        """Rows claimed at once: about a second's worth, at least two per request in flight."""
        return max(2 * self.workers, min(int(self.rate), 500))


class _SeatLost(Exception):
    """The seat's connection broke: another process may be sending now."""


class Sender:
    """Runs as one asyncio task; `start()` in post_init, `await stop()` at shutdown."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Transport,
        config: SenderConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
        seat: Seat | None = None,
    ) -> None:
        self.sessions = sessions
        self.seated = seat is not None  # one sender at a time (several processes)
        self.seat: Seat = seat or Unseated()
        self.transport = transport
        self.config = config
        self.clock = clock
        self.me = uuid.uuid4().hex[:16]  # this process's claims
        # Catching up after a slow moment (a database commit that stalled): up to a fifth of
        # a second's worth at once, and never more than the requests allowed in flight.
        burst = min(config.workers, max(1, int(config.rate / 5)))
        self.limiter = Limiter(config.rate, config.chat_interval, burst=burst)
        self._writes = OutboxWrites(sessions, self.me, clock)
        self._queue: asyncio.Queue[tuple[Job, Content]] = asyncio.Queue()
        self._inflight: set[asyncio.Future[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._changes_due = True  # look for corrections and deletions (at start, on wake)
        self._shown: dict[int, store.Counts] = {}  # last progress shown, per broadcast

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Start the task (in the running loop)."""
        self._task = asyncio.get_running_loop().create_task(self.run(), name="outbox-sender")
        return self._task

    async def stop(self) -> None:
        """Stop: requests in flight finish and are recorded, claimed rows are given back."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def wake(self) -> None:
        """New work (a broadcast enqueued, corrected or deleted): look now, not at the poll."""
        self._changes_due = True
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """The sender's loop; returns only when cancelled."""
        self._wake = asyncio.Event()
        while True:
            # With several processes on PostgreSQL, one sends at a time (bot/broadcast/seat.py).
            async with self.seat.taken() as lost:
                await self._serve(lost)
            # The seat was lost (its connection broke): wait for it again, like the others.

    async def _serve(self, lost: Awaitable[None]) -> None:
        # The previous holder may have been killed: with the seat, any other process's claim
        # is abandoned (no other sender runs), so none waits for the lease.
        await self._recover(None if self.seated else self.config.lease)
        self._writes.start()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._feed())
                group.create_task(self._report_loop())
                group.create_task(self._dispatch())
                await lost
                raise _SeatLost
        except* _SeatLost:
            pass
        finally:
            await self._wind_down()

    async def _recover(self, lease: timedelta | None) -> None:
        try:
            async with self.sessions.begin() as session:
                released, unknown = await claims.sweep(session, self.me, self.clock(), lease)
        except SQLAlchemyError:
            log.warning("outbox: could not recover abandoned rows", exc_info=True)
            return
        if released or unknown:
            log.warning(
                "outbox: %d abandoned rows queued again, %d found mid-send marked unknown",
                released,
                unknown,
            )

    async def _wind_down(self) -> None:
        # Requests already made are recorded, even though we were cancelled: a second
        # cancellation while waiting here (a hard stop) leaves their rows to the next start.
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        await self._writes.stop()
        while not self._queue.empty():
            self._queue.get_nowait()
        try:
            async with self.sessions.begin() as session:
                await claims.release(session, self.me)
        except SQLAlchemyError:
            log.warning("outbox: could not give back claimed rows", exc_info=True)

    # --- feeding the queue --------------------------------------------------------------------

    async def _feed(self) -> None:
        batch = self.config.batch
        while True:
            found = False
            if self._queue.qsize() < batch // 2:
                try:
                    found = await self._claim(batch - self._queue.qsize())
                except SQLAlchemyError:
                    log.warning("outbox: could not claim rows", exc_info=True)
            if found:
                await asyncio.sleep(0)  # let the dispatcher start on them
                continue
            assert self._wake is not None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.poll_every):
                    await self._wake.wait()
            self._wake.clear()

    async def _claim(self, limit: int) -> bool:
        now = self.clock()
        async with self.sessions.begin() as session:
            jobs = await claims.claim_sends(session, self.me, now, limit)
            if not jobs and self._changes_due:
                jobs = await claims.claim_changes(session, self.me, now, limit)
                self._changes_due = bool(jobs)
            if not jobs:
                return False
            ids = {job.broadcast_id for job in jobs}
            found = list(await session.scalars(select(Broadcast).where(Broadcast.id.in_(ids))))
            visits = {b.visit_id for b in found if b.visit_id is not None}
            query = select(Visit.id, Visit.titles).where(Visit.id.in_(visits))
            titles = {visit_id: names for visit_id, names in (await session.execute(query)).all()}
            contents = {b.id: Content.of(b, titles.get(b.visit_id)) for b in found}
        for job in jobs:
            self._queue.put_nowait((job, contents[job.broadcast_id]))
        return True

    # --- sending ---------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        # One dispatcher hands out the limiter's slots in order and starts each request as
        # its own task, so a slow answer holds up neither the schedule nor the others; at
        # most `workers` requests are in flight.
        free = asyncio.Semaphore(self.config.workers)
        while True:
            job, content = await self._queue.get()
            if self._queue.qsize() < self.config.batch // 2 and self._wake is not None:
                self._wake.set()  # running low: the feeder claims the next batch now
            await free.acquire()
            try:
                await self.limiter.acquire(job.user_id)
            except BaseException:
                free.release()
                raise
            # From here on the request and its record are one unit that stopping never
            # splits: cancelling the sender stops the dispatcher, not the unit (_wind_down).
            unit = asyncio.ensure_future(self._deliver(job, content))
            self._inflight.add(unit)
            unit.add_done_callback(self._inflight.discard)
            unit.add_done_callback(lambda _: free.release())

    async def _deliver(self, job: Job, content: Content) -> None:
        try:
            if job.message_id is not None:
                await self._change(job, content)
            else:
                await self._send(job, content)
        except Exception:  # a bug or a database failure: the row is recovered later
            log.exception("outbox: delivering row %s failed", job.id)

    async def _send(self, job: Job, content: Content) -> None:
        if not await self._writes.mark_sending(job.id):
            return  # cancelled meanwhile
        try:
            result = await self.transport.send(content, job)
        except Exception as exc:  # the transport's bug: it may have been sent
            log.exception("outbox: sending row %s raised", job.id)
            result = Result(Outcome.UNKNOWN, error=repr(exc))
        if result.outcome is Outcome.DONE:  # the common case, written in bulk
            await self._record(
                lambda: self._writes.record_sent(job.id, result.message_id or 0, content.revision)
            )
            return
        await self._record(
            lambda: self._writes.write(
                lambda session: self._record_send(session, job, content, result)
            )
        )

    async def _record(self, write: Callable[[], Awaitable[object]]) -> None:
        # The outcome of a request made must not be lost to a passing database failure:
        # a few tries, then the row stays "sending" and the next start reports it unknown.
        for attempt in range(3):
            try:
                await write()
                return
            except SQLAlchemyError:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))

    async def _record_send(
        self, session: AsyncSession, job: Job, content: Content, result: Result
    ) -> None:
        now = self.clock()
        error = result.error or result.outcome.value
        match result.outcome:
            case Outcome.BLOCKED:
                await claims.record_blocked(session, job, self.me, error, now)
            case Outcome.FAILED:
                await claims.record_failed(session, job, self.me, error)
            case Outcome.UNKNOWN:
                await claims.record_unknown(session, job, self.me, error)
            case Outcome.RETRY_AFTER:
                self.limiter.pause(result.retry_after)
                at = now + timedelta(seconds=result.retry_after)
                await claims.record_retry(
                    session,
                    job,
                    self.me,
                    error,
                    at,
                    max_attempts=self.config.max_attempts,
                    counts=False,
                )
            case Outcome.TRANSIENT:
                delay = min(self.config.retry_after * 2**job.attempts, self.config.retry_max)
                await claims.record_retry(
                    session,
                    job,
                    self.me,
                    error,
                    now + timedelta(seconds=delay),
                    max_attempts=self.config.max_attempts,
                )

    async def _change(self, job: Job, content: Content) -> None:
        try:
            if content.deleted:
                result = await self.transport.delete(job)
            else:
                result = await self.transport.edit(content, job)
        except Exception as exc:
            log.exception("outbox: changing row %s raised", job.id)
            result = Result(Outcome.FAILED, error=repr(exc))
        if result.outcome is Outcome.RETRY_AFTER:
            self.limiter.pause(result.retry_after)
        now = self.clock()

        async def write(session: AsyncSession) -> None:
            if result.outcome is Outcome.DONE:
                if content.deleted:
                    await claims.record_changed(session, job, self.me, deleted_at=now)
                else:
                    await claims.record_changed(session, job, self.me, revision=content.revision)
            elif result.outcome in (Outcome.FAILED, Outcome.BLOCKED):
                await claims.record_changed(session, job, self.me, error=result.error)
            else:  # edits and deletions can be repeated safely: try again on a later round
                await claims.record_changed(session, job, self.me)
                self._changes_due = True

        await self._record(lambda: self._writes.write(write))

    # --- progress and the final report ---------------------------------------------------------

    async def _report_loop(self) -> None:
        while True:
            try:
                await self.report()
            except Exception:
                log.warning("outbox: could not report progress", exc_info=True)
            await asyncio.sleep(self.config.progress_every)

    async def report(self) -> None:
        """Update every author's progress message; report the broadcasts that are done."""
        async with self.sessions() as session:
            active = list(
                await session.scalars(
                    select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING.value)
                )
            )
        for broadcast in active:
            async with self.sessions() as session:
                counts = await store.counts(session, broadcast.id)
            if counts.remaining == 0 and await self._finish(broadcast):
                self._shown.pop(broadcast.id, None)
                async with self.sessions() as session:
                    blocked = await store.blocked_users(session, broadcast.id)
                await self.transport.report(broadcast, counts, blocked)
            elif counts.remaining and self._shown.get(broadcast.id) != counts:
                self._shown[broadcast.id] = counts
                shown = await self.transport.progress(broadcast, counts)
                if shown is not None and shown != broadcast.progress_message_id:
                    async with self.sessions.begin() as session:
                        await session.execute(
                            update(Broadcast)
                            .where(Broadcast.id == broadcast.id)
                            .values(progress_message_id=shown)
                        )

    async def _finish(self, broadcast: Broadcast) -> bool:
        # One process wins the change to done and sends the report.
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast.id,
                    Broadcast.status == BroadcastStatus.SENDING.value,
                )
                .values(status=BroadcastStatus.DONE.value, finished_at=self.clock())
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]
