"""Flood control: how many updates one user may send in a while, without Telegram.

A user over the limit is told once to slow down, then ignored for a pause, then served again.
Everybody else is unaffected: the verdict costs a dictionary look-up, so the flood of one user
is turned away before any database or matcher work, and other chats keep their share.

This gate counts in one process's memory: right for SQLite (one process per database file).
On PostgreSQL, where several processes may answer one webhook, bot/db/flood.py counts in the
database with the same rule.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Users tracked at most (the least recently seen are forgotten first): bounded memory however
# many people write.
MAX_TRACKED_USERS = 100_000


class Verdict(enum.Enum):
    """What to do with one update."""

    SERVE = "serve"
    WARN = "warn"  # the first update over the limit: say "slow down" once
    DROP = "drop"  # during the pause that follows


@dataclass
class _User:
    times: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0


class FloodGate:
    """At most `limit` updates per user in any `window` seconds; over it, a `pause`."""

    def __init__(
        self,
        limit: int,
        window: float,
        pause: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = MAX_TRACKED_USERS,
    ) -> None:
        self.limit, self.window, self.pause = limit, window, pause
        self.clock = clock
        self.max_users = max_users
        self._users: OrderedDict[int, _User] = OrderedDict()

    def admit(self, user_id: int) -> Verdict:
        """Count one update of `user_id` and say whether to serve it."""
        now = self.clock()
        user = self._users.pop(user_id, None) or _User()
        self._users[user_id] = user  # most recently seen last
        if len(self._users) > self.max_users:
            self._users.popitem(last=False)
        if now < user.paused_until:
            return Verdict.DROP
        times = user.times
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            # The pause starts now; afterwards the user starts with a clean slate, so one
            # message after the pause is answered at once.
            user.paused_until = now + self.pause
            times.clear()
            return Verdict.WARN
        times.append(now)
        return Verdict.SERVE

    async def check(self, user_id: int) -> Verdict:
        """admit() as the door calls it (the shared gate, bot/db/flood.py, asks the database)."""
        return self.admit(user_id)

    def paused(self, user_id: int) -> float:
        """Seconds left of the user's pause (0 when not paused)."""
        user = self._users.get(user_id)
        return max(0.0, user.paused_until - self.clock()) if user else 0.0
