"""Engine and session factory; created by the caller once per process, never at import."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.config import DEFAULT_DB_TIMEOUT_S
from bot.db import onehop
from bot.db.deadline import Deadline, DeadlineSessions, PromptCancelConnection
from bot.db.url import async_url

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_TIMEOUT_S = 30
# A connection whose server stops acknowledging what is sent (the network is gone) is closed by
# the kernel after this long; keepalives find an idle one that died. Neither notices a server
# that is frozen but whose kernel still answers: the deadline (bot/db/deadline.py) covers that.
TCP_USER_TIMEOUT_MS = 20_000
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}

# WAL lets readers proceed while one writer commits; NORMAL is durable under WAL except for
# the last transactions on power loss; SQLite leaves foreign keys off unless asked, per
# connection; busy_timeout makes a second writer wait instead of failing with "locked";
# secure_delete overwrites deleted and updated-away content with zeros, so erased personal
# data does not linger in free space of the file.
SECURE_DELETE = "PRAGMA secure_delete=ON"
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    SECURE_DELETE,
)


def make_engine(
    url: str, *, echo: bool = False, timeout: float = DEFAULT_DB_TIMEOUT_S, pool_size: int = 5
) -> AsyncEngine:
    """Create the asyncio engine for an operator's DATABASE_URL (SQLite or PostgreSQL).

    Statement parameters are left out of error messages: they are people's names and
    questions, and error messages end up in logs. On PostgreSQL, `timeout` (DB_TIMEOUT_SECONDS)
    bounds connecting and waiting for a pooled connection; pool_size the connections kept.
    """
    target = async_url(url)
    if make_url(target).get_backend_name() == "sqlite":
        # SQLite lets one writer in at a time, and a writer that finds it busy sleeps in
        # steps of milliseconds. One connection per process queues the transactions in the
        # pool instead, without sleeping; busy_timeout still covers a second process.
        engine = create_async_engine(
            target,
            echo=echo,
            hide_parameters=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_POOL_TIMEOUT_S,
        )
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        # Each statement one trip to aiosqlite's thread instead of four (bot/db/onehop.py).
        event.listen(engine.sync_engine, "connect", onehop.install)
        return engine
    return create_async_engine(
        target,
        echo=echo,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        # A restarted server or a NAT that drops idle sockets must not cost a user's message.
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=timeout,
        connect_args={
            # Cancelled mid-query (a deadline), a connection is closed at once, not after
            # psycopg has waited for the server to confirm the cancel (bot/db/deadline.py).
            "async_creator_fn": PromptCancelConnection.connect,
            "connect_timeout": max(2, math.ceil(timeout)),  # libpq: whole seconds, 2 at least
            "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
            **KEEPALIVES,
        },
    )


def make_sessions(
    engine: AsyncEngine, timeout: float = DEFAULT_DB_TIMEOUT_S
) -> tuple[DeadlineSessions, Deadline]:
    """The handlers' session factory, each unit of work bounded by `timeout` on PostgreSQL.

    SQLite is a local file: it does not hang the way a network does, and a transaction cut
    short there would wait for its statement anyway (aiosqlite runs it in a thread); its
    waits are bounded by busy_timeout and the pool instead.
    """
    sqlite = engine.dialect.name == "sqlite"
    deadline = Deadline(None if sqlite else timeout)
    return DeadlineSessions(make_sessionmaker(engine), deadline), deadline


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory; objects stay readable after commit for rendering replies."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Runs on the raw driver connection, outside any transaction, where PRAGMAs take effect.
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


async def checkpoint(engine: AsyncEngine) -> None:
    """SQLite: move the WAL into the database file and empty it (after an erasure).

    The WAL keeps old copies of pages until they are checkpointed, and is reused, not
    truncated, so on a quiet bot an erased name could stay in it for days. Other databases:
    nothing to do here.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
