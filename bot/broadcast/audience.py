"""Who receives a broadcast: each audience is one SQL select of (user_id, language) rows.

The outbox's enqueue inserts straight from the select (INSERT ... SELECT), so no list of
recipients is ever held in memory; the composer counts the same select per language.
Users Telegram reported as having blocked the bot are left out until they write again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Registration, RoleGrant, User
from bot.i18n import LANGUAGES
from bot.roles import Configured, Role
from bot.visits.rules import ACTIVE_STATUSES, RegistrationStatus


class AudienceKind(StrEnum):
    """The kinds of audience a coordinator can choose."""

    SUBSCRIBERS = "all"  # everybody who has not unsubscribed
    REGISTRANTS = "visit"  # a visit's registrants, optionally one status
    WAITING_LIST = "wait"  # a visit's waiting list
    LANGUAGE = "lang"  # the subscribers who read one language
    ROLE = "role"  # the subscribers who hold one role


# The roles an audience can address, lowest first ("delegate", "staff", "coordinator").
ROLE_KEYS = tuple(role.key for role in Role)


class AudienceError(ValueError):
    """An audience description that names no valid audience (stale or forged data)."""


@dataclass(frozen=True)
class Audience:
    """One audience; stored in the composer's draft as a plain dict."""

    kind: AudienceKind
    visit_id: int | None = None
    status: str | None = None  # a RegistrationStatus for REGISTRANTS; None: every active one
    lang: str | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        kind = AudienceKind(self.kind)
        object.__setattr__(self, "kind", kind)
        needs_visit = kind in (AudienceKind.REGISTRANTS, AudienceKind.WAITING_LIST)
        if needs_visit != (self.visit_id is not None):
            raise AudienceError(f"{kind}: a visit id is {'needed' if needs_visit else 'wrong'}")
        if self.status is not None and (
            kind != AudienceKind.REGISTRANTS
            or self.status not in {s.value for s in RegistrationStatus}
        ):
            raise AudienceError(f"{kind}: no status {self.status!r}")
        if (kind == AudienceKind.LANGUAGE) != (self.lang in LANGUAGES):
            raise AudienceError(f"{kind}: language {self.lang!r}")
        if (kind == AudienceKind.ROLE) != (self.role in ROLE_KEYS):
            raise AudienceError(f"{kind}: role {self.role!r}")

    def to_data(self) -> dict[str, Any]:
        """The audience as JSON for the draft."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Audience:
        """The audience a draft stored; AudienceError when it is not one."""
        try:
            return cls(**dict(data))
        except (TypeError, ValueError) as exc:
            raise AudienceError(str(exc)) from None


def recipient_language(default: str) -> ColumnElement[str]:
    """A user's language in SQL: the /language choice, else Telegram's, else the default.

    The same negotiation as bot.i18n.negotiate: Telegram's code counts by its primary subtag
    ('en-US' is English), anything unsupported falls to the default.
    """
    code = func.lower(User.telegram_language)
    cases: list[tuple[ColumnElement[bool], Any]] = [(User.language.in_(LANGUAGES), User.language)]
    for lang in LANGUAGES:
        subtag = or_(code == lang, func.substr(code, 1, 3).in_([f"{lang}-", f"{lang}_"]))
        cases.append((subtag, literal(lang, String)))
    return case(*cases, else_=literal(default, String))


def _registered(visit_id: int, statuses: list[str]) -> ColumnElement[bool]:
    # EXISTS, not a join: a person with a withdrawn and a new registration counts once.
    return exists().where(
        Registration.telegram_id == User.telegram_id,
        Registration.visit_id == visit_id,
        Registration.status.in_(statuses),
    )


def holds_role(key: str, configured: Configured) -> ColumnElement[bool]:
    """Whether the user's role is exactly `key`: the higher of the settings' role and the one
    granted in the bot (bot/roles.py), as a condition on User."""

    def granted(role: Role) -> ColumnElement[bool]:
        return exists().where(
            RoleGrant.telegram_id == User.telegram_id, RoleGrant.role == role.key
        )

    coordinator = or_(
        User.telegram_id.in_(sorted(configured.coordinator_ids)), granted(Role.COORDINATOR)
    )
    staff = or_(User.telegram_id.in_(sorted(configured.staff_ids)), granted(Role.STAFF))
    if key == Role.COORDINATOR.key:
        return coordinator
    if key == Role.STAFF.key:
        return and_(staff, not_(coordinator))
    return not_(or_(staff, coordinator))


def recipients(
    audience: Audience, default_lang: str, configured: Configured | None = None
) -> Select[Any]:
    """The select of (user_id, language) rows of everybody the audience reaches.

    configured: the settings' roles (COORDINATOR_IDS, STAFF_IDS), for a ROLE audience.
    """
    language = recipient_language(default_lang)
    query = select(User.telegram_id.label("user_id"), language.label("language")).where(
        User.blocked_at.is_(None)
    )
    kind = audience.kind
    if kind == AudienceKind.REGISTRANTS:
        # Unsubscribing stops announcements, not the messages about one's own visit.
        statuses = [audience.status] if audience.status else [s.value for s in ACTIVE_STATUSES]
        return query.where(_registered(audience.visit_id, statuses))
    if kind == AudienceKind.WAITING_LIST:
        return query.where(_registered(audience.visit_id, [RegistrationStatus.WAITLISTED.value]))
    query = query.where(User.subscribed.is_(True))
    if kind == AudienceKind.LANGUAGE:
        return query.where(language == audience.lang)
    if kind == AudienceKind.ROLE:
        return query.where(holds_role(audience.role or "", configured or Configured()))
    return query


async def count_by_language(
    session: AsyncSession,
    audience: Audience,
    default_lang: str,
    configured: Configured | None = None,
) -> dict[str, int]:
    """How many recipients the audience has in each language (languages with none left out)."""
    found = recipients(audience, default_lang, configured).subquery()
    rows = await session.execute(select(found.c.language, func.count()).group_by(found.c.language))
    return {lang: int(n) for lang, n in rows}
