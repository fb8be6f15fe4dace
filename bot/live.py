"""Answers completed from the database: a fact marked `live` is rendered from what is there now.

The knowledge core (bot/kb) stays free of database code: it answers with the fact, whose
`live` names what the answer is made of; this layer, shared by Telegram and `iuc-bot ask`,
reads the database and replaces the text. The fact's own text stays the answer when no
database is at hand.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.session import make_engine, make_sessionmaker
from bot.db.url import sync_url
from bot.i18n import Translator
from bot.kb.answer import Answer, QuestionAnswerer, unrecorded
from bot.kb.render import render_fact
from bot.visits.live import OpenVisit, open_for_registration, open_visits_text

OPEN_VISITS = "open_visits"
# Offered when no visit is open: what has happened so far.
PAST_MEETINGS = "meetings.overview"


@dataclass(frozen=True)
class LiveAnswer:
    """The answer, with its text from the database if it is live, and the visits it lists."""

    answer: Answer
    visits: tuple[OpenVisit, ...] = ()


async def complete(
    answer: Answer,
    qa: QuestionAnswerer,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    buttons: bool,
) -> LiveAnswer:
    """A live answer rendered from the database; any other answer as it is.

    Raises the database's errors: the caller decides to fall back to the fact's own text.
    """
    if answer.live is None:
        return LiveAnswer(answer)
    live = await live_text(
        answer.live, Translator(answer.lang), qa, sessions, now, buttons=buttons
    )
    if live is None:
        return LiveAnswer(answer)
    text, visits = live
    return LiveAnswer(replace(answer, text=text), visits)


async def live_text(
    live: str,
    t: Translator,
    qa: QuestionAnswerer,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    buttons: bool,
) -> tuple[str, tuple[OpenVisit, ...]] | None:
    """The text of a live fact (`Fact.live`) from the database, and the visits it lists;
    None for a kind this bot does not know (a newer knowledge base)."""
    if live != OPEN_VISITS:
        return None
    async with sessions() as session:
        visits = await open_for_registration(session, now)
    kb = qa.kb
    if visits:

        def place(city: str) -> str | None:
            record = kb.records.get(city)
            return None if record is None else record.name.get(t.lang)

        return open_visits_text(t, visits, place, buttons=buttons), tuple(visits)
    text = t.gettext(
        "No visit is open for registration right now. Please look again later, "
        "or ask the IUC coordinators."
    )
    meetings = kb.facts.get(PAST_MEETINGS)
    if meetings is not None:
        text += "\n\n" + render_fact(kb, meetings, t, now.date())
    return text, ()


class BlockingLiveAnswers:
    """`complete` for `iuc-bot ask`, which has no event loop: one of its own, and the database
    of DATABASE_URL. A database that is missing or not migrated leaves the fact's own text,
    with one warning on standard error."""

    def __init__(self, database_url: str, qa: QuestionAnswerer) -> None:
        self.qa = qa
        self._loop = asyncio.new_event_loop()
        self._engine: AsyncEngine | None = None
        self._problem: str | None = None
        url = make_url(sync_url(database_url))
        if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
            # Opening it would create an empty file where the operator meant a database.
            self._problem = f"there is no SQLite file {url.database}"
        else:
            self._engine = make_engine(database_url)
            self._sessions = make_sessionmaker(self._engine)

    def complete(self, answer: Answer) -> Answer:
        """The answer, a live one with its text from the database."""
        if self._engine is not None and self._problem is None:
            try:
                done = self._loop.run_until_complete(
                    complete(answer, self.qa, self._sessions, datetime.now(UTC), buttons=False)
                )
            except SQLAlchemyError as exc:
                self._problem = str(exc).splitlines()[0]
            else:
                return done.answer
        if self._problem:  # "" once said
            print(f"iuc-bot: could not read the visits: {self._problem}", file=sys.stderr)
            self._problem = ""  # said once
        # The fact's own text points to /register and tells nothing of the visits: not an
        # answer to the question.
        return unrecorded(answer)

    def close(self) -> None:
        """Closes the database and the loop."""
        if self._engine is not None:
            self._loop.run_until_complete(self._engine.dispose())
        self._loop.close()
