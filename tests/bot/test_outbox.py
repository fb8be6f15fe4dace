"""Broadcasts delivered through the outbox by the real Application over the in-process Bot
API, on SQLite and PostgreSQL: languages, formatting, attachments, Telegram's errors,
progress and report, corrections, deletion and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.broadcast import claims, store
from bot.broadcast.models import OutboxRow
from bot.broadcast.sender import utcnow
from bot.db.models import User
from bot.kb.answer import QuestionAnswerer
from tests.bot.harness import Harness, run_bot
from tests.bot.outboxing import (
    AUTHOR,
    FAST,
    add_users,
    broadcast,
    counts,
    finished,
    outbox,
    report,
    until,
)
from tests.bot.visiting import open_visit


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer):
    """The running bot, its sender at test speed."""
    async with run_bot(database_url, qa, **FAST) as harness:
        # The sender keeps real time (its retries fall due); so do the handlers here, for a
        # block noticed by the sender and a later message to compare in time.
        harness.app.bot_data["services"].clock = utcnow
        yield harness


def received(bot: Harness, users: range | list[int]) -> dict[int, list[str]]:
    """What each user was sent (plain text as they read it)."""
    return {uid: [m.plain for m in bot.api.messages(uid)] for uid in users}


async def test_each_recipient_gets_it_once_in_their_language_with_formatting(
    bot: Harness,
) -> None:
    await add_users(bot, {101: "en", 102: "sk", 103: "ja", 104: None})
    bid = await broadcast(
        bot,
        [101, 102, 103, 104],
        {"sk": "<b>Nové</b> termíny", "en": "<b>New</b> dates &amp; places"},
        author_lang="sk",
    )
    final = await finished(bot, bid, "sk")
    assert received(bot, [101, 102, 103, 104]) == {
        101: ["New dates & places"],
        102: ["Nové termíny"],
        103: ["Nové termíny"],  # no Japanese text: the fallback, Slovak (the first given)
        104: ["Nové termíny"],
    }
    assert bot.api.last_message(101).entities == [{"type": "bold", "offset": 0, "length": 3}]
    assert final == store.Counts(sent=4)
    rows = await outbox(bot, bid)
    assert {row.message_id for row in rows.values()} == {1}
    # The report, in the author's language; the progress message made way for it.
    assert report(bot).splitlines() == [
        f"Rozosielanie č. {bid} je dokončené.",
        "Doručené: 4",
        "Zablokovali bota: 0",
        "Nepodarilo sa doručiť: 0",
    ]
    assert len(bot.api.messages(AUTHOR)) == 1


async def test_telegrams_errors_blocked_failed_retried_and_unknown(bot: Harness) -> None:
    users = {201: "en", 202: "en", 203: "en", 204: "en", 205: "en", 206: "en"}
    await add_users(bot, users)
    bot.api.block(202)
    # A flood wait, a refusal, two network failures, an answer lost after Telegram took it.
    bot.api.inject_error("sendMessage", "retry_after", retry_after=1, chat_id=201)
    bot.api.inject_error(
        "sendMessage", "bad_request", description="Bad Request: chat not found", chat_id=203
    )
    bot.api.inject_error("sendMessage", "network", 2, chat_id=204)
    bot.api.inject_error("sendMessage", "lost", chat_id=205)
    bid = await broadcast(bot, users)
    final = await finished(bot, bid)
    rows = await outbox(bot, bid)
    assert {uid: (row.status, row.attempts) for uid, row in rows.items()} == {
        201: ("sent", 0),  # a flood wait is not an attempt
        202: ("blocked", 0),
        203: ("failed", 0),  # refused at once, not retried
        204: ("sent", 2),
        205: ("unknown", 0),
        206: ("sent", 0),
    }
    assert final == store.Counts(sent=3, blocked=1, failed=1, unknown=1)
    assert rows[201].last_error is None
    assert rows[202].last_error == "Forbidden: bot was blocked by the user"
    assert rows[203].last_error == "Chat not found"
    # The one whose answer was lost did get it, once; nobody got anything twice.
    assert {uid: len(bot.api.messages(uid)) for uid in users} == {
        201: 1,
        202: 0,
        203: 0,
        204: 1,
        205: 1,
        206: 1,
    }
    # The user who blocked the bot is marked, and named in the report.
    async with bot.app.bot_data["services"].sessions() as session:
        assert (await session.get(User, 202)).blocked_at is not None
    lines = report(bot).splitlines()
    assert lines[1:4] == ["Delivered: 3", "Blocked the bot: 1", "Failed: 1"]
    assert "Who blocked the bot: Name202" in lines
    assert lines[-1].startswith("Unknown: 1 (the bot stopped while sending them")
    # Unblocking and writing to the bot again clears the mark.
    bot.api.blocked.discard(202)
    await bot.send(202, "/help")
    async with bot.app.bot_data["services"].sessions() as session:
        assert (await session.get(User, 202, populate_existing=True)).blocked_at is None


async def test_network_failures_up_to_the_limit_fail_the_message(bot: Harness) -> None:
    await add_users(bot, {301: "en"})
    bot.api.inject_error("sendMessage", "timeout", 5, chat_id=301)  # BROADCAST_MAX_ATTEMPTS
    bid = await broadcast(bot, [301])
    assert await finished(bot, bid) == store.Counts(failed=1)
    row = (await outbox(bot, bid))[301]
    assert (row.attempts, row.last_error) == (
        4,
        "injected timeout in sendMessage (after 5 attempts)",
    )
    assert bot.api.messages(301) == []


async def test_a_photo_with_a_register_button_then_corrected_and_deleted(
    bot: Harness,
) -> None:
    visit = await open_visit(bot, titles={"en": "Kamakura visit", "sk": "Návšteva Kamakury"})
    await add_users(bot, {401: "en", 402: "sk"})
    photo = bot.api.photo_update(AUTHOR)["message"]["photo"][-1]["file_id"]
    bid = await broadcast(
        bot,
        [401, 402],
        {"en": "Come <i>along</i>", "sk": "Príďte"},
        media_kind="photo",
        media_file_id=photo,
        visit_id=visit.id,
    )
    await finished(bot, bid)
    [en], [sk] = bot.api.messages(401), bot.api.messages(402)
    assert (en.photo, en.file_id, en.plain, sk.plain) == (True, photo, "Come along", "Príďte")
    assert bot.api.buttons(en) == [("Register: Kamakura visit", f"rv:{visit.id}")]
    assert bot.api.buttons(sk) == [("Prihlásiť sa: Návšteva Kamakury", f"rv:{visit.id}")]
    # The button starts the registration, as a live answer's does.
    started = await bot.press(401, en, "Register")
    assert started
    services = bot.app.bot_data["services"]
    async with services.sessions.begin() as session:
        await store.edit(session, bid, {"en": "Come along, <b>corrected</b>"})
    services.outbox.wake()
    await until(lambda: bot.api.find_message(401, en.message_id).plain == "Come along, corrected")
    assert bot.api.find_message(401, en.message_id).edited
    assert not bot.api.find_message(402, sk.message_id).edited  # its text did not change
    async with services.sessions.begin() as session:
        assert await store.delete_everywhere(session, bid, services.clock())
    services.outbox.wake()
    await until(lambda: bot.api.find_message(402, sk.message_id) is None)
    await until(lambda: bot.api.find_message(401, en.message_id) is None)
    await until(lambda: outbox_deleted(bot, bid))


async def outbox_deleted(bot: Harness, bid: int) -> bool:
    return all(row.deleted_at is not None for row in (await outbox(bot, bid)).values())


async def test_a_document_broadcast_and_its_corrected_caption(bot: Harness) -> None:
    await add_users(bot, {451: "en"})
    document = bot.api.document_update(AUTHOR, "programme.pdf", b"%PDF")["message"]
    bid = await broadcast(
        bot,
        [451],
        {"en": "The programme"},
        media_kind="document",
        media_file_id=document["document"]["file_id"],
    )
    await finished(bot, bid)
    [sent] = bot.api.messages(451)
    assert (sent.filename, sent.plain) == ("programme.pdf", "The programme")
    services = bot.app.bot_data["services"]
    async with services.sessions.begin() as session:
        await store.edit(session, bid, {"en": "The final programme"})
    services.outbox.wake()
    await until(lambda: bot.api.find_message(451, sent.message_id).plain == "The final programme")


async def test_a_cancelled_broadcast_stops_sending(
    database_url: str, qa: QuestionAnswerer
) -> None:
    # Two messages a second: slow enough to cancel in the middle.
    async with run_bot(database_url, qa, **{**FAST, "broadcast_rate": 2.0}) as bot:
        users = list(range(501, 541))
        await add_users(bot, dict.fromkeys(users, "en"))
        bid = await broadcast(bot, users)
        await until(lambda: sum(len(bot.api.messages(u)) for u in users) >= 2)
        services = bot.app.bot_data["services"]
        async with services.sessions.begin() as session:
            cancelled = await store.cancel(session, bid, services.clock())
        await until(lambda: counts_settled(bot, bid))
        final = await counts(bot, bid)
        assert cancelled == final.cancelled
        assert final.sent + final.cancelled == len(users)
        assert final.sent == sum(len(bot.api.messages(u)) for u in users) < len(users)


async def counts_settled(bot: Harness, bid: int) -> bool:
    return (await counts(bot, bid)).remaining == 0


async def test_a_row_left_mid_send_by_a_killed_process_is_unknown_never_resent(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa, **FAST) as bot:
        await add_users(bot, {601: "en", 602: "en"})
        services = bot.app.bot_data["services"]
        await services.outbox.stop()  # this process is "killed": the rows stay as they are
        bid = await broadcast(bot, [601, 602])
        async with services.sessions.begin() as session:
            [job] = await claims.claim_sends(session, "killed", services.clock(), 1)
            assert await claims.mark_sending(session, job, "killed")
            # Long ago: on PostgreSQL another process's claim is abandoned after a lease.
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == job.id)
                .values(claimed_at=datetime(2026, 1, 1, tzinfo=UTC))
            )
    async with run_bot(database_url, qa, **FAST) as bot:
        final = await finished(bot, bid)
        assert final == store.Counts(sent=1, unknown=1)
        assert len(bot.api.messages(job.user_id)) == 0  # never sent again
        assert "Unknown: 1" in report(bot)


async def test_the_sender_stops_with_the_application(database_url: str, qa) -> None:
    async with run_bot(database_url, qa, **FAST) as bot:
        sender = bot.app.bot_data["services"].outbox
        task = sender._task
        assert task is not None
        assert not task.done()
    assert task.done()
    assert bot.app.bot_data["services"].outbox is None
