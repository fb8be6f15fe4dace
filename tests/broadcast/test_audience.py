"""Audiences as SQL: who each one reaches, in which language, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot import roles
from bot.broadcast.audience import (
    Audience,
    AudienceError,
    AudienceKind,
    count_by_language,
    recipients,
)
from bot.db import repo
from bot.db.models import Registration
from bot.roles import Configured, Role
from tests.visits.factory import Sessions, open_visit, register

# Who is who: (telegram_id, /language choice, Telegram's language_code)
PEOPLE = [
    (1, None, "en"),  # English from Telegram
    (2, "sk", "en"),  # the /language choice wins over Telegram's
    (3, None, "ja-JP"),  # a regional code counts by its language
    (4, None, "de"),  # unsupported: the default language
    (5, None, None),  # nothing known: the default
    (6, "ja", "sk"),
]


async def _people(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        for who, chosen, code in PEOPLE:
            await repo.touch_user(session, who, telegram_language=code, first_name=None, now=now)
            await repo.set_language(session, who, chosen)


async def _reached(sessions: Sessions, audience: Audience, default: str = "en") -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(recipients(audience, default).order_by("user_id"))
        return {user_id: lang for user_id, lang in rows}


async def test_every_subscriber_in_their_language(sessions: Sessions, now: datetime) -> None:
    await _people(sessions, now)
    everybody = Audience(AudienceKind.SUBSCRIBERS)
    assert await _reached(sessions, everybody) == {
        1: "en",
        2: "sk",
        3: "ja",
        4: "en",
        5: "en",
        6: "ja",
    }
    # The default language is the operator's choice.
    assert (await _reached(sessions, everybody, "sk"))[4] == "sk"
    async with sessions() as session:
        assert await count_by_language(session, everybody, "en") == {"en": 3, "sk": 1, "ja": 2}


async def test_unsubscribed_and_blocked_are_left_out(sessions: Sessions, now: datetime) -> None:
    await _people(sessions, now)
    async with sessions.begin() as session:
        assert await repo.set_subscribed(session, 1, False)
        assert await repo.mark_blocked(session, 2, now)
    assert set(await _reached(sessions, Audience(AudienceKind.SUBSCRIBERS))) == {3, 4, 5, 6}
    async with sessions.begin() as session:
        assert await repo.set_subscribed(session, 1, True)
    assert 1 in await _reached(sessions, Audience(AudienceKind.SUBSCRIBERS))


async def test_one_language(sessions: Sessions, now: datetime) -> None:
    await _people(sessions, now)
    assert await _reached(sessions, Audience(AudienceKind.LANGUAGE, lang="ja")) == {
        3: "ja",
        6: "ja",
    }
    assert list(await _reached(sessions, Audience(AudienceKind.LANGUAGE, lang="en"))) == [1, 4, 5]


async def test_registrants_by_status_and_the_waiting_list(
    sessions: Sessions, now: datetime
) -> None:
    await _people(sessions, now)
    visit = await open_visit(sessions, now, capacity=2)
    other = await open_visit(sessions, now)
    for who in (1, 2, 3, 4):  # 1 and 2 get the places, 3 and 4 wait
        await register(sessions, visit.id, who, now + timedelta(minutes=who))
    await register(sessions, other.id, 5, now)
    async with sessions.begin() as session:
        # 2 withdrew and registered again: still counted once.
        await session.execute(
            update(Registration).where(Registration.telegram_id == 2).values(status="withdrawn")
        )
    await register(sessions, visit.id, 2, now + timedelta(hours=1))
    async with sessions.begin() as session:
        # Unsubscribing stops announcements, not the news of one's own visit.
        await repo.set_subscribed(session, 1, False)
    registrants = Audience(AudienceKind.REGISTRANTS, visit_id=visit.id)
    assert await _reached(sessions, registrants) == {1: "en", 2: "sk", 3: "ja", 4: "en"}
    confirmed = Audience(AudienceKind.REGISTRANTS, visit_id=visit.id, status="confirmed")
    assert list(await _reached(sessions, confirmed)) == [1]
    withdrawn = Audience(AudienceKind.REGISTRANTS, visit_id=visit.id, status="withdrawn")
    assert list(await _reached(sessions, withdrawn)) == [2]
    waiting = Audience(AudienceKind.WAITING_LIST, visit_id=visit.id)
    assert list(await _reached(sessions, waiting)) == [2, 3, 4]
    assert (
        list(await _reached(sessions, Audience(AudienceKind.WAITING_LIST, visit_id=other.id)))
        == []
    )
    assert 1 not in await _reached(sessions, Audience(AudienceKind.SUBSCRIBERS))


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "visit"},
        {"kind": "all", "visit_id": 3},
        {"kind": "visit", "visit_id": 3, "status": "gone"},
        {"kind": "lang", "lang": "de"},
        {"kind": "nobody"},
        {"kind": "all", "extra": 1},
    ],
    ids=["no-visit", "stray-visit", "bad-status", "bad-language", "bad-kind", "unknown-field"],
)
def test_a_forged_audience_is_refused(fields: dict) -> None:
    with pytest.raises(AudienceError):
        Audience.from_data(fields)


def test_an_audience_survives_the_draft() -> None:
    chosen = Audience(AudienceKind.REGISTRANTS, visit_id=7, status="offered")
    assert Audience.from_data(chosen.to_data()) == chosen
    assert chosen.to_data() == {"kind": "visit", "visit_id": 7, "status": "offered"}


async def test_one_role_from_the_settings_and_from_grants(
    sessions: Sessions, now: datetime
) -> None:
    await _people(sessions, now)
    settings = Configured(coordinator_ids=frozenset({1}), staff_ids=frozenset({2, 3}))
    async with sessions.begin() as session:
        # 3 is staff by the settings and made coordinator in the bot; 4 is made staff.
        change = await roles.grant(
            session, 3, Role.COORDINATOR, by=1, now=now, configured=settings
        )
        assert change.refused is None
        await roles.grant(session, 4, Role.STAFF, by=1, now=now, configured=settings)
        await repo.set_subscribed(session, 6, False)

    async def holders(role: str) -> list[int]:
        audience = Audience(AudienceKind.ROLE, role=role)
        async with sessions() as session:
            rows = await session.execute(recipients(audience, "en", settings).order_by("user_id"))
            return [user_id for user_id, _ in rows]

    assert await holders("coordinator") == [1, 3]
    assert await holders("staff") == [2, 4]
    assert await holders("delegate") == [5]  # 6 unsubscribed
    with pytest.raises(AudienceError):
        Audience(AudienceKind.ROLE, role="admin")
