"""Correcting a sent broadcast everywhere: the corrected text per language, a preview as the
recipients will see it, then Apply. Kept as a draft of kind "broadcast_fix" (a restart loses
nothing); the outbox's sender edits the messages already sent.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.broadcast import store
from bot.broadcast.draft import CAPTION_LIMIT, MAX_DRAFT_BYTES, TEXT_LIMIT, plain_length
from bot.broadcast.models import Broadcast
from bot.handlers.access import requires
from bot.handlers.context import IUCContext, identify
from bot.handlers.coordinators.broadcasts.message import corrected_content, preview
from bot.handlers.replies import callback, try_edit
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.roles import Role
from bot.visits import service

FIX = "broadcast_fix"


def fix_keyboard(t: Translator, languages: list[str], writing: str) -> InlineKeyboardMarkup:
    """Which language to correct, then Apply and Cancel."""

    def button(label: str, *data: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback("bf", *data))

    row = [
        button(("✏️ " if lang == writing else "") + LANGUAGE_NAMES[lang], "w", lang)
        for lang in languages
    ]
    return InlineKeyboardMarkup(
        [
            row,
            [
                button(t.pgettext("broadcast button", "Apply the correction"), "apply"),
                button(t.pgettext("broadcast button", "Cancel"), "cancel"),
            ],
        ]
    )


async def start_fix(
    message: Message, context: IUCContext, t: Translator, user_id: int, broadcast: Broadcast
) -> None:
    """Starts correcting a sent broadcast: which language, then the corrected text."""
    languages = [lang for lang in LANGUAGES if lang in broadcast.texts]
    writing = t.lang if t.lang in languages else languages[0]
    data = {"broadcast_id": broadcast.id, "writing": writing, "texts": {}}
    await _save_fix(context, user_id, data)
    await message.reply_html(
        _fix_prompt(t, data), reply_markup=fix_keyboard(t, languages, writing)
    )


def _fix_prompt(t: Translator, data: dict) -> str:
    return t.gettext(
        "Correcting broadcast #{id}. Send the corrected text in {language}; it replaces "
        "that language's text in every message sent and still to be sent."
    ).format(id=data["broadcast_id"], language="<b>" + LANGUAGE_NAMES[data["writing"]] + "</b>")


async def _save_fix(context: IUCContext, user_id: int, data: dict) -> None:
    services = context.services
    assert services.sessions is not None
    async with services.sessions.begin() as session:
        await service.save_draft(
            session, user_id, FIX, "fix", data, services.clock(), max_bytes=MAX_DRAFT_BYTES
        )


async def take_fix(update: Update, context: IUCContext, data: dict) -> None:
    """Takes the corrected text of one language and previews the corrected message."""
    t = await identify(update, context)
    message = update.effective_message
    services = context.services
    assert services.sessions is not None
    async with services.sessions() as session:
        broadcast = await store.get(session, data["broadcast_id"])
    if broadcast is None or broadcast.deleted_at is not None:
        await message.reply_html(t.gettext("This broadcast was deleted."))
        return
    if message.text is None and not message.caption:
        await message.reply_html(
            t.gettext("Please send the corrected text; the attachment cannot be changed.")
        )
        return
    text = message.text_html if message.text is not None else message.caption_html
    limit = CAPTION_LIMIT if broadcast.media_kind else TEXT_LIMIT
    length = plain_length(text)
    if length > limit:
        await message.reply_html(
            t.gettext(
                "This text has {n} characters; at most {limit} fit. Please shorten it."
            ).format(n=t.number(length), limit=t.number(limit))
        )
        return
    data = {**data, "texts": {**data["texts"], data["writing"]: text}}
    await _save_fix(context, update.effective_user.id, data)
    content = await corrected_content(context, broadcast, data["texts"])
    await message.reply_html(
        "<i>"
        + t.gettext("The corrected message in {language}:").format(
            language=LANGUAGE_NAMES[data["writing"]]
        )
        + "</i>"
    )
    await preview(context, content, message.chat_id, data["writing"])
    languages = [lang for lang in LANGUAGES if lang in broadcast.texts]
    await message.reply_html(
        t.gettext("Apply the correction, or correct another language?"),
        reply_markup=fix_keyboard(t, languages, data["writing"]),
    )


@requires(Role.COORDINATOR)
async def fix_button(update: Update, context: IUCContext, t: Translator) -> None:
    """The correction's buttons: the language (bf:w:<lang>), Apply and Cancel."""
    query = update.callback_query
    services = context.services
    assert services.sessions is not None
    user_id = update.effective_user.id
    action, _, value = (query.data or "").removeprefix("bf:").partition(":")
    async with services.sessions() as session:
        draft = await service.load_draft(session, user_id, FIX)
    if draft is None:
        await query.answer(t.gettext("This button is no longer active."))
        return
    data = dict(draft.data)
    if action == "cancel":
        async with services.sessions.begin() as session:
            await service.delete_draft(session, user_id, FIX)
        await query.answer()
        await try_edit(query.edit_message_reply_markup(None))
        await query.message.reply_html(t.gettext("Cancelled: the broadcast was not changed."))
        return
    async with services.sessions() as session:
        broadcast = await store.get(session, data["broadcast_id"])
    if broadcast is None or broadcast.deleted_at is not None:
        await query.answer(t.gettext("This broadcast was deleted."), show_alert=True)
        return
    if action == "w":
        if value not in broadcast.texts:
            await query.answer(t.gettext("This button is no longer active."))
            return
        data["writing"] = value
        await _save_fix(context, user_id, data)
        await query.answer()
        languages = [lang for lang in LANGUAGES if lang in broadcast.texts]
        await query.message.reply_html(
            _fix_prompt(t, data), reply_markup=fix_keyboard(t, languages, value)
        )
        return
    if not data["texts"]:
        await query.answer(t.gettext("Please send the corrected text first."), show_alert=True)
        return
    async with services.sessions.begin() as session:
        if not await service.delete_draft(session, user_id, FIX):
            await query.answer(t.gettext("This button is no longer active."))
            return
        await store.edit(session, broadcast.id, data["texts"])
    if services.outbox is not None:
        services.outbox.wake()
    await query.answer()
    await try_edit(query.edit_message_reply_markup(None))
    await query.message.reply_html(
        t.gettext(
            "Broadcast #{id} is corrected: the messages sent already are being edited, "
            "the others go out corrected."
        ).format(id=broadcast.id)
    )
