"""What a message leaves behind, as plain values: written later, in batches, by the recorder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.models import Feedback, Outcome


@dataclass(frozen=True, slots=True)
class Seen:
    """A user wrote to the bot at `at`, and Telegram said this about them."""

    telegram_id: int
    telegram_language: str | None
    first_name: str | None
    at: datetime
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """A question, keyed by the Telegram message it came in, and what the bot did with it."""

    chat_id: int
    message_id: int
    telegram_id: int | None
    text: str
    lang: str
    entry_id: str | None
    confidence: float
    outcome: Outcome
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class Reaction:
    """What the asker did with the reply to a question; None leaves a field as it was."""

    chat_id: int
    message_id: int
    telegram_id: int
    outcome: Outcome | None = None
    entry_id: str | None = None
    feedback: Feedback | None = None
