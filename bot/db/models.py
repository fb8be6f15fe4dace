"""SQLAlchemy models: the tables the bot keeps, shared by the app and the migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import JSON

from bot.visits.rules import ACTIVE_STATUSES, RegistrationStatus, Role, VisitStatus

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


# The largest id of a visit or registration (INTEGER keys; PostgreSQL refuses a larger number
# in a query outright, so ids typed or forged past it are "not found" before they get there).
MAX_ROW_ID = 2**31 - 1


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
    # Lower-cased, without the "@": coordinators name people by it in /grant and /revoke.
    # Indexed, not unique: a username freed by one person may be taken by another, and the
    # rows of both are only refreshed when each writes again.
    username: Mapped[str | None] = mapped_column(String(64), index=True)
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
        # A question is the Telegram message it came in: its key is known before the row is
        # written (the reply's buttons carry it), and a redelivered update is logged once.
        Index("ux_question_log_chat_id_message_id", "chat_id", "message_id", unique=True),
        CheckConstraint(_one_of("outcome", Outcome), name="outcome"),
        CheckConstraint(_one_of("feedback", Feedback), name="feedback"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept when the user is deleted (privacy requests): the question stays for curators.
    telegram_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.telegram_id", ondelete="SET NULL"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    entry_id: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    feedback: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"QuestionLog(id={self.id}, outcome={self.outcome!r}, text={self.text[:40]!r})"


# The partial unique index's predicate: a person holds one active registration per visit.
ACTIVE_REGISTRATION = "status IN ({})".format(", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES))


class Visit(Base):
    """A visit delegates register for: dates in the host city's time zone, and its places."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(_one_of("status", VisitStatus), name="status"),
        CheckConstraint("capacity >= 0", name="capacity"),
        # held only moves by atomic UPDATEs guarded by held < capacity; the database checks too.
        CheckConstraint("held >= 0 AND held <= capacity", name="held"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    titles: Mapped[dict[str, str]] = mapped_column(JSON)  # {"en": ..., "sk": ..., "ja": ...}
    host_city: Mapped[str] = mapped_column(String(64))  # a knowledge-base place id
    venue: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA, the host city's
    start_date: Mapped[date]
    end_date: Mapped[date]
    capacity: Mapped[int]
    # Places taken: confirmed registrations plus open offers.
    held: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    registration_deadline: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.DRAFT.value)
    roles: Mapped[list[str]] = mapped_column(JSON)
    # Bumped when the dates change: reminders and date-change notices are claimed per revision.
    date_revision: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    dates_changed_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def title(self, lang: str) -> str:
        """The title in lang, else English, else any language's."""
        return self.titles.get(lang) or self.titles.get("en") or next(iter(self.titles.values()))

    def __repr__(self) -> str:
        return f"Visit(id={self.id}, status={self.status!r}, {self.start_date}–{self.end_date})"


