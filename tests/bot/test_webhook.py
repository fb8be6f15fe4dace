"""Webhook mode: the real updater's web server accepts only requests with the secret token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.kb.answer import QuestionAnswerer
from tests.bot.harness import Harness, run_bot
from tests.processes import free_port

SECRET = "s3cret"
PATH = "telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Webhook:
    """The bot listening for webhook requests, and where to send them."""

    bot: Harness
    url: str


@pytest.fixture
async def webhook(tmp_path: Path, qa: QuestionAnswerer) -> AsyncIterator[Webhook]:
    """The bot's updater serving a webhook on 127.0.0.1, over the in-process Bot API."""
    port = free_port()
    async with run_bot(f"sqlite:///{tmp_path / 'bot.sqlite3'}", qa) as bot:
        updater = bot.app.updater
        assert updater is not None
        await updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=PATH,
            secret_token=SECRET,
            webhook_url=f"https://example.invalid/{PATH}",
        )
        try:
            yield Webhook(bot, f"http://127.0.0.1:{port}/{PATH}")
        finally:
            await updater.stop()
    assert not updater.running


async def test_set_webhook_is_called_with_the_secret(webhook: Webhook) -> None:
    assert webhook.bot.api.webhook["url"] == f"https://example.invalid/{PATH}"
    assert webhook.bot.api.webhook["secret_token"] == SECRET


async def test_only_requests_with_the_secret_reach_the_bot(webhook: Webhook) -> None:
    api = webhook.bot.api
    question = "When was the partnership agreement signed?"
    async with httpx.AsyncClient(timeout=10) as client:
        missing = await client.post(webhook.url, json=api.message_update(7, question))
        wrong = await client.post(
            webhook.url, json=api.message_update(7, question), headers={HEADER: "guess"}
        )
        right = await client.post(
            webhook.url, json=api.message_update(7, question), headers={HEADER: SECRET}
        )
    assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
    [reply] = await api.wait_for_messages(7)
    assert "15 October 2018" in reply.plain
    await asyncio.sleep(0.2)  # a rejected update that slipped through would be answered by now
    assert len(api.messages(7)) == 1


async def test_a_request_to_another_path_is_not_found(webhook: Webhook) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            webhook.url + "-other",
            json=webhook.bot.api.message_update(7, "/help"),
            headers={HEADER: SECRET},
        )
    assert response.status_code == 404
    await asyncio.sleep(0.2)
    assert webhook.bot.api.messages(7) == []
