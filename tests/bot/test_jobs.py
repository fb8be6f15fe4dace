"""The job queue's work with an injected clock: reminders, offers, past visits, the purge."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import QuestionLog, Registration, User, Visit
from bot.jobs import DUE_WORK_EVERY, run_due_work, run_purge
from bot.kb.answer import QuestionAnswerer
from bot.visits import service
from tests.bot.harness import NOW, Harness, run_bot
from tests.test_catalogs import TZ_ID
from tests.visits.factory import open_visit, register

EN, SK, JA = 601, 602, 603
MINUTE = timedelta(minutes=1)
# 09:00 in the host city, 7 days and 1 day before 20 May 2027.
HOSTS = {
    "tokorozawa": ("Asia/Tokyo", datetime(2027, 5, 13, 0, 0, tzinfo=UTC)),
    "bratislava": ("Europe/Bratislava", datetime(2027, 5, 13, 7, 0, tzinfo=UTC)),
}
SEVEN = {
    EN: "Reminder: “Study visit to Tokorozawa” starts in 7 days.",
    SK: "Pripomienka: „Študijná návšteva v Tokorozawe“ sa začína o 7 dní.",
    JA: "リマインダー：「所沢市視察訪問」は7日後に始まります。",
}
ONE = {
    EN: "Reminder: “Study visit to Tokorozawa” starts in 1 day.",
    SK: "Pripomienka: „Študijná návšteva v Tokorozawe“ sa začína o 1 deň.",
    JA: "リマインダー：「所沢市視察訪問」は1日後に始まります。",
}
WHEN = {  # the visit's days only: a visit has no set hour, so no time and no zone id
    EN: "When: 20–23 May 2027",
    SK: "Kedy: 20. – 23. mája 2027",
    JA: "日時：2027年5月20日～23日",
}


def at(bot: Harness, moment: datetime) -> None:
    """Set the bot's clock."""
    bot.app.bot_data["services"].clock = lambda: moment


def sessions(bot: Harness):
    """The bot's own session factory."""
    return bot.app.bot_data["services"].sessions


async def three_registered(bot: Harness, **visit: object) -> int:
    """An open visit with an English, a Slovak and a Japanese registrant; its id."""
    created = await open_visit(sessions(bot), NOW, **visit)
    for person, lang in ((EN, "en"), (SK, "sk"), (JA, "ja")):
        await register(sessions(bot), created.id, person, NOW, lang=lang)
    return created.id


def texts(bot: Harness, person: int) -> list[str]:
    """What the person received, in order."""
    return [m.plain for m in bot.api.messages(person)]


@pytest.mark.parametrize("host", ["tokorozawa", "bratislava"])
async def test_reminders_come_7_and_1_days_before_at_9_host_time_once(
    bot: Harness, host: str
) -> None:
    timezone, seven = HOSTS[host]
    await three_registered(bot, host_city=host, timezone=timezone)
    at(bot, seven - MINUTE)
    await run_due_work(bot.app)
    assert all(texts(bot, p) == [] for p in (EN, SK, JA))
    for moment in (seven, seven + timedelta(minutes=5)):  # the second run sends nothing
        at(bot, moment)
        await run_due_work(bot.app)
    for person in (EN, SK, JA):
        [reminder] = texts(bot, person)
        assert reminder.startswith(SEVEN[person])
        city = {"tokorozawa": "所沢", "bratislava": "ブラチスラバ"}[host] if person == JA else host
        where = reminder.splitlines()[2]
        assert "Tokorozawa City Hall" in where
        assert city.title() in where
    if host == "tokorozawa":
        assert all(texts(bot, p)[0].splitlines()[1] == WHEN[p] for p in (EN, SK, JA))
        assert not any(TZ_ID.search(texts(bot, p)[0]) for p in (EN, SK, JA))
    for moment in (seven + timedelta(days=6), seven + timedelta(days=6, hours=1)):
        at(bot, moment)
        await run_due_work(bot.app)
    for person in (EN, SK, JA):
        assert [t.splitlines()[0] for t in texts(bot, person)] == [SEVEN[person], ONE[person]]


async def test_two_applications_at_once_send_each_reminder_once(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa) as one, run_bot(database_url, qa) as two:
        await three_registered(one)
        for bot in (one, two):
            at(bot, HOSTS["tokorozawa"][1])
        await asyncio.gather(run_due_work(one.app), run_due_work(two.app), run_due_work(one.app))
        for person in (EN, SK, JA):
            assert len(texts(one, person) + texts(two, person)) == 1


