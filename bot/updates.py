"""Concurrency for updates: different chats in parallel, one chat's updates in order."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently, except two of the same chat, which keep their order.

    A user who answers two registration steps quickly must have them handled one after the
    other; other users must not wait for that.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        # Locks disappear with the last update of their chat that holds a reference.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Wait for the chat's earlier updates, then run this one."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.get(chat.id)
        if lock is None:
            lock = self._locks[chat.id] = asyncio.Lock()
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
