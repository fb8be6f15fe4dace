"""One sender at a time: the sender's seat, a PostgreSQL advisory lock.

Telegram's limit (about 30 messages a second) is one for the bot, whatever the number of
processes answering its webhook, and a RetryAfter that one process is told applies to all of
them. Two senders each pacing themselves at BROADCAST_RATE would send at twice the rate, and
one would not know about the other's pause. So every process runs a sender, but only the one
holding the seat sends; the others wait for it. The seat is a session-level advisory lock on a
connection of its own: it is released when the holder stops, or when its process dies (the
server closes the connection), and another process takes it within a second or so.

The claims (bot/broadcast/claims.py, FOR UPDATE SKIP LOCKED) stay the guard against sending a
row twice: during a hand-over (a holder whose connection broke sends until it notices, at most
CHECK_EVERY) two senders may overlap for a moment, never on the same row.

SQLite has one process per database file: it needs no seat (`Unseated`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# The advisory lock's key: any constant no other part of the bot uses ("iucsendr" in ASCII;
# migrations use their own key, bot/db/migrate.py).
SEAT_KEY = 0x6975_6373_656E_6472
TRY_EVERY = 1.0  # seconds between two tries for a taken seat
CHECK_EVERY = 1.0  # seconds between two checks that the holder's connection is alive


class Seat(Protocol):
    """Waits until this process may send; yields an awaitable that ends when it may not."""

    def taken(self) -> contextlib.AbstractAsyncContextManager[Awaitable[None]]: ...


class Unseated:
    """SQLite: the one process always sends."""

    @contextlib.asynccontextmanager
    async def taken(self) -> AsyncIterator[Awaitable[None]]:
        yield asyncio.get_running_loop().create_future()  # never done


class AdvisorySeat:
    """The seat on PostgreSQL: pg_try_advisory_lock on a connection held while sending."""

    def __init__(
        self,
        engine: AsyncEngine,
        key: int = SEAT_KEY,
        *,
        try_every: float = TRY_EVERY,
        check_every: float = CHECK_EVERY,
    ) -> None:
        self.engine = engine
        self.key = key
        self.try_every = try_every
        self.check_every = check_every
        self.holding = False  # for tests and the log

    @contextlib.asynccontextmanager
    async def taken(self) -> AsyncIterator[Awaitable[None]]:
        """Waits for the seat, holds it inside the block, gives it back after."""
        connection = await self._take()
        self.holding = True
        watch = asyncio.ensure_future(self._watch(connection))
        try:
            yield watch
        finally:
            self.holding = False
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            await self._give_back(connection)

    async def _take(self) -> AsyncConnection:
        waited = False
        while True:
            connection: AsyncConnection | None = None
            try:
                connection = await self.engine.connect()
                # Autocommit: the lock belongs to the session, and the connection must not sit
                # "idle in transaction" for as long as it is held.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                got = await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
                if got:
                    if waited:
                        log.info("outbox: this process sends the broadcasts now")
                    return connection
            except SQLAlchemyError:
                log.warning("outbox: could not ask for the sender's seat", exc_info=True)
            if connection is not None:
                with contextlib.suppress(SQLAlchemyError):
                    await connection.close()
            if not waited:
                log.info("outbox: another process sends the broadcasts; this one waits")
                waited = True
            await asyncio.sleep(self.try_every)

    async def _watch(self, connection: AsyncConnection) -> None:
        # Returns when the connection (and with it the lock) is gone.
        while True:
            await asyncio.sleep(self.check_every)
            try:
                await connection.scalar(text("SELECT 1"))
            except SQLAlchemyError:
                log.warning("outbox: lost the sender's seat (its connection broke)")
                return

    async def _give_back(self, connection: AsyncConnection) -> None:
        # Whatever state the connection is in (broken, or its check cut short), closing it
        # ends the session, and the server releases the lock with it.
        try:
            await connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # the session, and with it the lock, ends
        finally:
            with contextlib.suppress(Exception):
                await connection.close()
