"""One chat's updates are handled in order; other chats do not wait for them."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.localapi import LocalBotApi
from bot.updates import PerChatUpdateProcessor


async def test_same_chat_in_order_other_chats_in_parallel() -> None:
    api = LocalBotApi()
    updates = [
        Update.de_json(api.message_update(user, text), None)
        for user, text in ((1, "slow"), (1, "fast"), (2, "other"))
    ]
    done: list[str] = []

    async def handle(update: Update) -> None:
        if update.message.text == "slow":
            await asyncio.sleep(0.05)
        done.append(f"{update.effective_chat.id}:{update.message.text}")

    processor = PerChatUpdateProcessor()
    async with processor:
        await asyncio.gather(*(processor.process_update(u, handle(u)) for u in updates))
    assert done == ["2:other", "1:slow", "1:fast"]
