"""Group commit: the sender's writes, many to a transaction, each awaited until durable.

Every message costs two writes ("sending" before the request, "sent" after), and a
transaction, even a statement, per write would make the database, not Telegram, the limit (on
SQLite one connection does everything, the replies' reads too). Writes that arrive while a
transaction is being committed wait and go together in the next one: the "sending" marks as
one UPDATE, the "sent" records as one executemany, the rarer outcomes one by one. A caller's
`await` returns only once its write is committed, so "committed before the request" still
holds for every message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import claims

log = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[Any]]
# What is queued: ("mark", row id), ("sent", (row id, message id, revision)) or ("write", fn).
_Item = tuple[str, Any, asyncio.Future[Any]]


class OutboxWrites:
    """The sender's writes for one process (`me`), committed in groups by one task."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        me: str,
        clock: Callable[[], datetime],
        *,
        most: int = 500,
    ) -> None:
        self.sessions = sessions
        self.me = me
        self.clock = clock
        self.most = most  # writes in one transaction at most
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task (in the running loop)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-writes")

    async def stop(self) -> None:
        """Stop after the writes already submitted (call when no more will come)."""
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def mark_sending(self, job_id: int) -> bool:
        """Commit the row as "sending"; False when it is no longer ours (cancelled)."""
        return bool(await self._submit("mark", job_id))

    async def record_sent(self, job_id: int, message_id: int, revision: int) -> None:
        """Commit the row as sent, with its message id and the text's revision."""
        await self._submit("sent", (job_id, message_id, revision))

    async def write(self, write: Write) -> Any:
        """Any other write; its result once committed."""
        return await self._submit("write", write)

    async def _submit(self, kind: str, payload: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((kind, payload, future))
        # Shielded: a caller cancelled while waiting does not undo a write already queued.
        return await asyncio.shield(future)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < self.most:
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[_Item]) -> None:
        try:
            async with self.sessions.begin() as session:
                results = await self._apply(session, batch)
        except Exception as exc:  # every caller hears of it; none waits forever
            if len(batch) == 1:
                if not batch[0][2].done():
                    batch[0][2].set_exception(exc)
                return
            # One bad write must not take the others down with it: each on its own.
            log.warning("outbox: a group of %d writes failed; retrying one by one", len(batch))
            for item in batch:
                await self._commit([item])
            return
        for (_, _, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _apply(self, session: AsyncSession, batch: list[_Item]) -> list[Any]:
        marks = [payload for kind, payload, _ in batch if kind == "mark"]
        sent = [payload for kind, payload, _ in batch if kind == "sent"]
        marked = await claims.mark_sending_many(session, marks, self.me) if marks else set()
        if sent:
            await claims.record_sent_many(session, self.me, sent, self.clock())
        results = []
        for kind, payload, _ in batch:
            if kind == "mark":
                results.append(payload in marked)
            elif kind == "write":
                results.append(await payload(session))
            else:
                results.append(None)
        return results
