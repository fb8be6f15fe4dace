"""What every message needs to know about its sender before replying.

Two facts: the /language choice, and which conversations (a registration draft, a coordinator's
edit) are saved: the text is then an answer to one of them, not a question, and each handler
group looks for its own draft only when its kind is among them. Both are read fresh for every
message, never cached: another process (or a restart) may have changed them a moment ago.

On SQLite the read goes through a plain sqlite3 connection of its own, on the event loop
itself: an indexed read of two small tables takes microseconds, and in WAL mode a reader never
waits for a writer, whereas a hop to aiosqlite's thread and back costs far more than the read.
On other databases it is one asynchronous round trip.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol
from urllib.parse import quote

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.batch import Batcher
from bot.db import repo
from bot.db.deadline import Deadline
from bot.db.session import SECURE_DELETE
from bot.db.url import sync_url

# (the /language choice or None, the kinds of the conversations saved: empty when none is)
State = tuple[str | None, frozenset[str]]

# A reader that finds the file locked (only while a crashed writer's journal is recovered)
# gives up quickly: the handler then answers without the stored state.
SQLITE_READ_TIMEOUT_S = 0.1


class UserStates(Protocol):
    """Reads (language choice or None, kinds of the saved conversations) for a Telegram user."""

    async def __call__(self, telegram_id: int) -> State: ...

    def close(self) -> None: ...


class EngineUserStates:
    """Any database: the reads of messages that arrive together share one query.

    A burst of messages (a broadcast answered by many, a busy minute) would otherwise take one
    pooled connection and a round trip each; instead the burst's reads wait one turn of the
    event loop for each other and ask for all their users at once (bot/batch.py).
    """

    def __init__(self, engine: AsyncEngine, deadline: Deadline | None = None) -> None:
        self.engine = engine
        self.deadline = deadline or Deadline(None)
        self._batch: Batcher[int, State] = Batcher(self._read_all)

    async def __call__(self, telegram_id: int) -> State:
        """The user's state, read together with the states of other messages waiting now."""
        return await self._batch(telegram_id)

    async def _read_all(self, telegram_ids: list[int]) -> list[State]:
        ids = {"ids": list(dict.fromkeys(telegram_ids))}  # a user may have sent two messages
        async with self.deadline(), self.engine.connect() as connection:
            rows = await connection.execute(repo.LANGUAGES, ids)
            languages = {who: language for who, language in rows}
            kinds: dict[int, set[str]] = {}
            for who, kind in await connection.execute(repo.DRAFT_KINDS, ids):
                kinds.setdefault(who, set()).add(kind)
        return [(languages.get(who), frozenset(kinds.get(who, ()))) for who in telegram_ids]

    def close(self) -> None:
        """Nothing of its own to release (the engine is closed by its owner)."""


class SqliteUserStates:
    """SQLite: the same query, synchronously, on a read-only connection of its own."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._language = str(repo.USER_LANGUAGE.compile(dialect=sqlite.dialect()))
        self._kinds = str(repo.USER_DRAFT_KINDS.compile(dialect=sqlite.dialect()))
        self._connection: sqlite3.Connection | None = None

    async def __call__(self, telegram_id: int) -> State:
        """The user's state; OperationalError (as SQLAlchemy raises it) when unreadable."""
        sql = self._language
        try:
            if self._connection is None:
                self._connection = self._open()
            row = self._connection.execute(sql, (telegram_id,)).fetchone()
            sql = self._kinds
            kinds = frozenset(k for (k,) in self._connection.execute(sql, (telegram_id,)))
        except sqlite3.Error as exc:
            self.close()  # reopened on the next message: the file may be back by then
            raise OperationalError(sql, (telegram_id,), exc) from exc
        return (row[0] if row else None), kinds

    def _open(self) -> sqlite3.Connection:
        # mode=rw: the file must exist already (migrations made it); never create an empty one.
        # Autocommit: every read is its own transaction and sees the latest commit.
        connection = sqlite3.connect(
            f"file:{quote(self.path)}?mode=rw",
            uri=True,
            timeout=SQLITE_READ_TIMEOUT_S,
            isolation_level=None,
        )
        connection.execute("PRAGMA query_only = ON")
        # It never writes, but every connection to the file agrees on secure_delete.
        connection.execute(SECURE_DELETE)
        return connection

    def close(self) -> None:
        """Close the connection (it reopens when needed)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def user_states(
    database_url: str, engine: AsyncEngine, deadline: Deadline | None = None
) -> UserStates:
    """The fastest reader that is correct for this DATABASE_URL (bounded by `deadline`)."""
    url = make_url(sync_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database:
        return SqliteUserStates(url.database)
    return EngineUserStates(engine, deadline)
