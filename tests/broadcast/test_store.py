"""The outbox's domain API on a real database: enqueue, claims, recovery, counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import claims, store
from bot.broadcast.models import OutboxRow
from bot.db import repo
from bot.db.models import User

ME, OTHER = "me-process", "other-process"


async def _users(session: AsyncSession, now: datetime, langs: dict[int, str | None]) -> None:
    for uid, lang in langs.items():
        await repo.touch_user(session, uid, telegram_language=None, first_name=None, now=now)
        await repo.set_language(session, uid, lang)


async def _broadcast(
    sessions: async_sessionmaker[AsyncSession], now: datetime, langs: dict[int, str | None]
) -> int:
    async with sessions.begin() as session:
        await _users(session, now, langs)
        made = await store.create(
            session,
            author_id=1,
            author_lang="en",
            texts={"en": "<b>Hello</b>", "sk": "Dobrý deň"},
            fallback_lang="en",
            now=now,
        )
        audience = select(User.telegram_id, User.language).where(User.telegram_id > 1)
        assert await store.enqueue(session, made.id, audience, now) == len(langs) - 1
        return made.id


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.user_id)))


async def test_enqueue_copies_the_audience_with_fallback_languages(sessions, now) -> None:
    await _broadcast(sessions, now, {1: "en", 10: "sk", 11: "ja", 12: None, 13: "en"})
    rows = await _rows(sessions)
    assert [(r.user_id, r.lang, r.status) for r in rows] == [
        (10, "sk", "queued"),
        (11, "en", "queued"),  # no Japanese text: the fallback
        (12, "en", "queued"),
        (13, "en", "queued"),
    ]


async def test_a_user_listed_twice_is_queued_once_and_enqueue_happens_once(sessions, now) -> None:
    async with sessions.begin() as session:
        await _users(session, now, {10: "sk"})
        made = await store.create(
            session, author_id=1, author_lang="en", texts={"sk": "A"}, fallback_lang="sk", now=now
        )
        twice = union_all(
            select(literal(10).label("u"), literal("sk").label("l")),
            select(literal(10), literal("en")),
        )
        assert await store.enqueue(session, made.id, select(twice.subquery()), now) == 1
        with pytest.raises(store.BroadcastError):
            await store.enqueue(session, made.id, select(twice.subquery()), now)


async def test_create_refuses_a_fallback_without_text(sessions, now) -> None:
    async with sessions.begin() as session:
        with pytest.raises(store.BroadcastError):
            await store.create(
                session,
                author_id=1,
                author_lang="en",
                texts={"sk": "A"},
                fallback_lang="en",
                now=now,
            )


async def test_states_counts_and_recovery(sessions, now) -> None:
    bid = await _broadcast(sessions, now, {1: "en", 10: "en", 11: "en", 12: "en", 13: "en"})
    async with sessions.begin() as session:
        jobs = await claims.claim_sends(session, ME, now, 3)
    assert [j.user_id for j in jobs] == [10, 11, 12]
    async with sessions.begin() as session:
        assert await claims.claim_sends(session, OTHER, now, 10) == [
            claims.Job(jobs[-1].id + 1, bid, 13, "en", 0)
        ]
    sent, blocked, _lost = jobs
    async with sessions.begin() as session:
        for job in jobs:
            assert await claims.mark_sending(session, job, ME)
        await claims.record_sent(session, sent, ME, 77, 0, now)
        await claims.record_blocked(session, blocked, ME, "Forbidden", now)
    async with sessions.begin() as session:
        # The other process died holding user 13's claim; this one died after handing
        # `lost` to Telegram. A new process recovers both.
        assert await claims.sweep(session, "new-process", now, None) == (1, 1)
    async with sessions.begin() as session:
        counts = await store.counts(session, bid)
        user = await session.get(User, 11)
    assert counts == store.Counts(queued=1, sent=1, blocked=1, unknown=1)
    assert (counts.total, counts.remaining, counts.delivered) == (4, 1, 1)
    assert user.blocked_at == now
    rows = {r.user_id: r for r in await _rows(sessions)}
    assert (rows[10].message_id, rows[12].last_error) == (77, claims.UNKNOWN_ERROR)
    assert rows[13].claimed_by is None


async def test_a_lease_keeps_a_live_process_claims(sessions, now) -> None:
    await _broadcast(sessions, now, {1: "en", 10: "en"})
    async with sessions.begin() as session:
        [job] = await claims.claim_sends(session, OTHER, now, 5)
        assert await claims.mark_sending(session, job, OTHER)
    async with sessions.begin() as session:
        assert await claims.sweep(session, ME, now + timedelta(seconds=30), timedelta(60)) == (
            0,
            0,
        )
        assert await claims.sweep(session, ME, now + timedelta(days=61), timedelta(60)) == (0, 1)


async def test_retries_until_the_limit_then_fail(sessions, now) -> None:
    await _broadcast(sessions, now, {1: "en", 10: "en"})
    at = now
    for attempt in range(3):
        async with sessions.begin() as session:
            [job] = await claims.claim_sends(session, ME, at, 5)
            assert await claims.mark_sending(session, job, ME)
            later = at + timedelta(seconds=5)
            requeued = await claims.record_retry(
                session, job, ME, "timed out", later, max_attempts=3
            )
        assert requeued == (attempt < 2)
        async with sessions.begin() as session:
            assert await claims.claim_sends(session, ME, at, 5) == []  # not due before `later`
        at = later
    [row] = await _rows(sessions)
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        2,
        "timed out (after 3 attempts)",
    )


async def test_cancel_stops_the_queued_and_mark_sending_sees_it(sessions, now) -> None:
    bid = await _broadcast(sessions, now, {1: "en", 10: "en", 11: "en"})
    async with sessions.begin() as session:
        [first, second] = await claims.claim_sends(session, ME, now, 5)
        assert await claims.mark_sending(session, first, ME)
    async with sessions.begin() as session:
        assert await store.cancel(session, bid, now) == 1
    async with sessions.begin() as session:
        assert not await claims.mark_sending(session, second, ME)
        await claims.record_sent(session, first, ME, 5, 0, now)
        assert await store.counts(session, bid) == store.Counts(sent=1, cancelled=1)
        assert (await store.get(session, bid)).status == "cancelled"


async def test_edit_and_delete_claim_the_sent_messages(sessions, now) -> None:
    bid = await _broadcast(sessions, now, {1: "en", 10: "en", 11: "sk"})
    async with sessions.begin() as session:
        jobs = await claims.claim_sends(session, ME, now, 5)
        for n, job in enumerate(jobs):
            await claims.mark_sending(session, job, ME)
            await claims.record_sent(session, job, ME, 100 + n, 0, now)
    async with sessions.begin() as session:
        assert await claims.claim_changes(session, ME, now, 5) == []
        assert await store.edit(session, bid, {"sk": "Opravené"}) == 1
    async with sessions.begin() as session:
        changed = await claims.claim_changes(session, ME, now, 5)
        assert [(j.user_id, j.message_id) for j in changed] == [(10, 100), (11, 101)]
        for job in changed:
            await claims.record_changed(session, job, ME, revision=1)
        assert await claims.claim_changes(session, ME, now, 5) == []
        assert await store.delete_everywhere(session, bid, now)
        assert not await store.delete_everywhere(session, bid, now)
        assert len(await claims.claim_changes(session, ME, now, 5)) == 2


async def test_two_processes_never_claim_the_same_row(sessions, now, db_url) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: there is no concurrent claim")
    await _broadcast(sessions, now, {1: "en", **{u: "en" for u in range(10, 30)}})
    async with sessions.begin() as first, sessions.begin() as second:
        mine = await claims.claim_sends(first, ME, now, 8)  # locks held until commit
        theirs = await claims.claim_sends(second, OTHER, now, 100)
    assert (len(mine), len(theirs)) == (8, 12)
    assert not {j.id for j in mine} & {j.id for j in theirs}
