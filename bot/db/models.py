"""SQLAlchemy models: the tables the bot keeps, shared by the app and the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Every constraint gets a predictable name, so that Alembic's batch mode on SQLite (which
# rebuilds tables) and later migrations can find and drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Outcome(StrEnum):
    """What the bot did with a question."""

    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNKNOWN = "unknown"
    NONE_OF_THESE = "none_of_these"


class Feedback(StrEnum):
    """What the asker said about an answer."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that is stored in UTC and always read back aware."""

    # SQLite keeps DateTime as text without an offset and returns naive values; normalising
    # to UTC on the way in and tagging UTC on the way out gives both backends one behaviour.
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and store aware ones in UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (the clock's now)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored timestamp as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _one_of(column: str, values: type[StrEnum]) -> str:
    listed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({listed})"


class Base(DeclarativeBase):
    """Declarative base: every model shares this metadata and its naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class User(Base):
    """A person who has written to the bot."""

    __tablename__ = "users"

    # Telegram user ids exceed 32 bits; they are Telegram's, never generated here.
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Explicit /language choice; wins over telegram_language when set.
    language: Mapped[str | None] = mapped_column(String(8))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    first_name: Mapped[str | None] = mapped_column(String(256))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    subscribed: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when Telegram answers Forbidden: broadcasts skip the user until they write again.
    blocked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"User(telegram_id={self.telegram_id}, language={self.language!r})"


class QuestionLog(Base):
    """One question asked, what the bot did with it, and what the asker thought."""

    __tablename__ = "question_log"
    __table_args__ = (
        # The curators' review lists misses by outcome, newest first.
        Index("ix_question_log_outcome_created_at", "outcome", "created_at"),
        CheckConstraint(_one_of("outcome", Outcome), name="outcome"),
        CheckConstraint(_one_of("feedback", Feedback), name="feedback"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept when the user is deleted (privacy requests): the question stays for curators.
    telegram_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.telegram_id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    entry_id: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    feedback: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"QuestionLog(id={self.id}, outcome={self.outcome!r}, text={self.text[:40]!r})"
