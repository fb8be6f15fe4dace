"""Pacing sends under Telegram's limits: so many messages a second overall, one chat at most
once per interval, and everything paused while Telegram says to wait (RetryAfter).

Sends are spaced evenly (a slot every 1/rate seconds) rather than let through in bursts, so
the rate holds over any window. A sender that fell behind may catch up by `burst` slots.
Only chats sent to within the last interval are remembered: memory does not grow with the
number of recipients.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable


class Limiter:
    """Hands out send slots; `await acquire(chat_id)` returns when a send may start."""

    def __init__(
        self,
        rate: float,
        chat_interval: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.chat_interval = chat_interval
        self._step = 1.0 / rate
        self._burst = burst
        self._clock = clock
        self._next = float("-inf")  # the next free global slot
        self._paused_until = float("-inf")
        # chat id → when it may get its next message, oldest first (pruned as time passes).
        self._chats: OrderedDict[int, float] = OrderedDict()

    def pause(self, seconds: float) -> None:
        """Telegram said RetryAfter: nothing is sent for `seconds` from now."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def reserve(self, chat_id: int) -> float:
        """Books the earliest slot for chat_id; returns its time."""
        now = self._clock()
        self._forget_before(now)
        if self._next < now - self._burst * self._step:
            self._next = now  # idle for a while: no credit for the slots nobody used
        earliest = max(self._paused_until, self._chats.get(chat_id, float("-inf")))
        # A slot up to `burst` steps in the past is given at once: a sender that fell behind
        # (a slow commit) catches up, while a flood after an idle time is not allowed.
        slot = max(earliest, self._next)
        self._next = slot + self._step
        self._chats[chat_id] = slot + self.chat_interval
        self._chats.move_to_end(chat_id)
        return slot

    def _forget_before(self, now: float) -> None:
        # Entries are appended in slot order, so their due times are (nearly) increasing.
        while self._chats:
            chat, due = next(iter(self._chats.items()))
            if due > now:
                break
            del self._chats[chat]

    async def acquire(self, chat_id: int) -> None:
        """Waits for this chat's slot (and any pause Telegram asked for)."""
        while True:
            slot = self.reserve(chat_id)
            delay = slot - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            # A RetryAfter that arrived while we slept moves everything after it.
            if self._clock() >= self._paused_until:
                return

    @property
    def tracked_chats(self) -> int:
        """How many chats are remembered (bounded by rate × chat interval)."""
        return len(self._chats)
