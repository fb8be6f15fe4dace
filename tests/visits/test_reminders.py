"""Reminders with an injected clock: due at 09:00 in the host city, claimed once, rescheduled."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.visits import service
from tests.visits.factory import Sessions, open_visit, register

A, B, C = 11, 22, 33
# The visit starts on 20 May 2027 in Tokorozawa (UTC+9): 09:00 there is 00:00 UTC.
SEVEN_DAYS = datetime(2027, 5, 13, 0, 0, tzinfo=UTC)
ONE_DAY = datetime(2027, 5, 19, 0, 0, tzinfo=UTC)
STARTS = datetime(2027, 5, 19, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def _due(sessions: Sessions, at: datetime, days=(7, 1)) -> list[tuple[int, str]]:
    async with sessions() as session:
        reminders = await service.due_reminders(session, at, days)
    return [(r.telegram_id, r.kind) for r in reminders]


async def _claim(sessions: Sessions, registration_id: int, kind: str, at: datetime) -> bool:
    async with sessions.begin() as session:
        return await service.claim_reminder(session, registration_id, kind, at)


async def test_reminders_fall_due_and_are_sent_once(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now, capacity=1)
    alice = await register(sessions, visit.id, A, now, lang="ja")
    await register(sessions, visit.id, B, now)  # waitlisted: no reminders

    assert await _due(sessions, SEVEN_DAYS - MINUTE) == []
    async with sessions() as session:
        [reminder] = await service.due_reminders(session, SEVEN_DAYS)
    assert (reminder.registration_id, reminder.telegram_id, reminder.lang) == (alice.id, A, "ja")
    assert (reminder.kind, reminder.days, reminder.due_at) == ("7d", 7, SEVEN_DAYS)
    assert reminder.visit.id == visit.id

    assert await _claim(sessions, alice.id, "7d", SEVEN_DAYS) is True
    assert await _claim(sessions, alice.id, "7d", SEVEN_DAYS) is False
    assert await _due(sessions, SEVEN_DAYS + timedelta(days=3)) == []

    assert await _due(sessions, ONE_DAY) == [(A, "1d")]
    assert await _claim(sessions, alice.id, "1d", ONE_DAY) is True
    assert await _due(sessions, ONE_DAY + timedelta(hours=1)) == []
    assert await _due(sessions, STARTS) == []


async def test_two_claimers_at_once_send_once(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    alice = await register(sessions, visit.id, A, now)
    won = await asyncio.gather(*(_claim(sessions, alice.id, "7d", SEVEN_DAYS) for _ in range(10)))
    assert sorted(won) == [False] * 9 + [True]


async def test_a_bot_that_was_down_sends_the_nearest_missed_reminder(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now)
    await register(sessions, visit.id, A, now)
    back_up = datetime(2027, 5, 17, 6, 0, tzinfo=UTC)  # after the 7-day moment, before 1 day
    assert await _due(sessions, back_up) == [(A, "7d")]
    # Missed both: only the 1-day reminder, not two at once.
    assert await _due(sessions, ONE_DAY + timedelta(hours=3)) == [(A, "1d")]


async def test_who_registers_after_the_moment_skips_that_reminder(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, registration_deadline=None)
    late = datetime(2027, 5, 15, 0, 0, tzinfo=UTC)
    await register(sessions, visit.id, C, late)
    assert await _due(sessions, late + timedelta(hours=1)) == []
    assert await _due(sessions, ONE_DAY) == [(C, "1d")]


async def test_reminder_days_are_configurable(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    await register(sessions, visit.id, A, now)
    three_days = datetime(2027, 5, 17, 0, 0, tzinfo=UTC)
    assert await _due(sessions, three_days - MINUTE, days=(3,)) == []
    assert await _due(sessions, three_days, days=(3,)) == [(A, "3d")]
    assert await _due(sessions, three_days, days=()) == []


async def test_a_date_change_notifies_and_reschedules(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now, capacity=1)
    alice = await register(sessions, visit.id, A, now, lang="sk")
    bob = await register(sessions, visit.id, B, now, lang="ja")  # waitlisted: told too
    assert await _claim(sessions, alice.id, "7d", SEVEN_DAYS)

    changed_at = SEVEN_DAYS + timedelta(days=1)
    async with sessions.begin() as session:
        change = await service.change_visit(
            session,
            visit.id,
            now=changed_at,
            start_date=date(2027, 6, 10),
            end_date=date(2027, 6, 12),
            registration_deadline=date(2027, 6, 1),
        )
    assert change.dates_changed
    assert (change.old_start, change.old_end) == (date(2027, 5, 20), date(2027, 5, 23))
    assert change.notify == [(A, "sk", alice.id, False), (B, "ja", bob.id, False)]
    assert change.notice_kind == "date_change:1"
    assert change.visit.date_revision == 1
    assert await _claim(sessions, alice.id, change.notice_kind, changed_at) is True
    assert await _claim(sessions, alice.id, change.notice_kind, changed_at) is False

    # The old moments no longer count; the new ones do, once.
    assert await _due(sessions, ONE_DAY) == []
    new_seven = datetime(2027, 6, 3, 0, 0, tzinfo=UTC)
    assert await _due(sessions, new_seven - MINUTE) == []
    assert await _due(sessions, new_seven) == [(A, "7d:1")]
    assert await _claim(sessions, alice.id, "7d:1", new_seven)
    assert await _due(sessions, new_seven + timedelta(hours=1)) == []

    # A second change back to the first dates is revision 2: notified and reminded again.
    async with sessions.begin() as session:
        again = await service.change_visit(
            session,
            visit.id,
            now=new_seven + timedelta(hours=2),
            start_date=date(2027, 6, 11),
            end_date=date(2027, 6, 12),
        )
    assert again.notice_kind == "date_change:2"
    assert [n.telegram_id for n in again.notify] == [A, B]


async def test_a_change_that_passes_a_moment_does_not_fire_it_late(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, registration_deadline=None)
    await register(sessions, visit.id, A, now)
    # On 10 May the visit is brought forward to 15 May: its 7-day moment (8 May) has passed.
    changed_at = datetime(2027, 5, 10, 0, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        change = await service.change_visit(
            session,
            visit.id,
            now=changed_at,
            start_date=date(2027, 5, 15),
            end_date=date(2027, 5, 23),
        )
    assert change.notify == [(A, "en", change.notify[0].registration_id, True)]
    assert await _due(sessions, changed_at + timedelta(hours=1)) == []
    assert await _due(sessions, datetime(2027, 5, 14, 0, 0, tzinfo=UTC)) == [(A, "1d:1")]


async def test_other_changes_notify_nobody(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    await register(sessions, visit.id, A, now)
    async with sessions.begin() as session:
        change = await service.change_visit(session, visit.id, now=now, venue="Hall B")
    assert (change.dates_changed, change.notify, change.visit.date_revision) == (False, [], 0)
    assert change.visit.venue == "Hall B"
    assert await _due(sessions, SEVEN_DAYS) == [(A, "7d")]


async def test_next_reminder_at_schedules_the_job(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    async with sessions() as session:
        assert await service.next_reminder_at(session, now) is None  # nobody registered
    await register(sessions, visit.id, A, now)
    async with sessions() as session:
        assert await service.next_reminder_at(session, now) == SEVEN_DAYS
        assert await service.next_reminder_at(session, SEVEN_DAYS) == ONE_DAY
        assert await service.next_reminder_at(session, ONE_DAY) is None
