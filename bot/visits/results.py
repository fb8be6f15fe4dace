"""What the visit service hands back to the handlers: offers, notices, reminders, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from bot.db.models import Visit


@dataclass(frozen=True)
class Offer:
    """A freed place offered to the next person waiting: send Accept and Decline buttons."""

    registration_id: int
    visit_id: int
    telegram_id: int | None  # None only if the person was anonymised meanwhile
    lang: str
    expires_at: datetime


class Notice(NamedTuple):
    """A registrant to tell about a change of the visit's dates, in their language."""

    telegram_id: int
    lang: str
    registration_id: int
    # False when their arrival or departure now lies outside the visit: ask them to update it.
    stay_fits: bool = True


@dataclass(frozen=True)
class VisitChange:
    """The changed visit, who must hear about new dates, and offers made by a larger capacity."""

    visit: Visit
    dates_changed: bool = False
    old_start: date | None = None
    old_end: date | None = None
    notify: list[Notice] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)

    @property
    def notice_kind(self) -> str:
        """The claim kind for the date-change notice (claim_reminder), one per date revision."""
        return f"date_change:{self.visit.date_revision}"


@dataclass(frozen=True)
class Reminder:
    """A reminder due now: claim it with claim_reminder(registration_id, kind), then send it."""

    registration_id: int
    telegram_id: int
    lang: str
    kind: str  # "7d", "1d"; "7d:2" after the visit's dates changed twice
    days: int
    due_at: datetime
    visit: Visit


@dataclass(frozen=True)
class Stats:
    """A visit's registrations counted: by status (all), and by role, city and diet (confirmed)."""

    visit_id: int
    capacity: int
    held: int
    by_status: Mapping[str, int]
    by_role: Mapping[str, int]
    by_city: Mapping[str, int]
    by_dietary: Mapping[str, int]

    @property
    def free(self) -> int:
        """Places nobody holds."""
        return max(self.capacity - self.held, 0)

    @property
    def total(self) -> int:
        """Every registration ever made for the visit."""
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Erasure:
    """What /forget_me did: registrations withdrawn first, all anonymised, places offered."""

    withdrawn: int
    anonymised: int
    offers: list[Offer] = field(default_factory=list)


@dataclass(frozen=True)
class Expiry:
    """What the retention period erased: question texts and inactive users' rows."""

    questions: int
    users: int
