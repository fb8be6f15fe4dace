"""Random sessions of registering, withdrawing, offers, erasure, capacity changes and restarts:
a visit's places taken (visits.held) always equal its confirmed and offered registrations.

held is a counter kept beside the rows it counts, moved only by guarded UPDATEs; a path that
moves one without the other leaves places nobody holds, or hands out more than there are.
Here the bot is driven as people drive it: commands, typed answers, presses of the buttons it
really sent (stale ones included), time passing (offers expire), /forget_me, and restarts of
the Application on the same database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import build_application
from bot.console import running
from bot.db.models import Registration, Visit
from bot.jobs import run_due_work
from bot.kb.answer import QuestionAnswerer
from bot.localapi import LocalBotApi, local_bot_request
from bot.visits.rules import HOLDING_STATUSES
from tests.bot.harness import NOW, Harness, make_settings
from tests.bot.test_property import last_keyboard
from tests.visits.factory import open_visit

COORDINATOR = 7
DELEGATES = (11, 12, 13, 14, 15)
# How far time may run on in one test: registration stays open (deadline 1 May 2027).
LATEST = NOW + timedelta(days=90)


class Restartable:
    """The bot over one database and one fake Telegram, stopped and started again at will."""

    def __init__(self, database_url: str, qa: QuestionAnswerer) -> None:
        self.settings = make_settings(database_url, coordinator_ids=frozenset({COORDINATOR}))
        self.qa = qa
        self.api = LocalBotApi()  # Telegram keeps the chats (and their buttons) across restarts
        self.now = NOW
        self.stack = AsyncExitStack()
        self.harness: Harness | None = None
        self.starts = 0

    async def start(self) -> None:
        """Builds a new Application and runs it (migrations only the first time)."""
        app = build_application(
            self.settings,
            self.qa,
            request=local_bot_request(self.api),
            updates_request=local_bot_request(self.api),
            migrate_on_start=self.starts == 0,
        )
        app.bot_data["services"].clock = lambda: self.now
        await self.stack.enter_async_context(running(app))
        self.harness = Harness(self.api, app)
        self.starts += 1

    async def restart(self) -> None:
        """Stops the Application (its memory goes) and starts a new one."""
        await self.stack.aclose()
        self.stack = AsyncExitStack()
        await self.start()


@dataclass(frozen=True)
class Step:
    """One thing a person does: kind, who, and what (text, or which button)."""

    kind: str
    user: int = 0
    text: str = ""
    button: int = 0


people = st.sampled_from([*DELEGATES, COORDINATOR])
typed = st.sampled_from(
    [
        "Jana Nováková",
        "City of Bratislava",
        "Bratislava",
        "21.5.2027",
        "22.5.2027",
        "jana@example.sk",
        "none",
        "1",
        "2",
        "3",
        "When was the agreement signed?",
    ]
)
commands = st.sampled_from(
    ["/register", "/myvisits", "/forget_me", "/cancel", "/visits", "/start visit_1"]
)
steps = st.one_of(
    st.builds(Step, st.just("command"), people, commands),
    st.builds(Step, st.just("type"), people, typed),
    st.builds(Step, st.just("press"), people, st.just(""), st.integers(0, 8)),
    st.builds(Step, st.just("press"), people, st.just(""), st.integers(0, 8)),
    st.just(Step("later")),
    st.just(Step("restart")),
)


@pytest.fixture
async def restartable(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Restartable]:
    """One bot for all the examples, two visits open: one place, and two."""
    bot = Restartable(database_url, qa)
    await bot.start()
    assert bot.harness is not None
    sessions = bot.harness.app.bot_data["services"].sessions
    await open_visit(sessions, NOW, capacity=1)
    await open_visit(sessions, NOW, capacity=2)
    try:
        yield bot
    finally:
        await bot.stack.aclose()


async def take(bot: Restartable, step: Step) -> None:
    """Does what the step says, through the running Application."""
    harness = bot.harness
    assert harness is not None
    api = harness.api
    if step.kind == "restart":
        await bot.restart()
    elif step.kind == "later":
        # Past an offer's 48 hours: the sweep expires it and offers the place to the next.
        bot.now = min(bot.now + timedelta(hours=49), LATEST)
        await run_due_work(harness.app)
    elif step.kind in ("command", "type"):
        await harness.feed(api.message_update(step.user, step.text))
    else:
        found = last_keyboard(harness, step.user)
        if found is None:
            await harness.feed(api.message_update(step.user, "/myvisits"))
            return
        message_id, buttons = found
        _, data = buttons[step.button % len(buttons)]
        if data is not None and ":" in data and not data.startswith("http"):
            await harness.feed(api.callback_update(step.user, message_id, data))


async def places(bot: Restartable) -> list[tuple[int, int, int, int]]:
    """Each visit's (id, held, registrations holding a place, capacity)."""
    assert bot.harness is not None
    holding = [s.value for s in HOLDING_STATUSES]
    counted = (
        select(func.count())
        .where(Registration.visit_id == Visit.id, Registration.status.in_(holding))
        .scalar_subquery()
    )
    async with bot.harness.app.bot_data["services"].sessions() as session:
        result = await session.execute(
            select(Visit.id, Visit.held, counted, Visit.capacity).order_by(Visit.id)
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]


