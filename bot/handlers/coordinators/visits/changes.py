"""Saving what a coordinator decided: a new visit, new dates (registrants told), new capacity.

Also the two small steps every visit conversation handler needs: save the draft, ask a step.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import Update

from bot.db.models import Visit
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.visits.steps import KIND, prompt
from bot.handlers.coordinators.visits.views import card_html, card_keyboard, share_link
from bot.handlers.visit_notices import notify_date_change, send_offers, when_text
from bot.i18n import Translator
from bot.visits import service
from bot.visits.rules import InvalidVisit, VisitNotFound

log = logging.getLogger(__name__)


async def save_step(context: IUCContext, user_id: int, step: str, data: dict[str, Any]) -> None:
    """Save the conversation's next step and the answers so far."""
    services = context.services
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        await service.save_draft(session, user_id, KIND, step, data, services.clock())


async def ask_step(
    update: Update, context: IUCContext, t: Translator, step: str, data: dict
) -> None:
    """Send the question of a step with its buttons."""
    text, markup = prompt(t, step, data, context.services.qa.kb)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def create(update: Update, context: IUCContext, t: Translator, data: dict) -> None:
    """Store the new visit as a draft and show its card (with Open)."""
    services = context.services
    assert services.sessions is not None
    user_id = update.effective_user.id
    try:
        async with services.sessions.begin() as session:
            visit = await service.create_visit(
                session,
                titles=data["titles"],
                host_city=data["host_city"],
                venue=data["venue"],
                timezone=data["timezone"],
                start_date=date.fromisoformat(data["start_date"]),
                end_date=date.fromisoformat(data["end_date"]),
                capacity=data["capacity"],
                registration_deadline=date.fromisoformat(data["registration_deadline"])
                if data.get("registration_deadline")
                else None,
                roles=data["roles"],
                created_by=user_id,
                now=services.clock(),
            )
            await service.delete_draft(session, user_id, KIND)
    except InvalidVisit as exc:
        log.warning("visit draft refused: %s", exc)
        await update.effective_message.reply_html(
            t.gettext("That visit cannot be created: please check the answers.")
        )
        return
    await update.effective_message.reply_html(
        t.gettext(
            "Visit #{id} is created as a draft. Open it for registration when ready."
        ).format(id=visit.id)
    )
    await update.effective_message.reply_html(
        card_html(t, visit, services.qa.kb, share_link(context, visit.id)),
        reply_markup=card_keyboard(t, visit),
    )


async def apply_dates(update: Update, context: IUCContext, t: Translator, data: dict) -> None:
    """Move the visit, tell its registrants in their languages, show the card."""
    services = context.services
    assert services.sessions is not None
    start, end = date.fromisoformat(data["start_date"]), date.fromisoformat(data["end_date"])
    now = services.clock()
    try:
        async with services.sessions.begin() as session:
            visit = await service.get_visit(session, data["visit_id"])
            if visit is None:
                raise VisitNotFound()
            deadline = visit.registration_deadline
            if deadline is not None and deadline > start:
                # Earlier dates can leave the deadline inside or after the visit: close at
                # its start, the latest a deadline may be (rules.check_visit).
                deadline = start
            change = await service.change_visit(
                session,
                visit.id,
                now=now,
                offer_hours=services.settings.offer_hours,
                stay_window=services.settings.stay_window_days,
                start_date=start,
                end_date=end,
                registration_deadline=deadline,
            )
            await service.delete_draft(session, update.effective_user.id, KIND)
    except VisitNotFound:
        await _gone(update, context, t)
        return
    told = await notify_date_change(context.bot, services, change)
    await send_offers(context.bot, services, change.offers)
    lines = [t.gettext("New dates saved: {when}.").format(when=when_text(t, change.visit))]
    if change.dates_changed:
        lines.append(
            t.ngettext(
                "{count} registrant was told in their language.",
                "{count} registrants were told in their language.",
                told,
            ).format(count=told)
        )
    await _reply_card(update, context, t, change.visit, "\n".join(lines))


async def apply_capacity(update: Update, context: IUCContext, t: Translator, data: dict) -> None:
    """Change the number of places; freed places are offered to people waiting."""
    services = context.services
    assert services.sessions is not None
    try:
        async with services.sessions.begin() as session:
            change = await service.change_visit(
                session,
                data["visit_id"],
                now=services.clock(),
                offer_hours=services.settings.offer_hours,
                stay_window=services.settings.stay_window_days,
                capacity=data["capacity"],
            )
            await service.delete_draft(session, update.effective_user.id, KIND)
    except VisitNotFound:
        await _gone(update, context, t)
        return
    except InvalidVisit as exc:
        # More places were taken meanwhile than the new capacity: ask again.
        data["held"] = held = exc.limit or data.get("held", 0)
        await update.effective_message.reply_html(
            t.ngettext(
                "{count} place is taken now, so the capacity cannot be below {count}.",
                "{count} places are taken now, so the capacity cannot be below {count}.",
                held,
            ).format(count=held)
        )
        await save_step(context, update.effective_user.id, "new_capacity", data)
        await ask_step(update, context, t, "new_capacity", data)
        return
    await send_offers(context.bot, services, change.offers)
    lines = [
        t.ngettext("Saved: {count} place.", "Saved: {count} places.", data["capacity"]).format(
            count=data["capacity"]
        )
    ]
    if change.offers:
        lines.append(
            t.ngettext(
                "{count} person from the waiting list was offered a place.",
                "{count} people from the waiting list were offered a place.",
                len(change.offers),
            ).format(count=len(change.offers))
        )
    await _reply_card(update, context, t, change.visit, "\n".join(lines))


async def apply_text(
    update: Update, context: IUCContext, t: Translator, data: dict, field: str
) -> None:
    """Save corrected titles or venue (checked as at creation) and show the card."""
    services = context.services
    assert services.sessions is not None
    try:
        async with services.sessions.begin() as session:
            change = await service.change_visit(
                session, data["visit_id"], now=services.clock(), **{field: data[field]}
            )
            await service.delete_draft(session, update.effective_user.id, KIND)
    except VisitNotFound:
        await _gone(update, context, t)
        return
    await _reply_card(update, context, t, change.visit, t.gettext("Saved."))


async def _reply_card(
    update: Update, context: IUCContext, t: Translator, visit: Visit, text: str
) -> None:
    await update.effective_message.reply_html(text)
    link = share_link(context, visit.id)
    await update.effective_message.reply_html(
        card_html(t, visit, context.services.qa.kb, link), reply_markup=card_keyboard(t, visit)
    )


async def _gone(update: Update, context: IUCContext, t: Translator) -> None:
    services = context.services
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        await service.delete_draft(session, update.effective_user.id, KIND)
    await update.effective_message.reply_html(t.gettext("That visit no longer exists."))
