"""The broadcast's second half: the fallback language, the audience, the previews, Send."""

from __future__ import annotations

from telegram import Update

from bot.broadcast import audience as audiences
from bot.broadcast.audience import ROLE_KEYS, Audience, AudienceKind
from bot.broadcast.draft import Composition, Step
from bot.handlers.access import configured
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.broadcasts import views
from bot.handlers.coordinators.broadcasts.message import draft_content, preview
from bot.handlers.coordinators.broadcasts.sent import send
from bot.handlers.coordinators.broadcasts.state import problem, save
from bot.i18n import LANGUAGES, Translator
from bot.visits import service
from bot.visits.rules import VisitStatus


async def choose_audience(
    update: Update,
    context: IUCContext,
    t: Translator,
    step: Step,
    draft: Composition,
    action: str,
    value: str,
) -> None:
    """Next, the fallback, the audience menus and Send."""
    query = update.callback_query
    user_id = update.effective_user.id
    message = query.message
    issue = problem(t, draft)
    if issue is not None:  # an old button, pressed after the text changed
        await query.answer(issue, show_alert=True)
        return
    if action == "fb":
        if value not in draft.texts:
            await query.answer(t.gettext("This button is no longer active."))
            return
        draft.fallback = value
    elif draft.needs_fallback():
        # "Next", or an audience button pressed after a language was taken away.
        await query.answer()
        await save(context, user_id, Step.FALLBACK, draft)
        await message.reply_html(
            views.fallback_html(t, draft), reply_markup=views.fallback_keyboard(t, draft)
        )
        return
    if action in ("next", "fb"):
        await query.answer()
        await save(context, user_id, Step.AUDIENCE, draft)
        await _audience_menu(message, t)
        return
    if action == "send":
        chosen = draft.chosen_audience()
        if step != Step.CONFIRM or chosen is None:
            await query.answer(t.gettext("This button is no longer active."))
            return
        await send(update, context, t, draft, chosen)
        return
    chosen = await _audience_of(update, context, t, action, value)
    if chosen is not None:
        await _preview(update, context, t, draft, chosen)


async def _audience_menu(message, t: Translator) -> None:
    await message.reply_html(
        t.gettext("Who should receive the broadcast?"),
        reply_markup=views.audience_keyboard(t),
    )


async def _audience_of(
    update: Update, context: IUCContext, t: Translator, action: str, value: str
) -> Audience | None:
    """The audience a button names; None after showing the next menu (or refusing)."""
    query = update.callback_query
    message = query.message
    sessions = context.services.sessions
    assert sessions is not None
    if action == "a" and value in (AudienceKind.REGISTRANTS, AudienceKind.WAITING_LIST):
        async with sessions() as session:
            visits = await service.list_visits(
                session, [VisitStatus.OPEN, VisitStatus.CLOSED, VisitStatus.PAST]
            )
        if not visits:
            await query.answer(t.gettext("No visits are stored yet."), show_alert=True)
            return None
        await query.answer()
        pick = "av" if value == AudienceKind.REGISTRANTS else "aw"
        await message.reply_html(
            t.gettext("Which visit?"), reply_markup=views.visits_keyboard(t, visits, pick)
        )
        return None
    if action == "a" and value == AudienceKind.LANGUAGE:
        await query.answer()
        await message.reply_html(
            t.gettext("Which language?"), reply_markup=views.languages_keyboard(t)
        )
        return None
    if action == "a" and value == AudienceKind.ROLE:
        await query.answer()
        await message.reply_html(t.gettext("Which role?"), reply_markup=views.roles_keyboard(t))
        return None
    if action == "ar" and value in ROLE_KEYS:
        return Audience(AudienceKind.ROLE, role=value)
    if action == "av":
        await query.answer()
        await message.reply_html(
            t.gettext("Which registrants?"), reply_markup=views.status_keyboard(t, int(value))
        )
        return None
    if action == "a" and value == AudienceKind.SUBSCRIBERS:
        return Audience(AudienceKind.SUBSCRIBERS)
    if action == "aw":
        return Audience(AudienceKind.WAITING_LIST, visit_id=int(value))
    if action == "as":
        raw_id, _, status = value.partition(":")
        if status in views.STATUS_CHOICES:
            chosen = None if status == "active" else status
            return Audience(AudienceKind.REGISTRANTS, visit_id=int(raw_id), status=chosen)
    if action == "al" and value in LANGUAGES:
        return Audience(AudienceKind.LANGUAGE, lang=value)
    await query.answer(t.gettext("This button is no longer active."))
    return None


async def _preview(
    update: Update, context: IUCContext, t: Translator, draft: Composition, chosen: Audience
) -> None:
    """One preview per language with its recipients, as they will see it, then the summary."""
    query = update.callback_query
    message = query.message
    services = context.services
    assert services.sessions is not None
    visit = None
    async with services.sessions() as session:
        if chosen.visit_id is not None:
            visit = await service.get_visit(session, chosen.visit_id)
        counts = await audiences.count_by_language(
            session, chosen, services.settings.default_locale, configured(context)
        )
    if chosen.visit_id is not None and visit is None:
        await query.answer(t.gettext("This button is no longer active."))
        return
    await query.answer()
    if not counts:
        await message.reply_html(
            t.gettext("Nobody is in this audience. Please choose another."),
            reply_markup=views.audience_keyboard(t),
        )
        return
    draft.audience = chosen.to_data()
    await save(context, update.effective_user.id, Step.CONFIRM, draft)
    content = await draft_content(context, draft, t.lang)
    for lang in LANGUAGES:
        if counts.get(lang):
            await message.reply_html(views.preview_header(t, lang, counts[lang], draft))
            await preview(context, content, message.chat_id, lang)
    await message.reply_html(
        views.confirm_html(t, views.audience_html(t, chosen, visit), counts),
        reply_markup=views.confirm_keyboard(t),
    )
