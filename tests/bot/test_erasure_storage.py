"""After /forget_me nothing in the database leads back to the person; /mydata shows all of it.

The checks walk the schema generically (every table of the models, every column of every
row), so a table or column added later is covered without touching these tests.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import roles
from bot.broadcast import store
from bot.db.models import Base, User
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import Harness, run_bot
from tests.bot.test_erasure import forget
from tests.bot.visiting import answer_until, label, open_visit, start

PERSON, OTHER = 4242, 5151
FIRST_NAME = "FirstForget"
USERNAME = "UserForget"
QUESTION = "QSECRET when was the agreement between the cities signed?"
ANSWERS = {
    "full_name": ("text", "Zuzana Forgetova"),
    "organisation": ("text", "OrgForget"),
    "city": ("text", "CityForget"),
    "dietary": ("text", "FORGETDIET vegan"),
    "email": ("text", "zuzana@forget.example"),
}
# What must be gone, compared case-insensitively (the e-mail's "zuzana" as well as the name's).
SECRETS = (
    "Zuzana",
    "Forgetova",
    "OrgForget",
    "CityForget",
    "FORGETDIET",
    "QSECRET",
    FIRST_NAME,
    USERNAME,
)


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot with flood control on, as `run` has it: on PostgreSQL it keeps a row
    per person (flood_marks); the limit is high enough for a registration typed at once."""
    async with run_bot(database_url, qa, flood_control=True, flood_messages=1000) as harness:
        yield harness


def flood_rows(bot: Harness) -> set[str]:
    """flood_marks when it holds rows (PostgreSQL; SQLite counts in memory)."""
    url = bot.app.bot_data["services"].settings.database_url
    return {"flood_marks"} if url.startswith("postgresql") else set()


async def register_as(bot: Harness, user: int, visit_id: int, **answers: tuple[str, str]) -> None:
    """A whole registration in English with the given answers."""
    visit = await visit_of(bot, visit_id)
    await start(bot, user, "en", visit)
    await answer_until(bot, user, "en", "consent", **answers)
    await bot.press(user, bot.api.last_message(user), label("en", "I agree"))
    await bot.press(user, bot.api.last_message(user), label("en", "Confirm"))


async def broadcasts(bot: Harness) -> None:
    """A broadcast the person wrote, and one they and the other person were to receive
    (cancelled at once: what the sender does is not what these tests are about)."""
    now = bot.app.bot_data["services"].clock()
    async with bot.app.bot_data["services"].sessions.begin() as session:
        await store.create(
            session,
            author_id=PERSON,
            author_lang="en",
            texts={"en": "Hi"},
            fallback_lang="en",
            now=now,
        )
        received = await store.create(
            session,
            author_id=1,
            author_lang="en",
            texts={"en": "Hello"},
            fallback_lang="en",
            now=now,
        )
        audience = select(User.telegram_id, User.language).where(
            User.telegram_id.in_([PERSON, OTHER])
        )
        await store.enqueue(session, received.id, audience, now)
        await store.cancel(session, received.id, now)


async def visit_of(bot: Harness, visit_id: int) -> Any:
    async with bot.app.bot_data["services"].sessions() as session:
        return await service.get_visit(session, visit_id)


async def leave_traces(bot: Harness) -> None:
    """The person everywhere the bot can store them; another person beside them."""
    confirmed = await open_visit(bot)
    full = await open_visit(bot, capacity=1, titles={"en": "Full visit"})
    drafting = await open_visit(bot, titles={"en": "Third visit"})
    # Visits the person created as a coordinator name them as their creator.
    await open_visit(bot, created_by=PERSON, titles={"en": "Created by the person"})
    await bot.send(OTHER, "CONTROLQ when was the agreement signed?", first_name="Controlla")
    await register_as(bot, OTHER, full.id, full_name=("text", "Control Person"))
    [answer] = await bot.send(PERSON, QUESTION, first_name=FIRST_NAME, username=USERNAME)
    helpful = [label for label, _ in bot.api.buttons(answer) if "👍" in label]
    if helpful:
        await bot.press(PERSON, answer, helpful[0])
    [unsure] = await bot.send(PERSON, "QSECRET meeting tokorozawa")  # only suggestions
    await bot.press(PERSON, unsure, "None of these")
    # Handed to the coordinators: the question is stored once more, with its language.
    await bot.press(PERSON, bot.api.last_message(PERSON), "Ask a coordinator")
    # Longer than a page: erasing it frees whole overflow pages.
    await bot.send(PERSON, "QSECRET-overflow " * 400)
    await bot.send(PERSON, "/language")
    await bot.press(PERSON, bot.api.last_message(PERSON), "English")
    await register_as(bot, PERSON, confirmed.id, **ANSWERS)
    await register_as(bot, PERSON, full.id, **ANSWERS)  # waitlisted
    await start(bot, PERSON, "en", drafting)
    await answer_until(bot, PERSON, "en", "role", **ANSWERS)  # a draft up to the role
    # A role granted to the person, and one they granted (which names them as the granter).
    services = bot.app.bot_data["services"]
    nobody = roles.Configured()
    async with services.sessions.begin() as session:
        for who, by in ((PERSON, OTHER), (OTHER, PERSON)):
            await roles.grant(
                session, who, roles.Role.STAFF, by=by, now=services.clock(), configured=nobody
            )
    await broadcasts(bot)


