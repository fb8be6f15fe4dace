"""What the sender needs from Telegram, and what it gets back, without importing telegram."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.broadcast.claims import Job
from bot.broadcast.models import Broadcast
from bot.broadcast.store import Counts


class Outcome(StrEnum):
    """How one request to Telegram ended."""

    DONE = "done"  # sent, edited or deleted (or nothing was left to edit or delete)
    RETRY_AFTER = "retry_after"  # flood control: everything waits `retry_after` seconds
    BLOCKED = "blocked"  # Forbidden: the user blocked the bot
    FAILED = "failed"  # refused for good (BadRequest)
    TRANSIENT = "transient"  # the request did not get through (network): try again later
    UNKNOWN = "unknown"  # it may have got through and the answer was lost: never resent


@dataclass(frozen=True)
class Result:
    """The outcome of one request; message_id for a sent message."""

    outcome: Outcome
    message_id: int | None = None
    error: str | None = None
    retry_after: float = 0.0


@dataclass(frozen=True)
class Content:
    """A broadcast as it is sent: a snapshot read with the batch it goes out in."""

    id: int
    revision: int
    texts: dict[str, str]
    fallback_lang: str
    media_kind: str | None
    media_file_id: str | None
    visit_id: int | None
    deleted: bool
    visit_titles: dict[str, str] = field(default_factory=dict)  # for the Register button

    @classmethod
    def of(cls, broadcast: Broadcast, visit_titles: dict[str, str] | None = None) -> Content:
        """The snapshot of a broadcast row (and of its visit's titles)."""
        return cls(
            id=broadcast.id,
            revision=broadcast.revision,
            texts=dict(broadcast.texts),
            fallback_lang=broadcast.fallback_lang,
            media_kind=broadcast.media_kind,
            media_file_id=broadcast.media_file_id,
            visit_id=broadcast.visit_id,
            deleted=broadcast.deleted_at is not None,
            visit_titles=dict(visit_titles or {}),
        )

    def text_for(self, lang: str) -> str:
        """The text in lang, else in the fallback language."""
        return self.texts.get(lang) or self.texts[self.fallback_lang]

    def visit_title(self, lang: str) -> str:
        """The visit's title in lang, else English, else any ("" without a visit)."""
        titles = self.visit_titles
        return titles.get(lang) or titles.get("en") or next(iter(titles.values()), "")


class Transport(Protocol):
    """Talks to Telegram for the sender (bot/handlers/coordinators/broadcasts/delivery.py)."""

    async def send(self, content: Content, job: Job) -> Result:
        """Send the broadcast to job.user_id in job.lang."""
        ...

    async def edit(self, content: Content, job: Job) -> Result:
        """Show the broadcast's current text in the sent message job.message_id."""
        ...

    async def delete(self, job: Job) -> Result:
        """Delete the sent message job.message_id."""
        ...

    async def progress(self, broadcast: Broadcast, counts: Counts) -> int | None:
        """Show the author how far delivery is (edit broadcast.progress_message_id, or send
        one). Returns the progress message's id (None: none shown)."""
        ...

    async def report(
        self, broadcast: Broadcast, counts: Counts, blocked: list[tuple[int, str | None]]
    ) -> None:
        """The final report to the author: delivered, blocked (who), failed, unknown."""
        ...
