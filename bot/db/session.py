"""Engine and session factory; created by the caller once per process, never at import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db.url import async_url

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_TIMEOUT_S = 30

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


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the asyncio engine for an operator's DATABASE_URL (SQLite or PostgreSQL).

    Statement parameters are left out of error messages: they are people's names and
    questions, and error messages end up in logs.
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
        return engine
    return create_async_engine(
        target,
        echo=echo,
        hide_parameters=True,
        pool_size=5,
        max_overflow=10,
        # A restarted server or a NAT that drops idle sockets must not cost a user's message.
        pool_pre_ping=True,
        pool_recycle=1800,
    )


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
