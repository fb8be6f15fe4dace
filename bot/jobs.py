"""Work on a timer: reminders, waiting-list offers, past visits, the purge and retention.

Nothing is kept in memory between runs: every run recomputes what is due from the database,
so a restart loses nothing, and claims (one row per reminder) make sure that several bot
processes on one database send each reminder once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram.ext import Application

from bot.db.activity import FLUSH_TIMEOUT_S
from bot.db.session import checkpoint
from bot.handlers.context import IUCContext, Services
from bot.handlers.visit_notices import send_offers, send_reminder
from bot.visits import service

log = logging.getLogger(__name__)

DUE_WORK_EVERY = timedelta(minutes=5)
DUE_WORK_FIRST = timedelta(seconds=5)  # soon after start: catches up on what fell due while down
PURGE_AT = time(3, 30, tzinfo=UTC)  # once a day, early morning in Bratislava


def schedule(app: Application) -> None:
    """Add the repeating due work and the daily purge to the application's job queue."""
    if app.job_queue is None:
        log.warning("no job queue (python-telegram-bot[job-queue] missing): no reminders")
        return
    app.job_queue.run_repeating(
        _due_work_job, interval=DUE_WORK_EVERY, first=DUE_WORK_FIRST, name="due-work"
    )
    app.job_queue.run_daily(_purge_job, time=PURGE_AT, name="purge")


async def _due_work_job(context: IUCContext) -> None:
    await run_due_work(context.application)


async def _purge_job(context: IUCContext) -> None:
    await run_purge(context.application)


def _services(app: Application) -> Services | None:
    services: Services = app.bot_data["services"]
    return services if services.sessions is not None else None


async def run_due_work(app: Application) -> None:
    """Send due reminders, expire offers and send the next ones, mark ended visits past."""
    services = _services(app)
    if services is None:
        return
    now = services.clock()
    # Each part on its own: a failing one must not keep the others from running.
    for part in (_reminders, _offers, _past):
        try:
            await part(app, services, now)
        except SQLAlchemyError:
            log.exception("due work %s failed; it runs again next time", part.__name__)


async def _reminders(app: Application, services: Services, now: datetime) -> None:
    assert services.sessions is not None
    async with services.sessions() as session:
        due = await service.due_reminders(session, now, days=services.settings.reminder_days)
    sent = 0
    for reminder in due:
        # Claimed (committed) before sending: a crash in between costs one reminder, never
        # sends two.
        sent += await send_reminder(app.bot, services, reminder, now)
    if due:
        log.info("reminders: %d due, %d sent by this process", len(due), sent)


async def _offers(app: Application, services: Services, now: datetime) -> None:
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        offers = await service.expire_offers(session, now, services.settings.offer_hours)
    await send_offers(app.bot, services, offers)


async def _past(app: Application, services: Services, now: datetime) -> None:
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        # UTC's date trails both partner cities': no visit is marked past too early.
        changed = await service.mark_past(session, now.astimezone(UTC).date())
    if changed:
        log.info("%d visit(s) marked past", changed)


async def run_purge(app: Application) -> None:
    """Apply the retention periods: PURGE_AFTER_DAYS for registrations, RETENTION_DAYS for
    questions and idle users; then, on SQLite, empty the WAL of the erased rows."""
    services = _services(app)
    if services is None:
        return
    assert services.sessions is not None
    settings, now = services.settings, services.clock()
    try:
        if services.activity is not None:
            # What messages left behind is written first: the users' last message decides
            # who is idle, and a question still queued would be written after its expiry.
            async with asyncio.timeout(FLUSH_TIMEOUT_S):
                await services.activity.flush()
        async with services.sessions.begin() as session:
            purged = await service.purge(session, now, settings.purge_after_days)
            expired = await service.expire(session, now, settings.retention_days)
        await checkpoint(services.sessions.kw["bind"])
    except (SQLAlchemyError, TimeoutError):
        log.exception("purge failed; it runs again tomorrow")
        return
    if purged:
        log.info("purged the personal data of %d registration(s)", purged)
    if expired.questions or expired.users:
        log.info(
            "retention: %d question(s) and %d idle user(s) erased",
            expired.questions,
            expired.users,
        )
