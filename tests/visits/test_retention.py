"""RETENTION_DAYS: old questions lose their words and asker; idle users lose their row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.db import repo
from bot.db.models import Outcome, QuestionLog, User, Visit
from bot.db.records import Question
from bot.visits import service
from tests.visits.factory import Sessions, open_visit, register

IDLE, BACK, REGISTERED, WAS_REGISTERED = 7001, 7002, 7003, 7004


def asked(person: int, message_id: int, text: str, at: datetime) -> Question:
    return Question(
        chat_id=person,
        message_id=message_id,
        telegram_id=person,
        text=text,
        lang="en",
        entry_id="imura.who",
        confidence=0.9,
        outcome=Outcome.ANSWERED,
        asked_at=at,
    )


async def test_expire_erases_what_is_older_than_the_retention(
    sessions: Sessions, now: datetime
) -> None:
    long_ago = now - timedelta(days=400)
    recently = now - timedelta(days=10)
    upcoming = await open_visit(sessions, now)
    ended = await open_visit(sessions, now, titles={"en": "An earlier visit"})
    await register(sessions, upcoming.id, REGISTERED, now)
    await register(sessions, ended.id, WAS_REGISTERED, now)
    async with sessions.begin() as session:
        await session.execute(update(Visit).where(Visit.id == ended.id).values(status="past"))
        for person in (IDLE, BACK, REGISTERED, WAS_REGISTERED):
            await repo.touch_user(
                session, person, telegram_language="en", first_name="Name", now=long_ago
            )
        await repo.touch_user(session, BACK, telegram_language="en", first_name="B", now=recently)
        await repo.log_questions(
            session,
            [
                asked(IDLE, 1, "who is Imura, asked long ago", long_ago),
                asked(BACK, 1, "an old question of someone who came back", long_ago),
                asked(BACK, 2, "a recent question", recently),
            ],
        )
    async with sessions.begin() as session:
        expired = await service.expire(session, now, retention_days=365)
    assert (expired.questions, expired.users) == (2, 2)
    async with sessions() as session:
        users = set(await session.scalars(select(User.telegram_id)))
        logged = (await session.scalars(select(QuestionLog).order_by(QuestionLog.id))).all()
    # Someone who wrote lately, or who is still registered for a visit to come, stays.
    assert users == {BACK, REGISTERED}
    kept = [(q.text, q.telegram_id, q.chat_id, q.message_id) for q in logged]
    assert kept == [
        ("", None, None, None),
        ("", None, None, None),
        ("a recent question", BACK, BACK, 2),
    ]
    # The curators' figures stay: outcome, matched entry, confidence.
    assert [(q.outcome, q.entry_id, q.confidence) for q in logged[:2]] == [
        ("answered", "imura.who", 0.9)
    ] * 2
    async with sessions.begin() as session:
        again = await service.expire(session, now, retention_days=365)
    assert (again.questions, again.users) == (0, 0)
