"""What the coordinators' /stats counts: users by language, how questions fared, the questions
the bot could not answer, places of the coming visits, and the latest broadcasts.

Read-only and free of Telegram (the handler renders it). Each part is one grouped query or a
bounded read, so /stats stays cheap on a database of thousands of delegates. Question texts
are personal data: only texts the retention period and erasure have left are read, and only
within that period (the purge may not have run yet), and only the bot's misses.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.models import Broadcast, BroadcastStatus, OutboxRow
from bot.broadcast.store import Counts
from bot.db.models import Outcome, QuestionLog, Registration, User, Visit
from bot.db.repo import MISSED_OUTCOMES
from bot.i18n import LANGUAGES, negotiate
from bot.visits.rules import RegistrationStatus, VisitStatus

PERIOD_DAYS = 30  # "recently": the questions' share and the top unanswered ones
TOP_UNANSWERED = 10
MAX_VISITS = 10
LAST_BROADCASTS = 5
# The newest misses grouped for the top list: a month of a busy programme, and a bound on what
# one /stats reads.
UNANSWERED_SCAN = 5000
_MISSED = [o.value for o in MISSED_OUTCOMES]
# Around a question, what does not change what was asked: spaces, end punctuation, quotes.
_EDGES = " \t\r\n?!.,;:…\"'“”„«»「」『』()"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Answers:
    """How questions fared: answered, only suggestions offered (none picked yet), or not
    answered (nothing found, or the asker said none of the suggestions fit)."""

    answered: int = 0
    suggested: int = 0
    unanswered: int = 0

    @property
    def total(self) -> int:
        """Every question counted."""
        return self.answered + self.suggested + self.unanswered


@dataclass(frozen=True)
class Asked:
    """A question the bot could not answer, as last asked, and how often it was asked."""

    text: str
    count: int


@dataclass(frozen=True)
class VisitPlaces:
    """A coming (or ongoing) visit's places and registrations."""

    visit: Visit
    confirmed: int
    waitlisted: int
    offered: int


@dataclass(frozen=True)
class Delivery:
    """A broadcast and what became of its messages."""

    broadcast: Broadcast
    counts: Counts


@dataclass(frozen=True)
class Overview:
    """Everything /stats shows."""

    users: dict[str, int]  # interface language -> people, every language listed
    recent: Answers  # the last PERIOD_DAYS days
    all_time: Answers
    unanswered: list[Asked]  # the last PERIOD_DAYS days, most asked first
    visits: list[VisitPlaces]
    more_visits: int  # coming visits beyond MAX_VISITS
    broadcasts: list[Delivery]
    period_days: int = PERIOD_DAYS


