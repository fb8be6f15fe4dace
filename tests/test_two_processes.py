"""Two real `iuc-bot run` processes in webhook mode on one PostgreSQL database (#14.3), behind
one Bot API (the in-process one served over HTTP), the updates split between them as a load
balancer would: every conversation step goes to the other process than the step before.

Proved: registrations interleaved across both fill the places exactly; one broadcast reaches
every recipient once, at no more than BROADCAST_RATE for both processes together; each due
reminder is sent once although both processes' job queues look for it; a fact added through
the review loop in one process is answered by the other. PostgreSQL only (TEST_POSTGRES_URL).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from bot.broadcast.models import OutboxRow
from bot.db import migrate, repo
from bot.db.models import Registration, ReminderSent, Visit
from bot.db.scratch import temporary_postgres_database
from bot.db.session import make_engine, make_sessionmaker
from bot.db.url import sync_url
from bot.localapi import SentMessage
from bot.visits import service
from tests import processes
from tests.bot.visiting import ANSWERS, QUESTION, STEPS, label
from tests.httpapi import Call, HttpBotApi, http_bot_api
from tests.processes import free_port, iuc_bot_command
from tests.visits.factory import answers, visit_fields

POSTGRES_ENV = "TEST_POSTGRES_URL"
TOKEN = "4839574812:SECRETsecretSECRETsecret_-42"
SECRET = "two-processes"
HOOK = "telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
WAIT = 180.0  # seconds at most for anything awaited: a bound on a loaded machine, not a speed

CAPACITY, DELEGATES = 10, 15
DELEGATE_IDS = [300_001 + i for i in range(DELEGATES)]
COORDINATOR, ASKER = 42, 501
REMINDED = [800_001 + i for i in range(20)]  # confirmed for a visit starting in two days
READERS = [700_001 + i for i in range(170)]  # users who wrote earlier: a broadcast's audience
RATE = 30.0  # BROADCAST_RATE's default, the limit Telegram sets
BURST = 6  # the limiter's catch-up: a fifth of a second's worth (bot/broadcast/sender.py)
WINDOW = 3.0  # seconds: the rate is checked over every window this long
BROADCAST_TEXT = "News for everyone: the programme for May is out."
FACT = "No rental is known near the city hall."
OUT_OF_SCOPE = "is there a bicycle rental near the city hall"

T = TypeVar("T")


def until(check: Callable[[], T], what: str, limit: float = WAIT) -> T:
    """`processes.until` with this module's bound, polling often (messages come fast)."""
    return processes.until(check, what, limit, every=0.1)