def register_steps(user: int, visit_button: int = 0) -> list[Step]:
    """A whole registration, step by step as the buttons and questions come."""
    return [
        Step("command", user, "/register"),
        Step("press", user, "", visit_button),
        Step("type", user, "Jana Nováková"),
        Step("type", user, "City of Bratislava"),
        Step("type", user, "Bratislava"),
        Step("press", user),  # role: Delegate
        Step("type", user, "21.5.2027"),
        Step("type", user, "22.5.2027"),
        Step("press", user),  # dietary: None
        Step("press", user),  # accessibility: None
        Step("press", user),  # e-mail: Skip
        Step("press", user),  # I agree
        Step("press", user),  # Confirm
    ]


EXAMPLES = {
    # Two register for the one place; the first erases their data: the place goes on.
    "forget": [
        *register_steps(11),
        *register_steps(12),
        Step("command", 11, "/forget_me"),
        Step("press", 11),
    ],
    # An offer left unanswered expires, across a restart; the coordinator then adds a place.
    "offer expires": [
        *register_steps(13, visit_button=1),
        *register_steps(14, visit_button=1),
        *register_steps(15, visit_button=1),
        Step("command", 13, "/myvisits"),
        Step("press", 13, "", 1),  # Withdraw
        Step("press", 13),  # Yes, withdraw: 15 is offered the place
        Step("restart"),
        Step("later"),
        Step("command", COORDINATOR, "/visits"),
        Step("press", COORDINATOR, "", 1),  # the second visit
        Step("press", COORDINATOR, "", 2),  # Change capacity
        Step("type", COORDINATOR, "3"),
    ],
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(session=st.lists(steps, min_size=1, max_size=20))
@example(session=EXAMPLES["forget"])
@example(session=EXAMPLES["offer expires"])
async def test_held_always_equals_the_registrations_holding_a_place(
    restartable: Restartable, session: list[Step]
) -> None:
    for step in session:
        await take(restartable, step)
        for visit_id, held, holding, capacity in await places(restartable):
            assert held == holding, f"visit {visit_id} after {step}: held {held}, {holding} hold"
            assert held <= capacity


async def test_the_examples_reach_what_they_are_for(restartable: Restartable) -> None:
    # The hand-written sessions must really register, offer, erase and restart, or the
    # property above proves little about those paths.
    async def statuses() -> list[tuple[int | None, str]]:
        assert restartable.harness is not None
        sessions = restartable.harness.app.bot_data["services"].sessions
        async with sessions() as session:
            result = await session.execute(
                select(Registration.telegram_id, Registration.status).order_by(Registration.id)
            )
            return [tuple(row) for row in result.all()]  # type: ignore[misc]

    for step in EXAMPLES["forget"]:
        await take(restartable, step)
    assert (11, "confirmed") not in await statuses()
    assert [status for person, status in await statuses() if person == 12] != []
    for step in EXAMPLES["offer expires"]:
        await take(restartable, step)
    assert restartable.starts == 2
    assert [s for s in await statuses() if s[0] in (13, 14, 15)] == [
        (13, "withdrawn"),
        (14, "confirmed"),
        (15, "expired"),
    ]
    # 11's erasure offered the first visit's place to 12, whose offer lapsed "later".
    assert (12, "expired") in await statuses()
    assert [visit[1:] for visit in await places(restartable)] == [(0, 0, 1), (1, 1, 3)]