async def every_value(bot: Harness) -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table of the models: (table name, {column: value})."""
    services = bot.app.bot_data["services"]
    await services.activity.flush()
    found = []
    async with services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                found.append((table.name, dict(row)))
    return found


def as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str).casefold()


def traces(rows: list[tuple[str, dict[str, Any]]], person: int, secrets: tuple[str, ...]) -> list:
    """Every (table, column, value) that holds the person's id or one of their strings."""
    hits = []
    for table, row in rows:
        for column, value in row.items():
            is_id = isinstance(value, int) and not isinstance(value, bool) and value == person
            if is_id or any(secret.casefold() in as_text(value) for secret in secrets):
                hits.append((table, column, value))
    return hits


async def test_nothing_links_to_the_person_after_forget_me(bot: Harness) -> None:
    await leave_traces(bot)
    before = traces(await every_value(bot), PERSON, SECRETS)
    # The walk sees the person everywhere they were (so it can fail), in every table.
    assert {table for table, *_ in before} == {
        "users",
        "question_log",
        "registrations",
        "drafts",
        "visits",
        "roles",
        "handoffs",
        "broadcasts",
        "outbox",
    } | flood_rows(bot)
    assert await forget(bot, PERSON) == (
        "Your personal data is erased; 2 registrations were anonymised.\n"
        "2 registrations were withdrawn first; the places they held go to the next people on "
        "the waiting list."
    )
    after = await every_value(bot)
    # In a private chat the chat id is the Telegram id: one check covers both.
    assert traces(after, PERSON, SECRETS) == []
    # The other person is untouched, and the walk finds them.
    other = traces(after, OTHER, ("Control Person", "CONTROLQ", "Controlla"))
    assert {table for table, *_ in other} == {
        "users",
        "question_log",
        "registrations",
        "roles",
        "outbox",
    } | flood_rows(bot)


def leaves(value: Any) -> list[str]:
    """The scalar values inside a JSON-like value, each as JSON text."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in leaves(item)]
    if isinstance(value, date | datetime):
        value = value.isoformat()
    return [] if value is None else [json.dumps(value, ensure_ascii=False)]


async def test_mydata_shows_every_stored_value_that_links_to_the_person(bot: Harness) -> None:
    await leave_traces(bot)
    stored = [
        (table, row)
        for table, row in await every_value(bot)
        if any(value == PERSON for value in row.values() if isinstance(value, int))
    ]
    *_, document = await bot.send(PERSON, "/mydata")
    shown = json.loads(document.content)
    sections = {
        "users": [shown["user"]],
        "registrations": shown["registrations"],
        "drafts": shown["drafts"],
        "question_log": shown["questions"],
        "visits": shown["visits_created"],
        "roles": shown["roles"],
        "handoffs": shown["handoffs"],
        "outbox": shown["broadcasts_received"],
        "broadcasts": shown["broadcasts_written"],
        "flood_marks": [shown["flood_control"]] if shown["flood_control"] else [],
    }
    count = {table: sum(1 for t, _ in stored if t == table) for table in sections}
    assert count == {table: len(rows) for table, rows in sections.items()}
    assert count["question_log"] >= 2
    everything = set(leaves(shown))
    for table, row in stored:
        if table == "visits":  # the visit is not about them; the link and its title are shown
            assert row["id"] in [v["id"] for v in shown["visits_created"]]
            continue
        if table == "broadcasts":  # the same: what they wrote to others, by its id
            assert row["id"] in shown["broadcasts_written"]
            continue
        if table == "flood_marks":  # its times move with every message, /mydata's own too
            assert set(shown["flood_control"]) == set(row) - {"telegram_id"}
            continue
        missing = [(column, v) for column, v in row.items() if not set(leaves(v)) <= everything]
        assert missing == [], f"{table}: stored but not shown: {missing}"


async def test_no_erased_bytes_stay_in_the_sqlite_files(
    qa: QuestionAnswerer, tmp_path: Path
) -> None:
    path = tmp_path / "bot.sqlite3"
    wal = Path(f"{path}-wal")

    def raw() -> dict[str, list[str]]:
        found = {}
        for file in (path, wal):
            data = file.read_bytes().lower() if file.exists() else b""
            found[file.name] = [s for s in SECRETS if s.lower().encode() in data]
        return found

    async with run_bot(f"sqlite:///{path}", qa) as bot:
        await leave_traces(bot)
        await bot.app.bot_data["services"].activity.flush()
        before = raw()
        # Everything is on disk before the erasure (so the check below can fail).
        assert set(before["bot.sqlite3"]) | set(before["bot.sqlite3-wal"]) == set(SECRETS)
        await forget(bot, PERSON)
        # The bot is still running, as after any erasure.
        assert raw() == {"bot.sqlite3": [], "bot.sqlite3-wal": []}
