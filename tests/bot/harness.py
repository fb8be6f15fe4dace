"""A real Application over the in-process Bot API, driven like a Telegram user would drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.console import running
from bot.db.session import make_sessionmaker
from bot.db.url import async_url
from bot.db.userstate import user_states
from bot.kb.answer import QuestionAnswerer
from bot.localapi import LocalBotApi, SentMessage, local_bot_request

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@dataclass
class Harness:
    """The fake Telegram server and the bot running over it."""

    api: LocalBotApi
    app: Application

    async def feed(self, update: dict[str, Any]) -> None:
        """Push one update (Telegram's JSON) through the Application."""
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def send(
        self, user: int, text: str, *, lang: str | None = "en", **kwargs: Any
    ) -> list[SentMessage]:
        """The user writes text; returns what the bot sent to that chat in reply."""
        chat = kwargs.get("chat_id") or user
        before = len(self.api.messages(chat))
        await self.feed(self.api.message_update(user, text, language_code=lang, **kwargs))
        return self.api.messages(chat)[before:]

    async def press(
        self, user: int, message: SentMessage, label: str, *, lang: str | None = "en"
    ) -> list[SentMessage]:
        """The user presses the button whose text contains `label`; returns new messages."""
        data = [d for text, d in self.api.buttons(message) if label in text]
        assert data, f"no button {label!r} in {self.api.buttons(message)}"
        before = len(self.api.messages(user))
        await self.feed(
            self.api.callback_update(user, message.message_id, data[0], language_code=lang)
        )
        return self.api.messages(user)[before:]


async def rows(bot: Harness, model: type) -> list[Any]:
    """Every row of a table in primary-key order, read through the bot's own sessions.

    The question log and users' rows are written in batches: what is queued is written first.
    """
    order = next(iter(model.__table__.primary_key.columns))
    services = bot.app.bot_data["services"]
    await services.activity.flush()
    async with services.sessions() as session:
        return list((await session.scalars(select(model).order_by(order))).all())


@asynccontextmanager
async def unreachable(bot: Harness) -> AsyncIterator[None]:
    """A database that cannot even be opened, for as long as the block lasts, on every path:
    the sessions, the read every message makes, and the recorder's batches."""
    services = bot.app.bot_data["services"]
    url = "sqlite:////nonexistent-directory/iuc/bot.sqlite3"
    # No pool: SQLAlchemy's queue pool does not wake a waiter when another connection
    # attempt fails, so with the app's single SQLite slot the recorder and a handler that
    # fail together wait out pool_timeout (30 s). Known, noted; not what these tests test.
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    broken = make_sessionmaker(engine)
    working = services.sessions, services.user_states, services.activity.sessions
    services.sessions, services.activity.sessions = broken, broken
    services.user_states = user_states(url, engine)
    try:
        yield
    finally:
        services.sessions, services.user_states, services.activity.sessions = working
        # Disposed after the bot stops: the recorder may be retrying on it at this moment.
        bot.app.bot_data.setdefault("engines to dispose", []).append(engine)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: a local token, the given database, the shipped knowledge."""
    return Settings(token="123456:" + "A" * 30, database_url=database_url, **overrides)


@asynccontextmanager
async def run_bot(
    database_url: str,
    qa: QuestionAnswerer,
    *,
    rate_limit: bool = False,
    flood_control: bool = False,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """Build and run the real bot over a fresh in-process Bot API (rate_limit, flood_control:
    as `run` does)."""
    api = LocalBotApi()
    app = build_application(
        make_settings(database_url, **overrides),
        qa,
        request=local_bot_request(api),
        updates_request=local_bot_request(api),
        rate_limit=rate_limit,
        flood_control=flood_control,
    )
    app.bot_data["services"].clock = lambda: NOW
    async with running(app):
        yield Harness(api, app)
    for engine in app.bot_data.get("engines to dispose", []):
        await engine.dispose()
