"""Conversation steps of many people, each read and written in one transaction: a group commit.

A step of a conversation (an answer typed or pressed during /register) reads the person's
draft and the visit it is about, checks the answer against them, and saves the next step. Done
one at a time, that is several transactions per step, and on SQLite every statement is a few
hops to aiosqlite's thread on the one connection all messages queue for: with fifty people
registering at once each waited seconds for the others' hops. Here the steps that arrive
together are one batch: one read of every draft and visit they need, each step decided on
what was read (in arrival order, so two steps of one person see each other), one write, one
commit. While a batch is written the next one gathers.

Nobody is answered before the commit that holds their step: a failed commit fails every step
of its batch (the caller keeps the answer for "Try again"); a step whose decision raises fails
alone and writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, select, tuple_

from bot.db.deadline import DeadlineSessions
from bot.db.models import MAX_ROW_ID, Draft, Visit
from bot.visits.drafts import draft_payload, draft_upsert

R = TypeVar("R")


@dataclass
class Decision(Generic[R]):
    """What a step decided: the caller's result, and the draft to save or delete with it."""

    result: R
    save: tuple[str, str, dict[str, Any]] | None = None  # (kind, step, data)
    delete: str | None = None  # kind


# A step's decision, taken on the person's drafts by kind (copies: not attached to any
# session) and the visits those drafts are about, by id.
Decide = Callable[[Mapping[str, Draft], Mapping[int, Visit]], Decision[Any]]


@dataclass
class _Step:
    telegram_id: int
    decide: Decide
    future: asyncio.Future[Any]


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

    async def __call__(self, telegram_id: int, decide: Decide) -> Any:
        """The result of `decide`, once its decision is committed (or its exception)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queued.append(_Step(telegram_id, decide, future))
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
        async with self.sessions().begin() as session:
            rows = await session.execute(
                select(Draft.telegram_id, Draft.kind, Draft.step, Draft.data).where(
                    Draft.telegram_id.in_(ids)
                )
            )
            drafts: dict[int, dict[str, Draft]] = {}
            for who, kind, step, data in rows:
                drafts.setdefault(who, {})[kind] = Draft(
                    telegram_id=who, kind=kind, step=step, data=data
                )
            visit_ids = {
                about
                for mine in drafts.values()
                for d in mine.values()
                if (about := _visit_of(d)) is not None
            }
            visits: dict[int, Visit] = {}
            if visit_ids:
                found = await session.scalars(
                    select(Visit)
                    .where(Visit.id.in_(visit_ids))
                    .execution_options(populate_existing=True)
                )
                visits = {v.id: v for v in found}
            # The newest decision per (person, kind): a second step of one person in the batch
            # was decided on the first one's draft and supersedes it.
            writes: dict[tuple[int, str], dict[str, Any] | None] = {}
            now = self.clock()
            for step in steps:
                mine = drafts.setdefault(step.telegram_id, {})
                try:
                    decision = step.decide(dict(mine), visits)
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
                        mine[kind] = Draft(
                            telegram_id=step.telegram_id, kind=kind, step=name, data=row
                        )
                    if decision.delete is not None:
                        writes[(step.telegram_id, decision.delete)] = None
                        mine.pop(decision.delete, None)
                except Exception as exc:  # this step's own failure; the others go on
                    results.append(exc)
                    continue
                results.append(decision.result)
            saved = [row for row in writes.values() if row is not None]
            gone = [key for key, row in writes.items() if row is None]
            if saved:
                await session.execute(draft_upsert(session), saved)
            if gone:
                await session.execute(
                    delete(Draft).where(tuple_(Draft.telegram_id, Draft.kind).in_(gone))
                )
        return results


def _visit_of(draft: Draft) -> int | None:
    """The id of the visit a draft is about, if it names one."""
    value = draft.data.get("visit_id") if isinstance(draft.data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID:
        return value
    return None