def normal_question(text: str) -> str:
    """The form questions are grouped by: Unicode-normalised (full-width Japanese too),
    case-folded, spaces collapsed, without end punctuation or quotes."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", folded).strip(_EDGES)


async def overview(
    session: AsyncSession, now: datetime, *, retention_days: int, default_lang: str
) -> Overview:
    """Everything /stats shows, read at `now`."""
    since = now - timedelta(days=PERIOD_DAYS)
    visits, more = await coming_visits(session, now.date())
    return Overview(
        users=await users_by_language(session, default_lang),
        recent=await answers(session, since),
        all_time=await answers(session, None),
        unanswered=await top_unanswered(session, max(since, now - timedelta(days=retention_days))),
        visits=visits,
        more_visits=more,
        broadcasts=await last_broadcasts(session),
    )


async def users_by_language(session: AsyncSession, default_lang: str) -> dict[str, int]:
    """People by the language the bot speaks to them in (their choice, else Telegram's)."""
    found = dict.fromkeys(LANGUAGES, 0)
    rows = await session.execute(
        select(User.language, User.telegram_language, func.count()).group_by(
            User.language, User.telegram_language
        )
    )
    for chosen, telegram, n in rows.all():
        found[negotiate(chosen, telegram, default_lang)] += n
    return found


async def answers(session: AsyncSession, since: datetime | None) -> Answers:
    """How the questions asked since `since` (None: ever) fared, by their outcome now."""
    query = select(QuestionLog.outcome, func.count()).group_by(QuestionLog.outcome)
    if since is not None:
        query = query.where(QuestionLog.created_at >= since)
    by = dict((await session.execute(query)).all())
    return Answers(
        answered=by.get(Outcome.ANSWERED.value, 0),
        suggested=by.get(Outcome.SUGGESTED.value, 0),
        unanswered=sum(by.get(o, 0) for o in _MISSED),
    )


async def top_unanswered(
    session: AsyncSession, since: datetime, limit: int = TOP_UNANSWERED
) -> list[Asked]:
    """The misses asked since `since`, grouped by their normal form, most asked first (ties:
    the most recent first). Erased texts (empty) are not read."""
    texts = await session.scalars(
        select(QuestionLog.text)
        .where(
            QuestionLog.outcome.in_(_MISSED),
            QuestionLog.created_at >= since,
            QuestionLog.text != "",
        )
        .order_by(QuestionLog.created_at.desc(), QuestionLog.id.desc())
        .limit(UNANSWERED_SCAN)
    )
    return _grouped(texts, limit)


def _grouped(newest_first: Iterable[str], limit: int) -> list[Asked]:
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}  # normal form -> the newest wording
    for text in newest_first:
        key = normal_question(text)
        if key:
            counts[key] += 1
            shown.setdefault(key, text.strip())
    # Counter.most_common keeps first-seen order among equals: the newest first.
    return [Asked(shown[key], n) for key, n in counts.most_common(limit)]


async def coming_visits(
    session: AsyncSession, today: date, limit: int = MAX_VISITS
) -> tuple[list[VisitPlaces], int]:
    """Open and closed visits not over yet, soonest first (at most `limit`), with their
    registrations counted; and how many more there are."""
    coming = (
        Visit.status.in_([VisitStatus.OPEN.value, VisitStatus.CLOSED.value]),
        Visit.end_date >= today,
    )
    total = await session.scalar(select(func.count()).select_from(Visit).where(*coming)) or 0
    visits = list(
        await session.scalars(
            select(Visit).where(*coming).order_by(Visit.start_date, Visit.id).limit(limit)
        )
    )
    by: dict[tuple[int, str], int] = {}
    if visits:
        rows = await session.execute(
            select(Registration.visit_id, Registration.status, func.count())
            .where(Registration.visit_id.in_([v.id for v in visits]))
            .group_by(Registration.visit_id, Registration.status)
        )
        by = {(visit_id, status): n for visit_id, status, n in rows.all()}
    places = [
        VisitPlaces(
            visit=v,
            confirmed=by.get((v.id, RegistrationStatus.CONFIRMED.value), 0),
            waitlisted=by.get((v.id, RegistrationStatus.WAITLISTED.value), 0),
            offered=by.get((v.id, RegistrationStatus.OFFERED.value), 0),
        )
        for v in visits
    ]
    return places, total - len(visits)


async def last_broadcasts(session: AsyncSession, limit: int = LAST_BROADCASTS) -> list[Delivery]:
    """The newest broadcasts that were sent (or began to be), newest first, with their counts."""
    broadcasts = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status != BroadcastStatus.DRAFT.value)
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
    )
    by: dict[int, dict[str, int]] = {b.id: {} for b in broadcasts}
    if broadcasts:
        rows = await session.execute(
            select(OutboxRow.broadcast_id, OutboxRow.status, func.count())
            .where(OutboxRow.broadcast_id.in_(list(by)))
            .group_by(OutboxRow.broadcast_id, OutboxRow.status)
        )
        for broadcast_id, status, n in rows.all():
            by[broadcast_id][status] = n
    return [Delivery(b, Counts(**by[b.id])) for b in broadcasts]
