"""Helpers for the outbox tests: recipients, a broadcast enqueued as the composer does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from bot.broadcast import store
from bot.broadcast.models import OutboxRow
from bot.db import repo
from bot.db.models import User
from bot.i18n import translator
from tests.bot.harness import Harness

AUTHOR = 900001
# Fast enough for tests; the limits themselves are measured in benchmarks/broadcast.py.
FAST = {
    "broadcast_rate": 1000.0,
    "broadcast_chat_interval": 0.0,
    "broadcast_retry_seconds": 0.01,
    "broadcast_progress_seconds": 0.05,
}


async def add_users(bot: Harness, langs: dict[int, str | None]) -> None:
    """Users as if they had written to the bot, with their /language choice."""
    services = bot.app.bot_data["services"]
    async with services.sessions.begin() as session:
        for uid, lang in langs.items():
            await repo.touch_user(
                session, uid, telegram_language=None, first_name=f"Name{uid}", now=services.clock()
            )
            await repo.set_language(session, uid, lang)


async def broadcast(
    bot: Harness,
    recipients: Iterable[int],
    texts: dict[str, str] | None = None,
    *,
    author_lang: str = "en",
    **options: Any,
) -> int:
    """Create and enqueue a broadcast to these users (who must exist), as /broadcast does."""
    services = bot.app.bot_data["services"]
    ids = list(recipients)
    async with services.sessions.begin() as session:
        made = await store.create(
            session,
            author_id=AUTHOR,
            author_lang=author_lang,
            texts=texts or {"en": "<b>News</b> for everyone"},
            fallback_lang=next(iter(texts or {"en": ""})),
            now=services.clock(),
            **options,
        )
        audience = select(User.telegram_id, User.language).where(User.telegram_id.in_(ids))
        await store.enqueue(session, made.id, audience, services.clock())
    services.outbox.wake()
    return made.id


async def outbox(bot: Harness, broadcast_id: int) -> dict[int, OutboxRow]:
    """The broadcast's rows by recipient."""
    services = bot.app.bot_data["services"]
    async with services.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.broadcast_id == broadcast_id)
        )
        return {row.user_id: row for row in rows}


async def counts(bot: Harness, broadcast_id: int) -> store.Counts:
    """The broadcast's counts by state."""
    async with bot.app.bot_data["services"].sessions() as session:
        return await store.counts(session, broadcast_id)


async def until(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Waits until check() (sync or async) is truthy; a guard against hanging, not a timing."""
    async with asyncio.timeout(seconds):
        while True:
            value = check()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(0.01)


async def finished(bot: Harness, broadcast_id: int, lang: str = "en") -> store.Counts:
    """Waits for the broadcast's report to its author; returns the final counts."""
    heading = translator(lang).gettext("Broadcast #{id} is finished.").format(id=broadcast_id)

    def reported() -> bool:
        return any(m.plain.startswith(heading) for m in bot.api.messages(AUTHOR))

    await until(reported)
    return await counts(bot, broadcast_id)


def report(bot: Harness) -> str:
    """The author's last message (the report, once finished)."""
    return bot.api.last_message(AUTHOR).plain
