"""Who may do what: delegate < staff < coordinator.

A person's role is the higher of two sources:
- the settings (COORDINATOR_IDS, STAFF_IDS): always hold, and the bot cannot revoke them, so a
  deployment can never lock its coordinators out;
- the `roles` table, written by /grant and /revoke: read afresh for every check (one lookup
  by primary key), so a grant or a revocation is effective at once in every process.

Anyone else is a delegate. No caching on purpose: a revoked coordinator must lose their
buttons at the next press, whichever process takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import repo
from bot.db.models import RoleGrant, User
from bot.i18n import negotiate

# Telegram user ids are positive and fit a BIGINT; anything else typed is not an id.
MAX_USER_ID = 2**63 - 1


class Role(IntEnum):
    """The roles, ordered: a higher role may do everything a lower one may."""

    DELEGATE = 0
    STAFF = 1
    COORDINATOR = 2

    @property
    def key(self) -> str:
        """The name stored in the database and used in callback data: "staff"."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Role:
        """The role stored as `key`; ValueError for anything else."""
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"no role {key!r}") from None


@dataclass(frozen=True)
class Configured:
    """The roles the settings grant (COORDINATOR_IDS, STAFF_IDS)."""

    coordinator_ids: frozenset[int] = frozenset()
    staff_ids: frozenset[int] = frozenset()

    def role(self, telegram_id: int) -> Role:
        """The role the settings give this person (DELEGATE when none)."""
        if telegram_id in self.coordinator_ids:
            return Role.COORDINATOR
        if telegram_id in self.staff_ids:
            return Role.STAFF
        return Role.DELEGATE

    def holders(self) -> dict[int, Role]:
        """Everybody the settings give a role."""
        found = {who: Role.STAFF for who in self.staff_ids}
        found.update({who: Role.COORDINATOR for who in self.coordinator_ids})
        return found


class Refusal(StrEnum):
    """Why a grant or revocation changed nothing."""

    CONFIGURED = "configured"  # the settings give the person this role or more
    ALREADY = "already"  # the person already holds exactly this role
    NOT_HELD = "not_held"  # nothing granted in the bot to revoke
    LAST_COORDINATOR = "last_coordinator"  # the last coordinator would remove themselves


@dataclass(frozen=True)
class Change:
    """What a grant or revocation did (or, with `refused`, why it did nothing)."""

    telegram_id: int
    before: Role
    after: Role
    configured: Role
    refused: Refusal | None = None


async def granted_role(session: AsyncSession, telegram_id: int) -> Role:
    """The role granted in the bot (DELEGATE when none): one lookup by primary key."""
    key = await session.scalar(select(RoleGrant.role).where(RoleGrant.telegram_id == telegram_id))
    return Role.DELEGATE if key is None else Role.from_key(key)


async def role_of(session: AsyncSession, telegram_id: int, configured: Configured) -> Role:
    """The person's role now: the higher of the settings' and the granted one."""
    return max(configured.role(telegram_id), await granted_role(session, telegram_id))


async def holders(session: AsyncSession, configured: Configured) -> dict[int, Role]:
    """Everybody with a role above delegate, from both sources (for the command menus)."""
    found = configured.holders()
    for who, key in await session.execute(select(RoleGrant.telegram_id, RoleGrant.role)):
        found[who] = max(found.get(who, Role.DELEGATE), Role.from_key(key))
    return found


async def grant(
    session: AsyncSession,
    telegram_id: int,
    role: Role,
    *,
    by: int,
    now: datetime,
    configured: Configured,
) -> Change:
    """Give the person exactly `role` in the bot (a coordinator may be made staff)."""
    if role == Role.DELEGATE:
        raise ValueError("revoke, not grant, makes a delegate")
    own = configured.role(telegram_id)
    granted = await _granted_for_update(session, telegram_id)
    before = max(own, granted)
    if own >= role:
        return Change(telegram_id, before, before, own, Refusal.CONFIGURED)
    if granted == role:
        return Change(telegram_id, before, before, own, Refusal.ALREADY)
    after = max(own, role)
    if await _last_coordinator_leaving(session, telegram_id, by, before, after, configured):
        return Change(telegram_id, before, before, own, Refusal.LAST_COORDINATOR)
    row = await session.get(RoleGrant, telegram_id)
    if row is None:
        session.add(
            RoleGrant(telegram_id=telegram_id, role=role.key, granted_by=by, granted_at=now)
        )
    else:
        row.role, row.granted_by, row.granted_at = role.key, by, now
    await session.flush()
    return Change(telegram_id, before, after, own)


async def revoke(
    session: AsyncSession, telegram_id: int, *, by: int, configured: Configured
) -> Change:
    """Remove the role granted in the bot; what the settings give stays (and is said)."""
    own = configured.role(telegram_id)
    granted = await _granted_for_update(session, telegram_id)
    before = max(own, granted)
    if granted == Role.DELEGATE:
        refusal = Refusal.CONFIGURED if own > Role.DELEGATE else Refusal.NOT_HELD
        return Change(telegram_id, before, before, own, refusal)
    if own >= granted:
        return Change(telegram_id, before, before, own, Refusal.CONFIGURED)
    if await _last_coordinator_leaving(session, telegram_id, by, before, own, configured):
        return Change(telegram_id, before, before, own, Refusal.LAST_COORDINATOR)
    await session.execute(delete(RoleGrant).where(RoleGrant.telegram_id == telegram_id))
    return Change(telegram_id, before, own, own)


async def _granted_for_update(session: AsyncSession, telegram_id: int) -> Role:
    # FOR UPDATE on PostgreSQL: two coordinators changing one person's role take turns.
    key = await session.scalar(
        select(RoleGrant.role).where(RoleGrant.telegram_id == telegram_id).with_for_update()
    )
    return Role.DELEGATE if key is None else Role.from_key(key)


async def _last_coordinator_leaving(
    session: AsyncSession,
    telegram_id: int,
    by: int,
    before: Role,
    after: Role,
    configured: Configured,
) -> bool:
    """Whether a coordinator would step down themselves with nobody left to grant roles."""
    if telegram_id != by or before < Role.COORDINATOR or after >= Role.COORDINATOR:
        return False
    if configured.coordinator_ids - {telegram_id}:
        return False
    others = await session.scalar(
        select(func.count())
        .select_from(RoleGrant)
        .where(RoleGrant.role == Role.COORDINATOR.key, RoleGrant.telegram_id != telegram_id)
    )
    return not others


@dataclass(frozen=True)
class Person:
    """Someone a coordinator named: their id, and what the bot knows of them."""

    telegram_id: int
    first_name: str | None = None
    username: str | None = None
    language: str | None = None  # the language to write to them in (None: never seen)


async def person(session: AsyncSession, telegram_id: int, default_locale: str) -> Person:
    """The person with this id, with their name and language when they have written."""
    user = await session.get(User, telegram_id)
    if user is None:
        return Person(telegram_id, language=default_locale)
    return Person(
        telegram_id,
        first_name=user.first_name,
        username=user.username,
        language=negotiate(user.language, user.telegram_language, default_locale),
    )


async def find_username(session: AsyncSession, username: str) -> int | None:
    """The id of the person who wrote last with this @username; None when nobody did."""
    name = repo.normal_username(username)
    if name is None:
        return None
    return await session.scalar(
        select(User.telegram_id)
        .where(User.username == name)
        .order_by(User.last_seen.desc(), User.telegram_id)
        .limit(1)
    )


def parse_user_id(text: str) -> int | None:
    """A typed numeric Telegram id (ASCII digits only), or None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_USER_ID else None