@dataclass
class Process:
    """One `iuc-bot run` in webhook mode; its log in a file (a pipe nobody reads fills up)."""

    popen: subprocess.Popen[str]
    hook: str
    ops_port: int
    log: Path

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.ops_port}/health", timeout=5
            ) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_process(telegram: HttpBotApi, url: str, tmp_path: Path, n: int) -> Process:
    port, ops_port = free_port(), free_port()
    log = tmp_path / f"bot{n}.log"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "DATABASE_URL": url,
        "WEBHOOK_URL": f"https://bot.example.invalid/{HOOK}",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "OPS_PORT": str(ops_port),
        "OPS_LISTEN": "127.0.0.1",
        "COORDINATOR_IDS": str(COORDINATOR),
        # Fifteen people typing their registrations at machine speed are no flood; flood
        # control across processes is tested in tests/db/test_flood_marks.py.
        "FLOOD_MESSAGES": "1000",
        "BROADCAST_PROGRESS_SECONDS": "1",
    }
    with log.open("w") as out:
        popen = subprocess.Popen(
            [*iuc_bot_command(), "run"], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    return Process(popen, f"http://127.0.0.1:{port}/{HOOK}", ops_port, log)


class Bots:
    """Both processes behind one Bot API; updates go to the process the caller names."""

    def __init__(self, telegram: HttpBotApi, processes: list[Process]) -> None:
        self.telegram = telegram
        self.processes = processes
        self.api = telegram.api

    def post(self, process: int, update: dict[str, Any]) -> None:
        response = httpx.post(
            self.processes[process % 2].hook, json=update, headers={HEADER: SECRET}, timeout=60
        )
        assert response.status_code == 200, response.text

    def messages(self, chat: int) -> list[SentMessage]:
        return list(self.telegram.call(self.api.messages, chat))

    def last(self, chat: int) -> SentMessage | None:
        sent = self.messages(chat)
        return sent[-1] if sent else None

    def send(self, process: int, user: int, text: str, lang: str = "en") -> None:
        update = self.telegram.call(
            lambda: self.api.message_update(user, text, language_code=lang)
        )
        self.post(process, update)

    def press(
        self, process: int, user: int, message: SentMessage, text: str, lang: str = "en"
    ) -> None:
        """Presses the button whose label contains `text` on a message of the bot."""
        found = [data for name, data in self.api.buttons(message) if text in name]
        assert found, f"no button {text!r} in {self.api.buttons(message)}"
        update = self.telegram.call(
            lambda: self.api.callback_update(
                user, message.message_id, found[0], language_code=lang
            )
        )
        self.post(process, update)

    def count(self, chat: int) -> int:
        return len(self.messages(chat))

    def new(
        self, chat: int, since: int, check: Callable[[SentMessage], bool], what: str
    ) -> SentMessage:
        """The latest message the bot sent to the chat after the first `since` that passes
        `check`, once there is one."""

        def found() -> SentMessage | None:
            passed = [m for m in self.messages(chat)[since:] if check(m)]
            return passed[-1] if passed else None

        try:
            return until(found, f"{what} in chat {chat}")
        except AssertionError as exc:
            shown = "\n".join(
                f"{m.plain!r} {self.api.buttons(m)}" for m in self.messages(chat)[since - 2 :]
            )
            raise AssertionError(f"{exc}; the chat ends with:\n{shown}") from None

    def button(self, message: SentMessage, text: str) -> bool:
        return any(text in name for name, _ in self.api.buttons(message))

    def step(
        self, process: int, chat: int, act: Callable[[int], None], expect: str, *, button: bool
    ) -> SentMessage:
        """Does one step in the process and returns the bot's new message with `expect` in its
        text (or, with button=True, on one of its buttons)."""
        since = self.count(chat)
        act(process)
        if button:
            return self.new(chat, since, lambda m: self.button(m, expect), f"a button {expect!r}")
        return self.new(chat, since, lambda m: expect in m.plain, repr(expect))


# --- the database: two visits and earlier users, made as a coordinator's tools would --------


@dataclass(frozen=True)
class Setup:
    register_visit: int  # CAPACITY places, open: the delegates register through the bot
    reminder_visit: int  # starts in two days, REMINDED confirmed ten days ago


async def _prepare(url: str) -> Setup:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    earlier = now - timedelta(days=10)
    try:
        async with sessions.begin() as session:
            visit = await service.create_visit(
                session, **visit_fields(capacity=CAPACITY), now=earlier
            )
            await service.set_visit_status(session, visit.id, "open", earlier)
            tz = "Europe/Bratislava"
            start = now.astimezone(ZoneInfo(tz)).date() + timedelta(days=2)
            soon = await service.create_visit(
                session,
                **visit_fields(
                    titles={"en": "Soon", "sk": "Čoskoro", "ja": "まもなく"},
                    host_city="bratislava",
                    timezone=tz,
                    start_date=start,
                    end_date=start + timedelta(days=1),
                    capacity=len(REMINDED),
                    registration_deadline=start - timedelta(days=1),
                ),
                now=earlier,
            )
            await service.set_visit_status(session, soon.id, "open", earlier)
        for person in REMINDED:
            async with sessions.begin() as session:
                await service.register(
                    session,
                    visit_id=soon.id,
                    now=earlier,
                    **answers(person, arrival=start, departure=start + timedelta(days=1)),
                )
        async with sessions.begin() as session:
            for reader in READERS:
                await repo.touch_user(
                    session, reader, telegram_language="en", first_name="Reader", now=earlier
                )
        return Setup(visit.id, soon.id)
    finally:
        await engine.dispose()


@dataclass
class TwoBots:
    bots: Bots
    database: Engine
    setup: Setup
    processes: list[Process]


@pytest.fixture
def two(tmp_path: Path) -> Iterator[TwoBots]:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with temporary_postgres_database(server) as url, http_bot_api() as telegram:
        migrate.upgrade(url)
        setup = asyncio.run(_prepare(url))
        processes = [start_process(telegram, url, tmp_path, n) for n in range(2)]
        database = create_engine(sync_url(url))
        try:
            for process in processes:
                until(lambda p=process: p.healthy() or p.popen.poll() is not None, "/health")
                assert process.popen.poll() is None, process.log.read_text()
            yield TwoBots(Bots(telegram, processes), database, setup, processes)
        finally:
            for process in processes:
                process.stop()
            database.dispose()
            for process in processes:
                print(f"--- {process.log.name}\n{process.log.read_text()[-4000:]}")


# --- the parts ------------------------------------------------------------------------------


def register(bots: Bots, user: int, lang: str, visit_id: int) -> None:
    """One delegate's whole registration, each step sent to the other process."""
    turn = iter(range(user % 2, user % 2 + 100))

    def typed(text: str) -> Callable[[int], None]:
        return lambda process: bots.send(process, user, text, lang)

    def pressed(message: SentMessage, text: str) -> Callable[[int], None]:
        return lambda process: bots.press(process, user, message, text, lang)

    data = f"r:visit:{visit_id}"
    since = bots.count(user)
    typed("/register")(next(turn))
    menu = bots.new(user, since, lambda m: data in dict(bots.api.buttons(m)).values(), "visits")

    def visit_chosen(process: int) -> None:
        bots.post(
            process,
            bots.telegram.call(
                lambda: bots.api.callback_update(user, menu.message_id, data, language_code=lang)
            ),
        )

    shown = bots.step(next(turn), user, visit_chosen, QUESTION["full_name"][lang], button=False)
    for index, step in enumerate(STEPS):
        kind, value = ANSWERS[lang][step]
        act = typed(value) if kind == "text" else pressed(shown, label(lang, value))
        following = STEPS[index + 1] if index + 1 < len(STEPS) else "consent"
        shown = bots.step(next(turn), user, act, QUESTION[following][lang], button=False)
    shown = bots.step(
        next(turn),
        user,
        pressed(shown, label(lang, "I agree")),
        QUESTION["confirm"][lang],
        button=False,
    )
    bots.press(next(turn), user, shown, label(lang, "Confirm"), lang)


def registered(database: Engine, visit_id: int) -> list[tuple[int, str]]:
    with database.connect() as connection:
        rows = connection.execute(
            select(Registration.telegram_id, Registration.status).where(
                Registration.visit_id == visit_id
            )
        )
        return [(telegram_id, status) for telegram_id, status in rows]


def test_two_processes_share_one_database(two: TwoBots) -> None:
    bots, database, setup = two.bots, two.database, two.setup

    # 1. Registrations interleaved across both processes: the places are filled exactly.
    langs = ("en", "sk", "ja")
    with ThreadPoolExecutor(DELEGATES) as pool:
        done = [
            pool.submit(register, bots, user, langs[i % 3], setup.register_visit)
            for i, user in enumerate(DELEGATE_IDS)
        ]
        for future in done:
            future.result()
    rows = until(
        lambda: (r := registered(database, setup.register_visit)) and len(r) == DELEGATES and r,
        "every registration saved",
    )
    assert sorted(user for user, _ in rows) == DELEGATE_IDS  # nobody twice, nobody lost
    statuses = Counter(status for _, status in rows)
    assert statuses == {"confirmed": CAPACITY, "waitlisted": DELEGATES - CAPACITY}
    with database.connect() as connection:
        held = connection.scalar(select(Visit.held).where(Visit.id == setup.register_visit))
    assert held == CAPACITY

    # 2. Reminders: both processes' job queues look for due work soon after they start; each
    #    reminder went out once.
    def reminders() -> dict[int, int]:
        return {
            user: sum("Reminder:" in m.plain for m in bots.messages(user)) for user in REMINDED
        }

    until(lambda: all(reminders().values()), "every reminder")
    with database.connect() as connection:
        claimed = connection.scalar(select(func.count()).select_from(ReminderSent))
    assert claimed == len(REMINDED)
    sent_by = [
        sum(int(n) for n in re.findall(r"reminders: \d+ due, (\d+) sent", p.log.read_text()))
        for p in two.processes
    ]
    assert sum(sent_by) == len(REMINDED)

    # 3. The review loop: a fact added in one process is answered by the other.
    def says(user: int, text: str) -> Callable[[int], None]:
        return lambda process: bots.send(process, user, text)

    def presses(user: int, message: SentMessage, text: str) -> Callable[[int], None]:
        return lambda process: bots.press(process, user, message, text)

    bots.step(0, COORDINATOR, says(COORDINATOR, "/start"), "", button=False)
    asked = bots.step(1, ASKER, says(ASKER, OUT_OF_SCOPE), "Ask a coordinator", button=True)
    since = bots.count(COORDINATOR)
    bots.press(0, ASKER, asked, "Ask a coordinator")
    notice = bots.new(COORDINATOR, since, lambda m: bots.button(m, "New fact"), "the notice")
    prompt = bots.step(
        1, COORDINATOR, presses(COORDINATOR, notice, "New fact"), "in English", button=False
    )
    prompt = bots.step(0, COORDINATOR, says(COORDINATOR, FACT), "in Slovak", button=False)
    skip = "Skip this language"
    prompt = bots.step(
        1, COORDINATOR, presses(COORDINATOR, prompt, skip), "in Japanese", button=False
    )
    bots.step(  # saved by process 1
        1, COORDINATOR, presses(COORDINATOR, prompt, skip), "from now on", button=False
    )

    askers = iter(range(600_001, 600_200))  # a new person each time: no flood, no follow-up

    def answered_by_process_0() -> bool:
        user = next(askers)
        return bots.step(0, user, says(user, OUT_OF_SCOPE), "", button=False).plain == FACT

    until(answered_by_process_0, "the new fact answered by the other process")

    # 4. One broadcast, composed step by step across both processes.
    bots.step(0, COORDINATOR, says(COORDINATOR, "/broadcast"), "New broadcast", button=False)
    composer = bots.step(1, COORDINATOR, says(COORDINATOR, BROADCAST_TEXT), "Next", button=True)
    fallback = bots.step(
        0, COORDINATOR, presses(COORDINATOR, composer, "Next"), "English", button=True
    )
    audience = bots.step(
        1, COORDINATOR, presses(COORDINATOR, fallback, "English"), "All subscribers", button=True
    )
    summary = bots.step(
        0, COORDINATOR, presses(COORDINATOR, audience, "All subscribers"), "Send", button=True
    )
    sent_from = len(bots.telegram.call(lambda: list(bots.telegram.log)))
    bots.press(1, COORDINATOR, summary, "Send")

    def outbox() -> list[tuple[int, str]]:
        with database.connect() as connection:
            return list(connection.execute(select(OutboxRow.user_id, OutboxRow.status)))

    until(
        lambda: (rows := outbox()) and all(status == "sent" for _, status in rows),
        "the broadcast delivered",
    )
    recipients = {user for user, _ in outbox()}
    assert set(READERS) | set(DELEGATE_IDS) | {COORDINATOR, ASKER} <= recipients
    calls: list[Call] = bots.telegram.call(lambda: list(bots.telegram.log))[sent_from:]
    deliveries = [c for c in calls if c.method == "sendMessage" and c.text == BROADCAST_TEXT]
    # Every recipient exactly once, nobody else.
    assert Counter(c.chat_id for c in deliveries) == dict.fromkeys(recipients, 1)
    # Telegram's limit held for the two processes together: over any WINDOW seconds, at most
    # RATE a second and the limiter's catch-up, and a fifth of a second's worth of jitter in
    # when requests arrive. (Two senders pacing themselves each would send twice as many.)
    times = sorted(c.at for c in deliveries)
    assert times[-1] - times[0] > WINDOW  # enough sends to measure a window
    busiest = max(sum(1 for t in times[i:] if t - start < WINDOW) for i, start in enumerate(times))
    assert busiest <= RATE * WINDOW + BURST + RATE * 0.2, busiest

    # Nothing doubled anywhere: each delegate's and reminded person's chat got one reminder or
    # one confirmation flow, checked above; every process is still up.
    assert all(p.popen.poll() is None for p in two.processes)
