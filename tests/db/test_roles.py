"""Roles in the database: the settings' and the granted ones, grants, revocations, refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import roles
from bot.db import repo
from bot.db.models import RoleGrant
from bot.roles import Configured, Refusal, Role

BOSS, SETTINGS_STAFF, ANNA, BEN = 11, 12, 21, 22
CONFIGURED = Configured(frozenset({BOSS}), frozenset({SETTINGS_STAFF}))
Sessions = async_sessionmaker[AsyncSession]


async def role(sessions: Sessions, who: int, configured: Configured = CONFIGURED) -> Role:
    async with sessions() as session:
        return await roles.role_of(session, who, configured)


async def grant(
    sessions: Sessions,
    who: int,
    to: Role,
    now: datetime,
    *,
    by: int = BOSS,
    configured: Configured = CONFIGURED,
) -> roles.Change:
    async with sessions.begin() as session:
        return await roles.grant(session, who, to, by=by, now=now, configured=configured)


async def revoke(
    sessions: Sessions, who: int, *, by: int = BOSS, configured: Configured = CONFIGURED
) -> roles.Change:
    async with sessions.begin() as session:
        return await roles.revoke(session, who, by=by, configured=configured)


def test_roles_are_ordered() -> None:
    assert Role.DELEGATE < Role.STAFF < Role.COORDINATOR
    assert [Role.from_key(r.key) for r in Role] == list(Role)


async def test_settings_roles_hold_without_any_row(sessions: Sessions) -> None:
    assert await role(sessions, BOSS) == Role.COORDINATOR
    assert await role(sessions, SETTINGS_STAFF) == Role.STAFF
    assert await role(sessions, ANNA) == Role.DELEGATE


async def test_a_grant_is_read_by_the_next_check(sessions: Sessions, now: datetime) -> None:
    change = await grant(sessions, ANNA, Role.STAFF, now)
    assert (change.before, change.after, change.refused) == (Role.DELEGATE, Role.STAFF, None)
    assert await role(sessions, ANNA) == Role.STAFF
    change = await grant(sessions, ANNA, Role.COORDINATOR, now)
    assert (change.before, change.after) == (Role.STAFF, Role.COORDINATOR)
    assert await role(sessions, ANNA) == Role.COORDINATOR
    async with sessions() as session:
        [row] = (await session.scalars(select(RoleGrant))).all()
    assert (row.telegram_id, row.role, row.granted_by, row.granted_at) == (
        ANNA,
        "coordinator",
        BOSS,
        now,
    )
    async with sessions() as session:
        assert await roles.holders(session, CONFIGURED) == {
            BOSS: Role.COORDINATOR,
            SETTINGS_STAFF: Role.STAFF,
            ANNA: Role.COORDINATOR,
        }


async def test_granting_what_they_hold_changes_nothing(sessions: Sessions, now: datetime) -> None:
    assert (await grant(sessions, BOSS, Role.STAFF, now)).refused == Refusal.CONFIGURED
    assert (await grant(sessions, SETTINGS_STAFF, Role.STAFF, now)).refused == Refusal.CONFIGURED
    await grant(sessions, ANNA, Role.STAFF, now)
    assert (await grant(sessions, ANNA, Role.STAFF, now)).refused == Refusal.ALREADY
    # Settings staff can still be made coordinator in the bot.
    change = await grant(sessions, SETTINGS_STAFF, Role.COORDINATOR, now)
    assert (change.before, change.after, change.refused) == (Role.STAFF, Role.COORDINATOR, None)


async def test_revoking_returns_to_what_the_settings_give(
    sessions: Sessions, now: datetime
) -> None:
    await grant(sessions, ANNA, Role.COORDINATOR, now)
    await grant(sessions, SETTINGS_STAFF, Role.COORDINATOR, now)
    change = await revoke(sessions, ANNA)
    assert (change.before, change.after, change.refused) == (Role.COORDINATOR, Role.DELEGATE, None)
    assert await role(sessions, ANNA) == Role.DELEGATE
    change = await revoke(sessions, SETTINGS_STAFF)
    assert (change.after, change.configured, change.refused) == (Role.STAFF, Role.STAFF, None)
    assert await role(sessions, SETTINGS_STAFF) == Role.STAFF


async def test_settings_roles_cannot_be_revoked(sessions: Sessions) -> None:
    for who in (BOSS, SETTINGS_STAFF):
        change = await revoke(sessions, who, by=BOSS)
        assert change.refused == Refusal.CONFIGURED
        assert change.after == change.before == CONFIGURED.role(who)
    assert (await revoke(sessions, BEN)).refused == Refusal.NOT_HELD


async def test_the_last_coordinator_cannot_step_down(sessions: Sessions, now: datetime) -> None:
    nobody = Configured()
    await grant(sessions, ANNA, Role.COORDINATOR, now, configured=nobody)
    refused = await revoke(sessions, ANNA, by=ANNA, configured=nobody)
    assert refused.refused == Refusal.LAST_COORDINATOR
    refused = await grant(sessions, ANNA, Role.STAFF, now, by=ANNA, configured=nobody)
    assert refused.refused == Refusal.LAST_COORDINATOR
    assert await role(sessions, ANNA, nobody) == Role.COORDINATOR
    # With another coordinator left, they can.
    await grant(sessions, BEN, Role.COORDINATOR, now, by=ANNA, configured=nobody)
    change = await revoke(sessions, ANNA, by=ANNA, configured=nobody)
    assert (change.after, change.refused) == (Role.DELEGATE, None)
    # A coordinator of the settings counts as one left.
    assert (await revoke(sessions, BEN, by=BEN)).refused is None


async def test_usernames_name_whoever_wrote_last_with_them(
    sessions: Sessions, now: datetime
) -> None:
    later = now + timedelta(hours=1)
    async with sessions.begin() as session:
        await repo.touch_user(
            session,
            ANNA,
            telegram_language="sk",
            first_name="Anna",
            now=now,
            username="Shared_Name",
        )
        await repo.touch_user(
            session,
            BEN,
            telegram_language="ja",
            first_name="Ben",
            now=later,
            username="shared_name",
        )
    async with sessions() as session:
        assert await roles.find_username(session, "@SHARED_name") == BEN
        assert await roles.find_username(session, "nobody") is None
        found = await roles.person(session, BEN, "en")
    assert (found.first_name, found.username, found.language) == ("Ben", "shared_name", "ja")
    # Ben drops the username: a newer message without one clears it.
    async with sessions.begin() as session:
        await repo.touch_user(
            session,
            BEN,
            telegram_language="ja",
            first_name="Ben",
            now=later + timedelta(minutes=5),
        )
    async with sessions() as session:
        assert await roles.find_username(session, "shared_name") == ANNA
        assert (await roles.person(session, 999, "sk")).language == "sk"


def test_typed_ids() -> None:
    assert roles.parse_user_id(" 12345 ") == 12345
    for bad in ("0", "-5", "12a", "١٢٣", "9" * 20, ""):
        assert roles.parse_user_id(bad) is None
