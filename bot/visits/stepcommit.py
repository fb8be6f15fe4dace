"""Conversation steps of many people, each read and written in one transaction: a group commit.

A step of a conversation (an answer typed or pressed during /register) reads the person's
draft and the visit it is about, checks the answer against them, and saves the next step. Done
one at a time, that is several transactions per step, and on SQLite every statement is a few
hops to aiosqlite's thread on the one connection all messages queue for: with fifty people
registering at once each waited seconds for the others' hops. Here the steps that arrive
together are one batch: one read of every draft and visit they need, each step decided on
what was read (in arrival order, so two steps of one person see each other), one write, one
commit. While a batch is written the next one gathers.

Besides the drafts and their visits, a step may ask for more in that one read (`Needs`): visits
by id (the visit a button chose), the visits open for registration (/register), the visits the
person holds an active registration for. A step that must write more than its draft (the
confirmation, which takes a place) gives a `then`, run after the batch's draft writes in
arrival order in the same transaction, or a `bulk` write, called once for the items of all the
steps that name it (the confirmations of a batch take their places in a few statements, not a
few each). Either refuses a step only before writing anything of it (that step fails alone); a
database error in either fails the whole batch.

Nobody is answered before the commit that holds their step: a failed commit fails every step
of its batch (the caller keeps the answer for "Try again"); a step whose decision raises fails
alone and writes nothing.

The statements are built once (module constants, expanding IN lists): building an SQLAlchemy
statement costs more than the batch's own work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.deadline import DeadlineSessions
from bot.db.models import MAX_ROW_ID, Draft, Registration, Visit
from bot.visits.catalogue import open_visits
from bot.visits.drafts import draft_payload, draft_upsert
from bot.visits.rules import ACTIVE_STATUSES

R = TypeVar("R")


@dataclass
class Decision(Generic[R]):
    """What a step decided: the caller's result, and the draft to save or delete with it.

    `then`, if given, runs after the batch's draft writes, in the batch's transaction, and its
    return value becomes the result (see the module doc for what it may raise).
    """

    result: R
    save: tuple[str, str, dict[str, Any]] | None = None  # (kind, step, data)
    delete: str | None = None  # kind
    then: Callable[[AsyncSession, R], Awaitable[Any]] | None = None
    # (write, item): the batch calls each `write` once, with the items of all its steps in
    # arrival order; it returns each item's result (or exception), which becomes the step's.
    bulk: tuple[Bulk, Any] | None = None


# Writes the items of several steps at once, in the batch's transaction; a result (or a
# refusal, raised before anything of that item was written) per item, in order.
Bulk = Callable[[AsyncSession, list[Any]], Awaitable[list[Any]]]


@dataclass(frozen=True)
class Needs:
    """What a step's decision reads besides the person's drafts and the visits they name."""

    visits: tuple[int, ...] = ()  # visits by id (out-of-range ids are simply not found)
    registered: bool = False  # the visits the person holds an active registration for
    open_on: date | None = None  # the visits open for registration on that day


@dataclass(frozen=True, slots=True)
class SavedDraft:
    """A person's draft as read in a batch, or as a step of the batch just decided it.

    Plain values, not a Draft: making an ORM instance (instrumented, with its state) cost more
    than the batch's own reading, and the decisions only read these four.
    """

    telegram_id: int
    kind: str
    step: str
    data: Any  # as stored: a dict of the answers so far


@dataclass
class Read:
    """What a step's decision is taken on, all read in the batch's transaction.

    drafts: the person's drafts by kind; visits: the visits those drafts name and those asked
    for, by id; registered: the visits the person holds an active registration for (when
    asked); open_visits: the visits open for registration on the day asked, soonest first (when
    asked).
    """

    drafts: Mapping[str, SavedDraft]
    visits: Mapping[int, Visit]
    registered: frozenset[int] = frozenset()
    open_visits: Sequence[Visit] = ()


Decide = Callable[[Read], Decision[Any]]

_NO_NEEDS = Needs()
_ACTIVE = [s.value for s in ACTIVE_STATUSES]
_IDS = bindparam("ids", expanding=True)
_DRAFTS = select(Draft.telegram_id, Draft.kind, Draft.step, Draft.data).where(
    Draft.telegram_id.in_(_IDS)
)
_VISITS = (
    select(Visit)
    .where(Visit.id.in_(bindparam("visit_ids", expanding=True)))
    .execution_options(populate_existing=True)
)
_REGISTERED = select(Registration.telegram_id, Registration.visit_id).where(
    Registration.telegram_id.in_(_IDS), Registration.status.in_(_ACTIVE)
)


@dataclass
class _Step:
    telegram_id: int
    decide: Decide
    future: asyncio.Future[Any]
    needs: Needs = field(default_factory=Needs)


class StepCommits:
    """Takes conversation steps in batches, one transaction per batch (see the module doc)."""

    def __init__(
        self, sessions: Callable[[], DeadlineSessions], clock: Callable[[], datetime]
    ) -> None:
        # Both looked up for every batch: the process's sessions and clock may be replaced.
        self.sessions = sessions
        self.clock = clock
        self.batches = 0  # transactions committed, for tests and the benchmark
        self._queued: list[_Step] = []
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, telegram_id: int, decide: Decide, needs: Needs = _NO_NEEDS) -> Any:
        """The result of `decide` (or of its `then`), once committed (or its exception)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queued.append(_Step(telegram_id, decide, future, needs))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain(), name="conversation steps")
        return await future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # the rest of a burst, already waiting in the loop, joins in
        while self._queued:
            steps, self._queued = self._queued, []
            try:
                results = await self._write(steps)
            except asyncio.CancelledError:
                for step in steps + self._queued:
                    step.future.cancel()
                raise
            except Exception as exc:  # the transaction failed: none of its steps happened
                for step in steps:
                    if not step.future.done():
                        step.future.set_exception(exc)
                continue
            self.batches += 1
            for step, result in zip(steps, results, strict=True):
                if step.future.done():  # its handler was cancelled meanwhile
                    continue
                if isinstance(result, BaseException):
                    step.future.set_exception(result)
                else:
                    step.future.set_result(result)

    async def _write(self, steps: list[_Step]) -> list[Any]:
        ids = list(dict.fromkeys(s.telegram_id for s in steps))
        results: list[Any] = []
        thens: list[tuple[int, Callable[[AsyncSession, Any], Awaitable[Any]]]] = []
        bulks: dict[Bulk, list[tuple[int, Any]]] = {}
        async with self.sessions().begin() as session:
            drafts: dict[int, dict[str, SavedDraft]] = {}
            for who, kind, step, data in await session.execute(_DRAFTS, {"ids": ids}):
                drafts.setdefault(who, {})[kind] = SavedDraft(who, kind, step, data)
            registered: dict[int, set[int]] = {}
            if any(s.needs.registered for s in steps):
                asking = list(dict.fromkeys(s.telegram_id for s in steps if s.needs.registered))
                for who, about in await session.execute(_REGISTERED, {"ids": asking}):
                    registered.setdefault(who, set()).add(about)
            visit_ids = {
                about
                for mine in drafts.values()
                for d in mine.values()
                if (about := _visit_of(d)) is not None
            } | {about for s in steps for about in s.needs.visits if 0 < about <= MAX_ROW_ID}
            visits: dict[int, Visit] = {}
            if visit_ids:
                found = await session.scalars(_VISITS, {"visit_ids": sorted(visit_ids)})
                visits = {v.id: v for v in found}
            listed: dict[date, list[Visit]] = {}
            for day in dict.fromkeys(s.needs.open_on for s in steps if s.needs.open_on):
                assert day is not None
                listed[day] = await open_visits(session, day)
            # The newest decision per (person, kind): a second step of one person in the batch
            # was decided on the first one's draft and supersedes it.
            writes: dict[tuple[int, str], dict[str, Any] | None] = {}
            now = self.clock()
            for index, step in enumerate(steps):
                mine = drafts.setdefault(step.telegram_id, {})
                read = Read(
                    dict(mine),
                    visits,
                    frozenset(registered.get(step.telegram_id, ())),
                    listed.get(step.needs.open_on, ()) if step.needs.open_on else (),
                )
                try:
                    decision = step.decide(read)
                    if decision.save is not None:
                        kind, name, data = decision.save
                        row = draft_payload(kind, name, data)
                        writes[(step.telegram_id, kind)] = {
                            "telegram_id": step.telegram_id,
                            "kind": kind,
                            "step": name,
                            "data": row,
                            "updated_at": now,
                        }
                        mine[kind] = SavedDraft(step.telegram_id, kind, name, row)
                    if decision.delete is not None:
                        writes[(step.telegram_id, decision.delete)] = None
                        mine.pop(decision.delete, None)
                except Exception as exc:  # this step's own failure; the others go on
                    results.append(exc)
                    continue
                results.append(decision.result)
                if decision.then is not None:
                    thens.append((index, decision.then))
                if decision.bulk is not None:
                    write, item = decision.bulk
                    bulks.setdefault(write, []).append((index, item))
            saved = [row for row in writes.values() if row is not None]
            gone = [key for key, row in writes.items() if row is None]
            if saved:
                await session.execute(draft_upsert(session), saved)
            if gone:
                await session.execute(
                    delete(Draft).where(tuple_(Draft.telegram_id, Draft.kind).in_(gone))
                )
            for write, items in bulks.items():
                for (index, _), result in zip(
                    items, await write(session, [item for _, item in items]), strict=True
                ):
                    results[index] = result
            for index, then in thens:
                try:
                    results[index] = await then(session, results[index])
                except SQLAlchemyError:
                    raise  # the transaction may be lost: the whole batch fails
                except Exception as exc:  # refused before writing: this step alone
                    results[index] = exc
        return results


def _visit_of(draft: SavedDraft) -> int | None:
    """The id of the visit a draft is about, if it names one."""
    value = draft.data.get("visit_id") if isinstance(draft.data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID:
        return value
    return None
