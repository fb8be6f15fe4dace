"""The activity recorder: batches written in order, nothing lost while the database is away."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.activity import ActivityRecorder
from bot.db.models import Feedback, Outcome, QuestionLog, User
from bot.db.records import Question, Reaction, Seen
from bot.db.session import make_engine, make_sessionmaker

Sessions = async_sessionmaker[AsyncSession]
ANN, BEN = 7, 8


def asked(who: int, message_id: int, now: datetime, text: str = "Kedy?", **kw) -> Question:
    values = {
        "lang": "sk",
        "entry_id": None,
        "confidence": 0.9,
        "outcome": Outcome.ANSWERED,
    } | kw
    return Question(who, message_id, who, text, asked_at=now, **values)


async def table(sessions: Sessions, model: type) -> list:
    async with sessions() as session:
        order = next(iter(model.__table__.primary_key.columns))
        return list(await session.scalars(select(model).order_by(order)))


@pytest.fixture
async def recorder(sessions: Sessions) -> ActivityRecorder:
    recorder = ActivityRecorder(sessions, sleep=lambda _: asyncio.sleep(0.01))
    recorder.start()
    yield recorder
    await recorder.close()


async def test_one_batch_writes_users_then_questions_then_reactions(
    recorder: ActivityRecorder, sessions: Sessions, now: datetime
) -> None:
    # Queued in the order a bot sees them: the feedback comes before anything is written.
    recorder.seen(Seen(ANN, "sk", "Anna", now))
    recorder.asked(asked(ANN, 1, now))
    recorder.reacted(Reaction(ANN, 1, ANN, feedback=Feedback.HELPFUL))
    recorder.seen(Seen(BEN, "ja", "Ben", now))
    recorder.asked(asked(BEN, 1, now, "いつ？", lang="ja", outcome=Outcome.SUGGESTED))
    recorder.reacted(Reaction(BEN, 1, BEN, outcome=Outcome.ANSWERED, entry_id="x.signed"))
    assert recorder.pending == 6
    await recorder.flush()
    assert recorder.pending == 0
    users = await table(sessions, User)
    assert [(u.telegram_id, u.first_name) for u in users] == [(ANN, "Anna"), (BEN, "Ben")]
    logs = await table(sessions, QuestionLog)
    assert [(q.chat_id, q.text, q.feedback, q.outcome, q.entry_id) for q in logs] == [
        (ANN, "Kedy?", "helpful", "answered", None),
        (BEN, "いつ？", None, "answered", "x.signed"),
    ]


async def test_the_newest_seen_of_a_user_wins(
    recorder: ActivityRecorder, sessions: Sessions, now: datetime
) -> None:
    recorder.seen(Seen(ANN, "sk", "Anna", now + timedelta(seconds=2)))
    recorder.seen(Seen(ANN, "en", "Old", now))  # delivered late: older than what is queued
    await recorder.flush()
    [user] = await table(sessions, User)
    assert (user.last_seen, user.telegram_language, user.first_name) == (
        now + timedelta(seconds=2),
        "sk",
        "Anna",
    )


async def test_the_database_away_keeps_everything_until_it_is_back(
    recorder: ActivityRecorder,
    sessions: Sessions,
    now: datetime,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'bot.db'}")
    recorder.sessions = make_sessionmaker(broken)
    for i in range(1, 51):
        recorder.seen(Seen(ANN, "sk", "Anna", now + timedelta(seconds=i)))
        recorder.asked(asked(ANN, i, now + timedelta(seconds=i), f"otázka {i}"))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await recorder.flush()
    assert recorder.pending == 51  # one user, fifty questions: all still held
    assert any("retrying" in r.message for r in caplog.records)
    recorder.sessions = sessions  # the database is back
    await recorder.flush()
    await broken.dispose()
    logs = await table(sessions, QuestionLog)
    assert [q.text for q in logs] == [f"otázka {i}" for i in range(1, 51)]
    assert recorder.dropped == 0


async def test_a_refused_record_is_dropped_and_the_rest_written(
    recorder: ActivityRecorder,
    sessions: Sessions,
    now: datetime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder.seen(Seen(ANN, "sk", "Anna", now))
    recorder.asked(asked(ANN, 1, now, "dobrá"))
    # A question from someone with no user row breaks the foreign key: only it is refused.
    recorder.asked(asked(BEN, 1, now, "odmietnutá"))
    recorder.asked(asked(ANN, 2, now, "tiež dobrá"))
    await recorder.flush()
    assert [q.text for q in await table(sessions, QuestionLog)] == ["dobrá", "tiež dobrá"]
    assert recorder.dropped == 1
    [refused] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"question {BEN}/1" in refused.getMessage()
    assert "odmietnutá" not in caplog.text  # question texts may be personal: never logged


async def test_a_full_queue_drops_the_oldest_and_says_so(
    sessions: Sessions, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = ActivityRecorder(sessions, max_pending=3)  # not started: nothing is written
    recorder.seen(Seen(ANN, "sk", "Anna", now))
    for i in range(1, 6):
        recorder.asked(asked(ANN, i, now, f"q{i}"))
    assert recorder.dropped == 2
    assert "activity queue full" in caplog.text
    recorder.start()
    await recorder.close()
    assert [q.text for q in await table(sessions, QuestionLog)] == ["q3", "q4", "q5"]


async def test_close_writes_what_is_queued(sessions: Sessions, now: datetime) -> None:
    recorder = ActivityRecorder(sessions)
    recorder.start()
    recorder.seen(Seen(ANN, "sk", "Anna", now))
    recorder.asked(asked(ANN, 1, now))
    await recorder.close()
    assert len(await table(sessions, QuestionLog)) == 1
    await recorder.close()  # twice is harmless


async def test_close_gives_up_on_an_absent_database_and_says_how_much_is_lost(
    now: datetime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'bot.db'}")
    recorder = ActivityRecorder(make_sessionmaker(broken))
    recorder.close_timeout = 0.2
    recorder.start()
    recorder.seen(Seen(ANN, "sk", "Anna", now))
    recorder.asked(asked(ANN, 1, now))
    await recorder.close()
    await broken.dispose()
    assert "shutting down with 2 activity records not written" in caplog.text


async def test_flush_before_start_is_a_mistake(sessions: Sessions) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        await ActivityRecorder(sessions).flush()


async def test_flush_returns_while_others_keep_queueing(
    recorder: ActivityRecorder, sessions: Sessions, now: datetime
) -> None:
    recorder.seen(Seen(ANN, "sk", "Anna", now))
    recorder.asked(asked(ANN, 1, now, "moja otázka"))
    stop = asyncio.Event()

    async def busy_bot() -> None:  # other users keep asking: the queue is never empty
        number = 100
        while not stop.is_set():
            number += 1
            recorder.seen(Seen(BEN, "en", "Ben", now))
            recorder.asked(asked(BEN, number, now, "another"))
            await asyncio.sleep(0)

    others = asyncio.create_task(busy_bot())
    try:
        async with asyncio.timeout(10):
            await recorder.flush()
    finally:
        stop.set()
        await others
    texts = [q.text for q in await table(sessions, QuestionLog)]
    assert "moja otázka" in texts
