"""A deadline on every unit of database work a message waits for (DB_TIMEOUT_SECONDS).

A database that refuses connections fails at once, and every handler already answers that
(a question without the stored state, a command with "the database is not available"). One
that hangs — a frozen server, a network that drops packets silently — would instead hold the
reply until TCP gives up, minutes later. So a unit of work (a transaction, the read every
message makes) that takes longer than the deadline is abandoned and raises `DatabaseTimeout`,
a SQLAlchemyError: every handler then falls back exactly as on a refused connection.

After a timeout the database counts as away for one more deadline: units started meanwhile
fail at once, so a command needing two units, or a burst of messages, pays the wait once.

A connection abandoned mid-exchange cannot be reused (its answer may still arrive): it is closed
on the spot (`PromptCancelConnection`) and SQLAlchemy then discards it from the pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import waiting
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class DatabaseTimeout(SQLAlchemyError):
    """The database did not answer within the deadline (or did not, a moment ago)."""


class Deadline:
    """Bounds units of database work; `seconds=None` bounds nothing (SQLite, see session.py)."""

    def __init__(
        self, seconds: float | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._away_until = float("-inf")

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        """The block runs for at most `seconds`; DatabaseTimeout when it would take longer."""
        if self.seconds is None:
            yield
            return
        if self._clock() < self._away_until:
            raise DatabaseTimeout("the database did not answer a moment ago")
        timeout = asyncio.timeout(self.seconds)
        try:
            async with timeout:
                yield
        except TimeoutError as exc:
            if not timeout.expired():
                raise  # a TimeoutError of the block's own, not the deadline's
            self._away_until = self._clock() + self.seconds
            raise DatabaseTimeout(
                f"the database did not answer within {self.seconds:g} s"
            ) from exc


class DeadlineSessions:
    """The session factory handlers use: `sessions()` and `sessions.begin()`, each bounded."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], deadline: Deadline) -> None:
        self.factory = factory
        self.deadline = deadline

    @property
    def kw(self) -> dict[str, Any]:
        """The factory's session arguments (its engine is `kw["bind"]`), as async_sessionmaker."""
        return self.factory.kw

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        """A session (no transaction begun), bounded by the deadline."""
        async with self.deadline(), self.factory() as session:
            yield session

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction committed at the end, bounded by the deadline."""
        async with self.deadline(), self.factory.begin() as session:
            yield session


class PromptCancelConnection(psycopg.AsyncConnection):
    """A psycopg connection that, cancelled in the middle of an exchange, closes at once.

    psycopg's own answer to a cancelled query is to ask the server to cancel it and then to
    wait for the server's reply, up to ten seconds, over the very network that stopped
    answering. A deadline has passed; the connection is given up instead (its socket closed),
    and SQLAlchemy, finding it closed, invalidates it rather than returning it to the pool.
    """

    async def wait(
        self,
        gen: Any,
        interval: float = 0.1,
        timeout: float | None = None,  # noqa: ASYNC109 (psycopg's own signature)
    ) -> Any:
        """Consume a generator operating on the connection (as psycopg does)."""
        try:
            return await waiting.wait_async(
                gen, self.pgconn.socket, interval=interval, timeout=timeout
            )
        except asyncio.CancelledError:
            self.pgconn.finish()
            raise
