"""What /metrics reads from the database when it is scraped: the outbox's messages by state.

Read at scrape time, so every process behind one database shows the same numbers, a restart
loses nothing, and nothing runs between scrapes. The reading goes through the bot's own
sessions, with their deadline: a database that does not answer costs the scrape a few seconds
and leaves the outbox samples out (an unknown value, not an old one shown as current).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import fields

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import store
from bot.observe.metrics import OUTBOX

log = logging.getLogger(__name__)

# A scrape waits this long for the count (Prometheus' own scrape timeout is 10 s by default).
READ_TIMEOUT_S = 3.0

Collect = Callable[[], Awaitable[None]]
# The bot's session factory (bot/db/deadline.py's DeadlineSessions) or a plain async_sessionmaker.
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def read_outbox(sessions: Sessions) -> None:
    """Set the outbox gauge from one grouped count; every state is shown, zeros included."""
    try:
        async with asyncio.timeout(READ_TIMEOUT_S), sessions() as session:
            counts = await store.totals(session)
    except Exception:  # any failure: the scrape still answers, with the other metrics
        OUTBOX.clear()
        log.warning("could not read the outbox for /metrics", exc_info=True)
        return
    OUTBOX.replace({(f.name,): getattr(counts, f.name) for f in fields(counts)})


def collector(sessions: Callable[[], Sessions | None]) -> Collect:
    """What the operations server awaits before each /metrics (sessions: the bot's, once its
    database is open)."""

    async def collect() -> None:
        opened = sessions()
        if opened is None:
            OUTBOX.clear()
            return
        await read_outbox(opened)

    return collect
