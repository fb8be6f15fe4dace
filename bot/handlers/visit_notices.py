"""Messages about a visit sent outside a conversation: date changes, reminders, offers.

Shared by the coordinator handlers (a visit's dates changed) and the job queue (reminders,
offers after an expiry). Every piece of visit or knowledge text is escaped here.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot.db import repo
from bot.db.models import Visit
from bot.handlers.context import Services
from bot.i18n import Translator
from bot.kb.model import KnowledgeBase
from bot.timefmt import when_text as dates_text
from bot.visits import service
from bot.visits.results import Offer, Reminder, VisitChange

log = logging.getLogger(__name__)


def when_text(t: Translator, visit: Visit) -> str:
    """The visit's days: a visit has no set hour, so no time is shown (no zone either)."""
    return dates_text(t, visit.start_date, visit.end_date)


def city_name(kb: KnowledgeBase, city: str, lang: str) -> str:
    """The host city's name in the language (a knowledge-base place), else its id."""
    record = kb.records.get(city)
    return record.name.get(lang, city) if record is not None else city


def visit_title(visit: Visit, lang: str) -> str:
    """The visit's title in the language, escaped for HTML."""
    return escape(visit.title(lang), quote=False)


def date_change_html(t: Translator, visit: Visit, kb: KnowledgeBase, stay_fits: bool) -> str:
    """The notice a registrant gets when the visit's dates changed."""
    text = t.gettext("The dates of “{title}” in {city} have changed. New dates: {when}.").format(
        title=visit_title(visit, t.lang),
        city=escape(city_name(kb, visit.host_city, t.lang), quote=False),
        when=when_text(t, visit),
    )
    if not stay_fits:
        text += "\n\n" + t.gettext(
            "Your arrival or departure now lies outside the visit. "
            "Please change them with /myvisits."
        )
    return text


def reminder_html(t: Translator, visit: Visit, kb: KnowledgeBase, today: date) -> str:
    """A reminder before the visit: how many days are left, the dates, venue and city."""
    days = max((visit.start_date - today).days, 0)
    if days == 0:
        head = t.gettext("Reminder: “{title}” starts today.")
    else:
        head = t.ngettext(
            "Reminder: “{title}” starts in {count} day.",
            "Reminder: “{title}” starts in {count} days.",
            days,
        )
    lines = [
        head.format(title=visit_title(visit, t.lang), count=days),
        t.gettext("When: {when}").format(when=when_text(t, visit)),
        t.gettext("Where: {venue}, {city}").format(
            venue=escape(visit.venue, quote=False),
            city=escape(city_name(kb, visit.host_city, t.lang), quote=False),
        ),
        t.gettext("Your registration: /myvisits"),
    ]
    return "\n".join(lines)


async def send_html(
    bot: Bot,
    services: Services,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Send one message; a user who blocked the bot is marked; False when it did not go out."""
    for attempt in range(2):
        try:
            await bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
            return True
        except RetryAfter as exc:
            # Telegram's own figure is authoritative; one more try after it.
            if attempt:
                break
            await asyncio.sleep(_seconds(exc))
        except Forbidden:
            log.info("user %s blocked the bot; marking them", chat_id)
            await mark_blocked(services, chat_id)
            return False
        except TelegramError:
            log.warning("could not send a visit message to %s", chat_id, exc_info=True)
            return False
    log.warning("gave up sending a visit message to %s after a flood wait", chat_id)
    return False


def _seconds(exc: RetryAfter) -> float:
    # PTB 22 warns when retry_after is read as an int; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def mark_blocked(services: Services, telegram_id: int) -> None:
    """Record a Forbidden, so that later broadcasts skip the user until they write again."""
    if services.sessions is None:
        return
    try:
        async with services.sessions.begin() as session:
            await repo.mark_blocked(session, telegram_id, services.clock())
    except SQLAlchemyError:
        log.warning("could not record that user %s blocked the bot", telegram_id, exc_info=True)


async def notify_date_change(bot: Bot, services: Services, change: VisitChange) -> int:
    """Tell each registrant about new dates, in their language, once; returns how many heard."""
    assert services.sessions is not None
    sent = 0
    for notice in change.notify:
        # Claimed first, in its own transaction: a second process (or a retry) skips it.
        async with services.sessions.begin() as session:
            won = await service.claim_reminder(
                session, notice.registration_id, change.notice_kind, services.clock()
            )
        if not won:
            continue
        t = Translator(notice.lang)
        text = date_change_html(t, change.visit, services.qa.kb, notice.stay_fits)
        sent += await send_html(bot, services, notice.telegram_id, text)
    return sent


async def send_reminder(bot: Bot, services: Services, reminder: Reminder, now: datetime) -> bool:
    """Claim a due reminder and send it; False when another run claimed it or it failed."""
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        won = await service.claim_reminder(session, reminder.registration_id, reminder.kind, now)
    if not won:
        return False
    visit = reminder.visit
    today = now.astimezone(ZoneInfo(visit.timezone)).date()
    text = reminder_html(Translator(reminder.lang), visit, services.qa.kb, today)
    return await send_html(bot, services, reminder.telegram_id, text)


async def send_offers(bot: Bot, services: Services, offers: Iterable[Offer]) -> None:
    """Send each waiting-list offer (Accept / Decline) through the user side's send_offer."""
    offers = [o for o in offers if o.telegram_id is not None]
    if not offers:
        return
    # Imported here: the offers module belongs to the registration side of the bot.
    from bot.handlers.myvisits.offers import send_offer

    for offer in offers:
        try:
            await send_offer(bot, services, offer)
        except Forbidden:
            assert offer.telegram_id is not None
            await mark_blocked(services, offer.telegram_id)
        except TelegramError:
            log.warning("could not send offer %s", offer.registration_id, exc_info=True)