class Registration(Base):
    """One person's registration for a visit; personal fields become NULL once anonymised."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index(
            "ux_registrations_active_visit_id_telegram_id",
            "visit_id",
            "telegram_id",
            unique=True,
            sqlite_where=text(ACTIVE_REGISTRATION),
            postgresql_where=text(ACTIVE_REGISTRATION),
        ),
        # The waiting list is read in order: visit, status, created_at.
        Index("ix_registrations_visit_id_status_created_at", "visit_id", "status", "created_at"),
        CheckConstraint(_one_of("status", RegistrationStatus), name="status"),
        CheckConstraint(_one_of("role", Role), name="role"),
        CheckConstraint("departure >= arrival", name="stay"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    full_name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    arrival: Mapped[date]
    departure: Mapped[date]
    dietary: Mapped[str | None] = mapped_column(String(500))
    accessibility: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    offer_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    anonymised_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        """True while confirmed, waitlisted or offered."""
        return self.status in {s.value for s in ACTIVE_STATUSES}

    def __repr__(self) -> str:
        return f"Registration(id={self.id}, visit_id={self.visit_id}, status={self.status!r})"


class Draft(Base):
    """A conversation in progress, saved after every step so a restart loses nothing."""

    __tablename__ = "drafts"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # "register", "edit_visit"
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # answers so far; dates as ISO strings
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Draft(telegram_id={self.telegram_id}, kind={self.kind!r}, step={self.step!r})"


class ReminderSent(Base):
    """A reminder or notice claimed for a registration: whoever inserts the row sends it."""

    __tablename__ = "reminders_sent"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # "7d", "date_change:1"
    sent_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"ReminderSent(registration_id={self.registration_id}, kind={self.kind!r})"


class FloodMark(Base):
    """Flood control's bookkeeping for one user, shared by every bot process (bot/db/flood.py).

    Times are seconds since the epoch (the processes share the wall clock, not a monotonic
    one). `tat` is the next time the user may send without using up their allowance (the
    generic cell rate algorithm); `paused_until` ends the pause after a flood. No personal
    data beyond the id; erased with the user, and idle rows by the daily purge.
    """

    __tablename__ = "flood_marks"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tat: Mapped[float] = mapped_column(Float)
    paused_until: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"FloodMark(telegram_id={self.telegram_id}, paused_until={self.paused_until})"


# The roles a coordinator can grant; a delegate is anyone without a row.
GRANTED_ROLES = ("staff", "coordinator")


class RoleGrant(Base):
    """A role granted in the bot (/grant): read by every privileged handler, in every process.

    Not tied to users by a foreign key: a coordinator may grant a role by numeric id to
    someone who has not written to the bot yet. COORDINATOR_IDS and STAFF_IDS hold beside
    these rows (bot/roles.py); they are never written here.
    """

    __tablename__ = "roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ({})".format(", ".join(f"'{r}'" for r in GRANTED_ROLES)), name="role"
        ),
    )

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"RoleGrant(telegram_id={self.telegram_id}, role={self.role!r})"


class HandoffStatus(StrEnum):
    """Where a question handed to the coordinators stands."""

    OPEN = "open"
    ANSWERED = "answered"


class Handoff(Base):
    """A question the bot could not answer, handed to the coordinators by its asker."""

    __tablename__ = "handoffs"
    __table_args__ = (
        # /review lists the open ones, oldest first.
        Index("ix_handoffs_status_created_at", "status", "created_at"),
        CheckConstraint(_one_of("status", HandoffStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The asker; NULL once they erase their data (the row is deleted then: see privacy.py).
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)  # where the answer goes (a private chat)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the question, to reply to it
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))  # the asker's language: the answer's frame
    status: Mapped[str] = mapped_column(String(16), default=HandoffStatus.OPEN.value)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Handoff(id={self.id}, status={self.status!r}, lang={self.lang!r})"


class KbChangeKind(StrEnum):
    """What a coordinator added to the knowledge base from a handed-off question."""

    ALTERNATE = "alternate"  # another phrasing of an existing fact
    FACT = "fact"  # a new fact, with its text per language


class KbChange(Base):
    """An addition to the knowledge base made in the bot; its id is the knowledge version.

    Every process compares the largest id with the one its index was built with, and
    rebuilds when it grew; `iuc-bot kb pull-reviewed` writes the rows into knowledge/.
    """

    __tablename__ = "kb_changes"
    __table_args__ = (CheckConstraint(_one_of("kind", KbChangeKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str] = mapped_column(String(128))  # the fact phrased, or the new fact's id
    lang: Mapped[str] = mapped_column(String(8))  # the question's language
    question: Mapped[str] = mapped_column(Text)
    texts: Mapped[dict[str, str] | None] = mapped_column(JSON)  # a new fact's answer per language
    # The question it came from; the hand-off row goes when its asker erases their data.
    handoff_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoffs.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    pulled_at: Mapped[datetime | None]  # written into knowledge/ by pull-reviewed

    def __repr__(self) -> str:
        return f"KbChange(id={self.id}, kind={self.kind!r}, entry_id={self.entry_id!r})"


# Tables of other packages, registered on this metadata (migrations and schema walks see them).
from bot.broadcast import models as _broadcast_models  # noqa: E402, F401
