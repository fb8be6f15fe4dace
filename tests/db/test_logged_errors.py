"""A row the database refuses is logged without the personal data in it (I-3).

PostgreSQL's message for a refused row carries a DETAIL line with its values ("Failing row
contains (…)", "Key (…)=(…)"); the log formatter the bot runs with must drop it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.activity import ActivityRecorder
from bot.db.models import Outcome, Registration
from bot.db.records import Question, Seen
from bot.logs import FORMAT, RedactingFormatter
from bot.visits import service
from tests.visits.factory import visit_fields

Sessions = async_sessionmaker[AsyncSession]
PERSONAL = ("Jana Tajnovská", "jana.tajnovska@example.sk", "Tajnovce", "Kľúčová 7\n\nbez schodov")


def asked(who: int, text: str, at: datetime) -> Question:
    """A question answered for `who` in their private chat."""
    return Question(
        chat_id=who,
        message_id=1,
        telegram_id=who,
        text=text,
        lang="sk",
        entry_id=None,
        confidence=0.9,
        outcome=Outcome.ANSWERED,
        asked_at=at,
    )


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What the bot's own log handler (as `iuc-bot run` sets it up) writes."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RedactingFormatter(FORMAT, []))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


async def test_a_refused_registration_is_logged_without_its_values(
    sessions: Sessions, migrated_url: str, now: datetime, logged: io.StringIO
) -> None:
    async with sessions.begin() as session:
        visit = await service.create_visit(session, **visit_fields(), now=now)
    name, email, city, needs = PERSONAL
    with pytest.raises(IntegrityError) as refused:  # leaves before it arrives: the CHECK
        async with sessions.begin() as session:
            session.add(
                Registration(
                    visit_id=visit.id,
                    telegram_id=4242,
                    lang="sk",
                    full_name=name,
                    organisation="Magistrát",
                    city=city,
                    role="delegate",
                    arrival=date(2027, 5, 22),
                    departure=date(2027, 5, 20),
                    dietary=None,
                    accessibility=needs,
                    email=email,
                    consent_at=now,
                    status="confirmed",
                    created_at=now,
                    updated_at=now,
                )
            )
    if migrated_url.startswith("postgresql"):
        assert name in str(refused.value)  # what would have been logged
    logging.getLogger("bot.test").error("could not save", exc_info=refused.value)
    text = logged.getvalue()
    assert "could not save" in text
    assert "stay" in text  # the constraint: enough to know what went wrong
    for value in [*PERSONAL, "bez schodov"]:  # a line break does not end the detail
        assert value not in text
    if migrated_url.startswith("postgresql"):
        assert "DETAIL: [REDACTED]" in text


async def test_the_recorder_logs_a_refused_record_without_its_key(
    sessions: Sessions, migrated_url: str, now: datetime, logged: io.StringIO
) -> None:
    recorder = ActivityRecorder(sessions)
    recorder.start()
    recorder.seen(Seen(7, "sk", "Anna", now))
    # A question from someone with no user row breaks the foreign key: refused, dropped, logged.
    recorder.asked(asked(987654321, "otázka", now))
    recorder.asked(asked(7, "iná", now + timedelta(seconds=1)))
    await recorder.flush()
    await recorder.close()
    assert recorder.dropped == 1
    text = logged.getvalue()
    assert "dropped an activity record the database refused: question 987654321/1" in text
    assert "(telegram_id)=(987654321)" not in text
    assert "otázka" not in text
    if migrated_url.startswith("postgresql"):
        assert "DETAIL: [REDACTED]" in text
