"""The broadcasts and outbox tables (registered on bot.db.models' metadata)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import JSON

from bot.db.models import Base


def one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK that the column holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class BroadcastStatus(StrEnum):
    """Where a broadcast is: composed, being delivered, delivered, or cancelled."""

    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Delivery(StrEnum):
    """Where one recipient's message is."""

    QUEUED = "queued"  # waiting (claimed_by set: a sender took it, has not yet sent it)
    SENDING = "sending"  # handed to Telegram; committed before the request is made
    SENT = "sent"
    BLOCKED = "blocked"  # Telegram said Forbidden: not retried
    FAILED = "failed"  # refused (BadRequest) or retries used up
    CANCELLED = "cancelled"
    # Found in "sending" after a crash: Telegram may or may not have taken it. Never resent
    # (a duplicate is worse than this), and reported to the coordinator as such.
    UNKNOWN = "unknown"


# Rows in these states will not change any more (only a sent one may still be edited).
FINISHED = (
    Delivery.SENT,
    Delivery.BLOCKED,
    Delivery.FAILED,
    Delivery.CANCELLED,
    Delivery.UNKNOWN,
)


class MediaKind(StrEnum):
    """An attachment sent with a broadcast's text as its caption."""

    PHOTO = "photo"
    DOCUMENT = "document"


class Broadcast(Base):
    """A message to an audience: its text per language, attachment and button."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(one_of("status", BroadcastStatus), name="status"),
        CheckConstraint(one_of("media_kind", MediaKind), name="media_kind"),
        Index("ix_broadcasts_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The coordinator who wrote it; NULL once they asked to be forgotten.
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_lang: Mapped[str] = mapped_column(String(8))  # progress and report are in it
    texts: Mapped[dict[str, str]] = mapped_column(JSON)  # Telegram HTML per language
    fallback_lang: Mapped[str] = mapped_column(String(8))  # for recipients of other languages
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    # A "Register" button under the message starts the registration for this visit.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.DRAFT.value)
    # Bumped by every correction; a sent message showing an older revision is edited.
    revision: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Set by "delete everywhere": every sent message is deleted, nothing more is sent.
    deleted_at: Mapped[datetime | None]
    # The coordinator's progress message, edited as delivery goes on.
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    def text_for(self, lang: str) -> str:
        """The text in lang, else in the fallback language."""
        return self.texts.get(lang) or self.texts[self.fallback_lang]

    def __repr__(self) -> str:
        return f"Broadcast(id={self.id}, status={self.status!r}, languages={sorted(self.texts)})"


class OutboxRow(Base):
    """One recipient of one broadcast, and what became of their message."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ux_outbox_broadcast_id_user_id", "broadcast_id", "user_id", unique=True),
        # The sender's claim: due queued rows, oldest first.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # Erasure and a person's data look rows up by recipient.
        Index("ix_outbox_user_id", "user_id"),
        CheckConstraint(one_of("status", Delivery), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)  # the private chat's id
    lang: Mapped[str] = mapped_column(String(8))  # the language they get (fallback applied)
    status: Mapped[str] = mapped_column(String(16), default=Delivery.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Which sender process holds the row, and since when (see bot/broadcast/claims.py).
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # shown
    deleted_at: Mapped[datetime | None]  # the sent message was deleted everywhere

    def __repr__(self) -> str:
        return (
            f"OutboxRow(id={self.id}, broadcast_id={self.broadcast_id}, "
            f"user_id={self.user_id}, status={self.status!r})"
        )
