"""A real Application over the in-process Bot API, driven like a Telegram user would drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.console import running
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


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: a local token, the given database, the shipped knowledge."""
    return Settings(token="123456:" + "A" * 30, database_url=database_url, **overrides)


@asynccontextmanager
async def run_bot(
    database_url: str, qa: QuestionAnswerer, *, rate_limit: bool = False, **overrides: Any
) -> AsyncIterator[Harness]:
    """Build and run the real bot over a fresh in-process Bot API (rate_limit: as `run` does)."""
    api = LocalBotApi()
    app = build_application(
        make_settings(database_url, **overrides),
        qa,
        request=local_bot_request(api),
        updates_request=local_bot_request(api),
        rate_limit=rate_limit,
    )
    app.bot_data["services"].clock = lambda: NOW
    async with running(app):
        yield Harness(api, app)