async def test_a_restart_does_not_resend(database_url: str, qa: QuestionAnswerer) -> None:
    seven = HOSTS["tokorozawa"][1]
    async with run_bot(database_url, qa) as bot:
        await three_registered(bot)
        at(bot, seven)
        await run_due_work(bot.app)
        assert texts(bot, SK) != []
    async with run_bot(database_url, qa) as bot:  # a fresh process: nothing in memory
        at(bot, seven + timedelta(hours=2))
        await run_due_work(bot.app)
        assert texts(bot, SK) == []
        at(bot, seven + timedelta(days=6))
        await run_due_work(bot.app)
        [reminder] = texts(bot, SK)
        assert reminder.startswith(ONE[SK])


async def test_reminders_follow_new_dates(bot: Harness) -> None:
    seven = HOSTS["tokorozawa"][1]
    visit_id = await three_registered(bot)
    at(bot, seven)
    await run_due_work(bot.app)
    async with sessions(bot).begin() as session:
        await service.change_visit(
            session,
            visit_id,
            now=seven + timedelta(days=1),
            start_date=date(2027, 6, 10),
            end_date=date(2027, 6, 12),
        )
    at(bot, seven + timedelta(days=6))  # the old 1-day moment: nothing
    await run_due_work(bot.app)
    assert len(texts(bot, EN)) == 1
    at(bot, datetime(2027, 6, 3, 0, 0, tzinfo=UTC))  # 7 days before the new first day
    await run_due_work(bot.app)
    later = texts(bot, EN)[1]
    assert later.startswith(SEVEN[EN])
    assert "10–12 June 2027" in later
    assert not TZ_ID.search(later)


async def status_of(bot: Harness, person: int) -> str:
    """The person's registration status."""
    async with sessions(bot)() as session:
        row = await session.scalar(select(Registration).where(Registration.telegram_id == person))
    assert row is not None
    return row.status


async def test_offers_expire_and_pass_on(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=1)
    first = await register(sessions(bot), visit.id, EN, NOW)
    for person, lang in ((SK, "sk"), (JA, "ja")):
        await register(sessions(bot), visit.id, person, NOW, lang=lang)
    async with sessions(bot).begin() as session:
        offer = await service.withdraw(session, first.id, EN, NOW, offer_hours=48)
    assert offer is not None
    assert offer.telegram_id == SK
    at(bot, NOW + timedelta(hours=47))
    await run_due_work(bot.app)
    assert (await status_of(bot, SK), texts(bot, JA)) == ("offered", [])
    at(bot, NOW + timedelta(hours=49))
    await run_due_work(bot.app)
    assert (await status_of(bot, SK), await status_of(bot, JA)) == ("expired", "offered")
    [message] = bot.api.messages(JA)
    assert len(bot.api.buttons(message)) == 2  # accept, decline
    assert "所沢市視察訪問" in message.plain


async def test_a_user_who_blocked_the_bot_is_marked(bot: Harness) -> None:
    await bot.send(SK, "/start", lang="sk")
    await three_registered(bot)
    bot.api.block(SK)
    at(bot, HOSTS["tokorozawa"][1])
    await run_due_work(bot.app)
    async with sessions(bot)() as session:
        user = await session.get(User, SK)
    assert user is not None
    assert user.blocked_at == HOSTS["tokorozawa"][1]
    assert len(texts(bot, JA)) == 1  # the others still got theirs


async def test_ended_visits_become_past_and_are_purged_later(bot: Harness) -> None:
    visit_id = await three_registered(bot)
    at(bot, datetime(2027, 5, 24, 12, 0, tzinfo=UTC))
    await run_due_work(bot.app)
    async with sessions(bot)() as session:
        visit = await session.get(Visit, visit_id)
        assert visit is not None
        assert visit.status == "past"
    at(bot, datetime(2027, 5, 24, 12, 0, tzinfo=UTC) + timedelta(days=91))
    await run_purge(bot.app)
    async with sessions(bot)() as session:
        names = (await session.scalars(select(Registration.full_name))).all()
    assert names == [None, None, None]


async def test_the_work_is_scheduled_on_start(bot: Harness) -> None:
    jobs = {job.name: job for job in bot.app.job_queue.jobs()}
    assert set(jobs) == {"due-work", "purge"}
    assert jobs["due-work"].job.trigger.interval == DUE_WORK_EVERY


async def test_the_purge_applies_the_retention_to_questions_and_idle_users(
    bot: Harness,
) -> None:
    await bot.send(611, "When was the partnership agreement signed?")
    await bot.send(612, "Who is Imura?")
    at(bot, NOW + timedelta(days=300))
    await bot.send(612, "kedy bola podpisana zmluva", lang="sk")
    at(bot, NOW + timedelta(days=366))
    await run_purge(bot.app)
    async with sessions(bot)() as session:
        users = (await session.scalars(select(User.telegram_id))).all()
        logged = (await session.scalars(select(QuestionLog).order_by(QuestionLog.id))).all()
    assert users == [612]
    assert [(q.text, q.telegram_id, q.chat_id) for q in logged] == [
        ("", None, None),
        ("", None, None),
        ("kedy bola podpisana zmluva", 612, 612),
    ]
