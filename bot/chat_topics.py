"""What the last answer in each chat was about, kept for a few minutes for follow-up questions.

In the memory of this process, bounded in size and time: a restart, or a second bot process
answering the next message, only means that a follow-up is read on its own. Domain-free: the
keys are chat ids, the values the record ids of `Answer.about`.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

FOLLOW_UP_WINDOW = timedelta(minutes=5)
MAX_CHATS = 10_000


class ChatTopics:
    """Per chat: the records of the last answer, until `window` after it or evicted."""

    def __init__(self, window: timedelta = FOLLOW_UP_WINDOW, limit: int = MAX_CHATS) -> None:
        self.window = window
        self.limit = limit
        self._topics: OrderedDict[int, tuple[datetime, tuple[str, ...]]] = OrderedDict()

    def get(self, chat_id: int, now: datetime) -> tuple[str, ...]:
        """The records the chat's last answer was about, if it is recent enough."""
        entry = self._topics.get(chat_id)
        if entry is None:
            return ()
        at, about = entry
        if now - at > self.window:
            del self._topics[chat_id]
            return ()
        return about

    def remember(self, chat_id: int, about: tuple[str, ...], now: datetime) -> None:
        """Keep what the chat's latest answer was about (nothing: forget the chat)."""
        self._topics.pop(chat_id, None)
        if not about:
            return
        self._topics[chat_id] = (now, about)
        # The chats answered longest ago go first: they are the least likely to follow up.
        while len(self._topics) > self.limit:
            self._topics.popitem(last=False)

    def __len__(self) -> int:
        return len(self._topics)
