"""Group commit for what every message records: who wrote, and the question log.

A question's reply must not wait for a database commit: on SQLite one commit costs more than
everything else a question does. So the question handler only queues its records here, and one
task writes everything queued in one transaction, then everything queued meanwhile, and so on.
The busier the bot, the larger the batches and the fewer the commits.

What this trades: records spend the time of one commit (milliseconds) in memory only, and a
crash loses at most those. While the database is unreachable they stay queued and are retried
with growing pauses, up to MAX_PENDING records; a record the database refuses for itself
(a constraint, say) is logged and dropped so that it cannot hold up the others. Shutdown
writes what is queued. Anything that must be read back at once (/mydata, /forget_me) calls
`flush()` first.

Writes that a later step depends on (the /language choice, registrations, drafts) do not come
here: they are committed before the reply, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repo
from bot.db.records import Question, Reaction, Seen
from bot.observe.metrics import QUESTIONS

log = logging.getLogger(__name__)

MAX_PENDING = 100_000  # questions and reactions held while the database is away (~50 MB)
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 30.0
CLOSE_TIMEOUT_S = 10.0
# How long a handler that must read back what is queued (/mydata, /forget_me, a block)
# waits for flush() before telling the user to try again.
FLUSH_TIMEOUT_S = 5.0
# A batch that takes longer is given up and tried again: a connection that hangs (a network
# that drops packets silently) must not stop the recorder for good.
WRITE_TIMEOUT_S = 30.0


@dataclass
class _Batch:
    seen: dict[int, Seen] = field(default_factory=dict)  # the newest per user is enough
    questions: list[Question] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.seen) + len(self.questions) + len(self.reactions)


class ActivityRecorder:
    """Queues records in memory and writes them in batches from one task (start, flush, close)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_pending: int = MAX_PENDING,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.sessions = sessions
        self.max_pending = max_pending
        self.close_timeout = CLOSE_TIMEOUT_S
        self.batches = 0  # transactions committed, for the logs and the benchmark
        self.dropped = 0  # records given up on (refused, or over MAX_PENDING), for the logs
        self._sleep = sleep
        self._queued = _Batch()
        self._wake = asyncio.Event()
        # Records are numbered as they are queued; flush() waits for its number to be written
        # (not for an empty queue, which a busy bot may never have).
        self._queued_upto = 0
        self._written_upto = 0
        self._committed = asyncio.Event()  # set and replaced after every commit
        self._task: asyncio.Task[None] | None = None
        self._in_flight = 0  # records of the batch being written

    # --- what handlers call: never waits -----------------------------------------------------

    def seen(self, seen: Seen) -> None:
        """A user wrote (their row is created or refreshed)."""
        known = self._queued.seen.get(seen.telegram_id)
        if known is None or known.at <= seen.at:
            self._queued.seen[seen.telegram_id] = seen
        self._queued_something()

    def asked(self, question: Question) -> None:
        """A question was answered (or not). Queue `seen` for the asker before: the log row
        refers to theirs."""
        QUESTIONS.inc(str(question.outcome))  # /metrics: answered, suggested, unknown
        self._queued.questions.append(question)
        self._queued_something()
        self._limit()

    def reacted(self, reaction: Reaction) -> None:
        """The asker picked a suggestion, pressed "none of these", or gave feedback."""
        self._queued.reactions.append(reaction)
        self._queued_something()
        self._limit()

    @property
    def pending(self) -> int:
        """Records queued and not yet committed (including a batch being written)."""
        return len(self._queued) + self._in_flight

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writing task (in the running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="activity recorder"
            )

    async def flush(self) -> None:
        """Wait until everything queued so far is written or given up (callers bound the wait)."""
        if self._task is None:
            raise RuntimeError("the activity recorder is not started")
        target = self._queued_upto
        self._wake.set()
        while self._written_upto < target:
            await self._committed.wait()

    async def close(self) -> None:
        """Write what is queued (waiting up to close_timeout seconds), then stop."""
        if self._task is None:
            return
        try:
            async with asyncio.timeout(self.close_timeout):
                await self.flush()
        except TimeoutError:
            log.error(
                "shutting down with %d activity records not written (database unavailable)",
                self.pending,
            )
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    # --- the writing task --------------------------------------------------------------------

    def _queued_something(self) -> None:
        self._queued_upto += 1
        self._wake.set()

    def _limit(self) -> None:
        over = len(self._queued.questions) + len(self._queued.reactions) - self.max_pending
        if over > 0:
            # Oldest first: the database has been away for a long time; memory must not grow.
            cut = min(over, len(self._queued.questions))
            del self._queued.questions[:cut]
            del self._queued.reactions[: over - cut]
            if self.dropped // 1000 != (self.dropped + over) // 1000 or not self.dropped:
                log.error(
                    "activity queue full: dropped the oldest records (%d so far)",
                    self.dropped + over,
                )
            self.dropped += over

    async def _run(self) -> None:
        delay = RETRY_FIRST_S
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._queued = self._queued, _Batch()
            upto = self._queued_upto
            if not batch:  # what was queued was dropped meanwhile (a full queue)
                self._done_upto(upto)
                continue
            self._in_flight = len(batch)
            try:
                await self._write(batch)
            except Exception as exc:
                if _refused(exc):
                    # The database refused something in the batch: find it, keep the rest.
                    log.warning("activity batch refused; writing its records one by one")
                    written = await self._write_one_by_one(batch)
                else:
                    log.warning(
                        "could not write %d activity records; retrying in %.1f s",
                        len(batch),
                        delay,
                        exc_info=True,
                    )
                    self._put_back(batch)
                    written = False
                if not written:
                    await self._sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
                    self._wake.set()
                    continue
            delay = RETRY_FIRST_S
            self.batches += 1
            self._in_flight = 0
            self._done_upto(upto)
            if self._queued:
                self._wake.set()

    def _done_upto(self, upto: int) -> None:
        """Records up to number `upto` are written (or given up): wake flush() callers."""
        self._written_upto = upto
        self._committed.set()
        self._committed = asyncio.Event()

    async def _write(self, batch: _Batch) -> None:
        async with asyncio.timeout(WRITE_TIMEOUT_S), self.sessions.begin() as session:
            # Users first: a logged question refers to its asker's row.
            await repo.touch_users(session, list(batch.seen.values()))
            await repo.log_questions(session, batch.questions)
            await repo.apply_reactions(session, batch.reactions)

    async def _write_one_by_one(self, batch: _Batch) -> bool:
        """Each record in its own transaction; refused ones are dropped. False: database away."""
        singles = (
            [_Batch(seen={s.telegram_id: s}) for s in batch.seen.values()]
            + [_Batch(questions=[q]) for q in batch.questions]
            + [_Batch(reactions=[r]) for r in batch.reactions]
        )
        for number, single in enumerate(singles):
            try:
                await self._write(single)
            except Exception as exc:
                if _refused(exc):
                    # Only the kind and key are logged: question texts may be personal (and
                    # the engine leaves statement parameters out of its errors).
                    self.dropped += 1
                    log.exception(
                        "dropped an activity record the database refused: %s", _key(single)
                    )
                    continue
                rest = _Batch()
                for left in singles[number:]:
                    rest.seen.update(left.seen)
                    rest.questions += left.questions
                    rest.reactions += left.reactions
                self._put_back(rest)
                return False
        return True

    def _put_back(self, batch: _Batch) -> None:
        """Return a batch that was not written in front of what was queued meanwhile."""
        newer = self._queued
        self._queued = batch
        for seen in newer.seen.values():
            known = batch.seen.get(seen.telegram_id)
            if known is None or known.at <= seen.at:
                batch.seen[seen.telegram_id] = seen
        batch.questions += newer.questions
        batch.reactions += newer.reactions
        self._in_flight = 0
        self._limit()


def _key(single: _Batch) -> str:
    if single.seen:
        return f"user {next(iter(single.seen))}"
    if single.questions:
        q = single.questions[0]
        return f"question {q.chat_id}/{q.message_id}"
    r = single.reactions[0]
    return f"reaction to {r.chat_id}/{r.message_id}"


def _refused(exc: BaseException) -> bool:
    """Whether the database refused the rows themselves (a constraint, a value it cannot take).

    Only then is trying again pointless. Anything else (the database away or busy, a lost
    connection, a timeout, even its tables missing until a migration runs) is worth waiting for.
    """
    if isinstance(exc, IntegrityError | DataError):
        return True
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):
        return True  # a value SQLAlchemy could not even bind, e.g. a naive datetime
    return isinstance(exc, ValueError | TypeError)
