"""SQLite: every statement one trip to aiosqlite's thread and back, not four.

SQLAlchemy's aiosqlite adapter runs a statement as aiosqlite's cursor API does: open a cursor,
execute, fetch the rows, close the cursor, each a trip to the connection's thread and back to
the event loop. A trip costs little alone, but it waits for its turn in the loop, and while a
transaction waits its connection (the process's only one on SQLite, see session.py) waits with
it: with many messages at once each trip waited milliseconds, and a transaction of a few
statements held the connection for tens of them. Here the cursor does all four in one function
run on that thread; what SQLAlchemy then reads of it (rows, description, rowcount, lastrowid)
it keeps. A commit or rollback with nothing to end takes no trip at all. Installed by `install`
on every new connection of a SQLite engine.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)


def _run(
    connection: sqlite3.Connection, operation: Any, parameters: Any, many: bool
) -> tuple[Any, list[Any], int, int | None]:
    # On aiosqlite's thread: the whole statement, as the adapter would do it in four trips.
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements take one trip to aiosqlite's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    _awaitable_cursor_close = False  # nothing is left open on the thread

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:  # type: ignore[override]
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._one_trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._one_trip(operation, seq_of_parameters, many=True)

    async def _one_trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            description, rows, rowcount, lastrowid = await self._connection._execute(
                _run, self._connection._conn, operation, parameters, many
            )
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The aiosqlite adapter's connection, with OneHopCursor for its (buffered) cursors.

    A commit or rollback with no transaction open (a unit of work that only read; the pool's
    rollback when a connection comes back after its commit) does nothing in sqlite3: it is not
    sent to the thread at all.
    """

    __slots__ = ()
    _cursor_cls = OneHopCursor

    def _idle(self) -> bool:
        # Read on the event loop: no statement of this connection is running meanwhile (its
        # holder awaits each one), and sqlite3 answers from the connection's state.
        try:
            return not self._connection._conn.in_transaction
        except (ValueError, sqlite3.Error):  # closed: let aiosqlite say so, as it would
            return False

    def commit(self) -> None:
        if not self._idle():
            super().commit()

    def rollback(self) -> None:
        if not self._idle():
            super().rollback()


def install(dbapi_connection: Any, connection_record: Any = None) -> None:
    """Give a new SQLite connection of an aiosqlite engine the one-trip cursor."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
