"""The in-process Bot API, driven by a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.console import running
from bot.localapi import EntityParseError, LocalBotApi, local_bot_request, parse_html

MENUS = {
    "en": [("start", "Start"), ("ask", "Ask a question")],
    "sk": [("start", "Začať"), ("ask", "Opýtať sa")],
    "ja": [("start", "開始"), ("ask", "質問する")],
}
CSV = b"id,name\n1,Ana\n2,Tar\xc5\x8d\n"
App = Application[Any, Any, Any, Any, Any, Any]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets the user by name, escaped."""
    name = html.escape(update.effective_user.first_name)
    await update.message.reply_html(f"Hello, <b>{name}</b>!")


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks a yes/no question with inline buttons."""
    keyboard = [
        [
            InlineKeyboardButton("Yes", callback_data="ans:yes"),
            InlineKeyboardButton("No", callback_data="ans:no"),
        ],
        [InlineKeyboardButton("Website", url="https://www.bratislava.sk")],
    ]
    await update.message.reply_text("Proceed?", reply_markup=InlineKeyboardMarkup(keyboard))


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the button press and edits the question into the answer."""
    choice = update.callback_query.data.removeprefix("ans:")
    await update.callback_query.answer(f"You chose {choice}")
    await update.callback_query.edit_message_text(f"You chose: <i>{choice}</i>", parse_mode="HTML")


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends a CSV file."""
    await update.message.reply_document(
        CSV, filename="registrations.csv", caption="<b>2</b> registrations", parse_mode="HTML"
    )


async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tells the user their id and language_code."""
    user = update.effective_user
    await update.message.reply_text(f"user {user.id} lang {user.language_code}")


async def shout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A deliberate bug: user text put into HTML unescaped."""
    await update.message.reply_html(f"<b>{' '.join(context.args)}</b>")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echoes text."""
    await update.message.reply_text(update.message.text)


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers an inline query with one article."""
    query = update.inline_query.query
    content = InputTextMessageContent(f"Result for {query}")
    await update.inline_query.answer([InlineQueryResultArticle("1", query, content)])


async def record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keeps handler errors where tests can see them."""
    context.bot_data.setdefault("errors", []).append(context.error)


async def set_menus(app: App) -> None:
    """Sets the command menu in every language, and one for a coordinator's chat."""
    for lang, menu in MENUS.items():
        commands = [BotCommand(c, d) for c, d in menu]
        await app.bot.set_my_commands(commands, language_code=lang)
    await app.bot.set_my_commands([BotCommand("start", "Start")])
    await app.bot.set_my_commands(
        [BotCommand("export", "Export registrations")], scope=BotCommandScopeChat(42)
    )


def build_demo_app(api: LocalBotApi) -> App:
    """A small real Application on the fake server, shared with the console tests."""
    app = (
        ApplicationBuilder()
        .token("123:LOCAL")
        .request(local_bot_request(api))
        .get_updates_request(local_bot_request(api))
        .post_init(set_menus)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CommandHandler("export", export))
    app.add_handler(CommandHandler("whoami", whoami))
    app.add_handler(CommandHandler("shout", shout))
    app.add_handler(CallbackQueryHandler(answer, pattern=r"^ans:"))
    app.add_handler(InlineQueryHandler(inline))
    # Only new messages: edits and channel posts also pass filters.TEXT but have no .message.
    echo_filter = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(echo_filter, echo))
    app.add_error_handler(record_error)
    return app


@pytest.fixture
def api() -> LocalBotApi:
    return LocalBotApi()


@pytest.fixture
async def app(api: LocalBotApi) -> AsyncIterator[App]:
    application = build_demo_app(api)
    async with running(application):
        yield application


async def feed(app: App, data: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(data, app.bot))


async def test_initialize_gets_the_bot_user(app: App, api: LocalBotApi) -> None:
    assert app.bot.username == "iuc_test_bot"
    assert app.bot.id == 1000
    assert api.calls[0] == "getMe"


async def test_echo_replies_in_the_users_chat(app: App, api: LocalBotApi) -> None:
    await feed(app, api.message_update(7, "Kedy je stretnutie? 🙂"))
    reply = api.last_message(7)
    assert reply.plain == "Kedy je stretnutie? 🙂"
    assert reply.parse_mode is None
    assert api.messages(1) == []


async def test_html_reply_is_stored_as_telegram_renders_it(app: App, api: LocalBotApi) -> None:
    await feed(app, api.message_update(5, "/start", first_name="<Ana & Co>"))
    reply = api.last_message(5)
    assert reply.text == "Hello, <b>&lt;Ana &amp; Co&gt;</b>!"
    assert reply.plain == "Hello, <Ana & Co>!"
    assert reply.entities == [{"type": "bold", "offset": 7, "length": 10}]


async def test_button_press_answers_and_edits(app: App, api: LocalBotApi) -> None:
    await feed(app, api.message_update(3, "/ask"))
    question = api.last_message(3)
    assert api.buttons(question) == [
        ("Yes", "ans:yes"),
        ("No", "ans:no"),
        ("Website", "https://www.bratislava.sk"),
    ]

    await feed(app, api.callback_update(3, question.message_id, "ans:no"))

    assert api.callback_answers[-1]["text"] == "You chose no"
    edited = api.last_message(3)
    assert edited.message_id == question.message_id
    assert edited.plain == "You chose: no"
    assert edited.edited
    assert api.buttons(edited) == []  # editMessageText without reply_markup drops the keyboard


async def test_callback_update_carries_the_pressed_message(app: App, api: LocalBotApi) -> None:
    await feed(app, api.message_update(3, "/ask"))
    question = api.last_message(3)
    update = Update.de_json(api.callback_update(3, question.message_id, "ans:yes"), app.bot)
    assert update.callback_query.message.text == "Proceed?"
    assert update.callback_query.message.from_user.username == "iuc_test_bot"
    assert update.callback_query.message.reply_markup.inline_keyboard[0][0].text == "Yes"


async def test_document_is_kept_with_name_and_bytes(app: App, api: LocalBotApi) -> None:
    await feed(app, api.message_update(42, "/export"))
    sent = api.last_message(42)
    assert sent.filename == "registrations.csv"
    assert sent.content == CSV
    assert sent.plain == "2 registrations"


async def test_post_init_menus_per_language_and_scope(app: App, api: LocalBotApi) -> None:
    assert api.commands(language_code="sk") == MENUS["sk"]
    assert api.commands(language_code="ja") == MENUS["ja"]
    assert api.commands() == [("start", "Start")]
    assert api.commands({"type": "chat", "chat_id": 42}) == [("export", "Export registrations")]
    fetched = await app.bot.get_my_commands(language_code="en")
    assert [(c.command, c.description) for c in fetched] == MENUS["en"]
    await app.bot.delete_my_commands(language_code="en")
    assert api.commands(language_code="en") == []


async def test_descriptions_per_language(app: App, api: LocalBotApi) -> None:
    await app.bot.set_my_description("IUC partnerstvo Bratislava–Tokorozawa", language_code="sk")
    await app.bot.set_my_short_description("IUC assistant")
    assert api.description("sk") == "IUC partnerstvo Bratislava–Tokorozawa"
    assert (await app.bot.get_my_short_description()).short_description == "IUC assistant"
    assert (await app.bot.get_my_description(language_code="ja")).description == ""


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("forbidden", Forbidden, "Forbidden: bot was blocked by the user"),
        ("bad_request", BadRequest, "Chat not found"),  # PTB strips "Bad Request: "
        ("network", NetworkError, "injected network error"),
        ("timeout", TimedOut, "injected timeout"),
    ],
    ids=["forbidden", "bad-request", "network", "timeout"],
)
async def test_injected_errors_surface_as_ptb_exceptions(
    app: App, api: LocalBotApi, kind: str, error: type[Exception], message: str
) -> None:
    api.inject_error("sendMessage", kind)
    with pytest.raises(error, match=message):
        await app.bot.send_message(1, "hello")
    await app.bot.send_message(1, "hello again")  # only the next call fails
    assert [m.plain for m in api.messages(1)] == ["hello again"]


async def test_retry_after_carries_the_wait(
    app: App, api: LocalBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # opt in to PTB's future timedelta type
    api.inject_error("sendMessage", "retry_after", count=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(1, "burst")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await app.bot.send_message(1, "after the wait")
    assert len(api.messages(1)) == 1


async def test_bad_request_with_custom_description(app: App, api: LocalBotApi) -> None:
    api.inject_error(
        "editMessageText", "bad_request", description="Bad Request: MESSAGE_ID_INVALID"
    )
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_ID_INVALID"):
        await app.bot.edit_message_text("x", chat_id=1, message_id=1)


async def test_handler_error_reaches_the_error_handler(app: App, api: LocalBotApi) -> None:
    api.block(9)
    await feed(app, api.message_update(9, "/start"))
    [error] = app.bot_data["errors"]
    assert isinstance(error, Forbidden)
    assert api.messages(9) == []


async def test_unescaped_user_text_is_a_parse_error(app: App, api: LocalBotApi) -> None:
    await feed(app, api.message_update(4, "/shout Q&A <today>"))
    [error] = app.bot_data["errors"]
    assert isinstance(error, BadRequest)
    assert "can't parse entities" in error.message.lower()
    assert api.messages(4) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "message text is empty"),
        ("  \n ", "message text is empty"),
        ("x" * 4097, "message is too long"),
        ("<b>bold", "can't parse entities: Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("<blink>x</blink>", 'Unsupported start tag "blink"'),
        ("1 < 2", 'Unsupported start tag ""'),
        ("Q&A", "Unsupported HTML entity"),
        ('<span class="x">s</span>', "tg-spoiler"),
    ],
    ids=[
        "empty",
        "blank",
        "too-long",
        "unclosed",
        "crossed",
        "stray-end",
        "unknown-tag",
        "bare-lt",
        "bare-amp",
        "bad-span",
    ],
)
async def test_message_validation(app: App, api: LocalBotApi, text: str, problem: str) -> None:
    with pytest.raises(BadRequest, match=f"(?i){problem}"):  # PTB capitalizes
        await app.bot.send_message(1, text, parse_mode="HTML")
    assert api.messages(1) == []


async def test_4096_characters_are_allowed(app: App, api: LocalBotApi) -> None:
    await app.bot.send_message(1, "ž" * 4096)
    assert len(api.last_message(1).plain) == 4096


@pytest.mark.parametrize(
    ("source", "plain", "entities"),
    [
        ("a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#x27;", "a <b> & \"c\" 'd'", []),
        (
            '<a href="https://x.sk/?a=1&amp;b=2">odkaz</a>',
            "odkaz",
            [{"type": "text_link", "offset": 0, "length": 5, "url": "https://x.sk/?a=1&b=2"}],
        ),
        (
            "🇸🇰 <b>Bratislava <i>所沢</i></b>",
            "🇸🇰 Bratislava 所沢",
            [
                {"type": "bold", "offset": 5, "length": 13},
                {"type": "italic", "offset": 16, "length": 2},
            ],
        ),
        (
            "👍🏽 <b>𝒜 ok</b>&#128512;<i>ž</i>",
            "👍🏽 𝒜 ok😀ž",
            [
                {"type": "bold", "offset": 5, "length": 5},
                {"type": "italic", "offset": 12, "length": 1},
            ],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        (
            "<tg-spoiler>s</tg-spoiler><blockquote expandable>q</blockquote>",
            "sq",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "expandable_blockquote", "offset": 1, "length": 1},
            ],
        ),
    ],
    ids=["entities", "link", "utf16-offsets", "astral-runs", "pre-language", "spoiler-quote"],
)
def test_parse_html(source: str, plain: str, entities: list[dict[str, Any]]) -> None:
    assert parse_html(source) == (plain, entities)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ž👍 & x", "Unsupported HTML entity at byte offset 7"),
        ("<b>所沢</b> <zz>", 'Unsupported start tag "zz" at byte offset 14'),
        ("𝒜<b>x</i>", 'Unmatched end tag at byte offset 8, expected "</b>", found "</i>"'),
        ("ok</b>", "Unexpected end tag at byte offset 2"),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
    ],
    ids=["bare-amp", "unknown-tag", "crossed", "stray-end", "unclosed"],
)
def test_parse_html_errors_count_utf8_bytes(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as raised:
        parse_html(source)
    assert str(raised.value) == message


async def test_callback_data_over_64_bytes_is_refused(app: App, api: LocalBotApi) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ďalej", callback_data="č" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await app.bot.send_message(1, "Pick", reply_markup=markup)


async def test_edit_without_change_is_not_modified(app: App, api: LocalBotApi) -> None:
    sent = await app.bot.send_message(1, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await sent.edit_text("same")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=1, message_id=999)


async def test_delete_message(app: App, api: LocalBotApi) -> None:
    sent = await app.bot.send_message(1, "soon gone")
    assert await sent.delete()
    assert api.messages(1) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await sent.delete()


async def test_unknown_method_is_not_found(app: App) -> None:
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("sendTelepathy")


async def test_any_base_url_works(api: LocalBotApi) -> None:
    app = (
        ApplicationBuilder()
        .token("123:LOCAL")
        .base_url("http://127.0.0.1:8081/bot")
        .request(local_bot_request(api))
        .get_updates_request(local_bot_request(api))
        .build()
    )
    async with app:
        sent = await app.bot.send_message(1, "via a self-hosted server")
    assert sent.chat.id == 1
    assert api.calls == ["getMe", "sendMessage"]


async def test_polling_picks_up_a_queued_update(app: App, api: LocalBotApi) -> None:
    await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
    try:
        api.enqueue(api.message_update(11, "Ahoj"))
        await api.wait_for_messages(11)
    finally:
        await app.updater.stop()
    assert api.last_message(11).plain == "Ahoj"
    assert "deleteWebhook" in api.calls
    assert api.pending == []  # the final getUpdates acknowledged it


async def test_long_poll_waits_for_timeout_or_an_update(app: App, api: LocalBotApi) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await app.bot.get_updates(timeout=0.2) == ()
    assert loop.time() - started >= 0.19

    async def later() -> None:
        await asyncio.sleep(0.05)
        api.enqueue(api.message_update(1, "late"))

    task = asyncio.create_task(later())
    started = loop.time()
    [update] = await app.bot.get_updates(timeout=5)
    await task
    assert update.message.text == "late"
    assert loop.time() - started < 2
    assert await app.bot.get_updates(offset=update.update_id + 1) == ()
    assert api.pending == []


async def test_webhook_blocks_get_updates(app: App, api: LocalBotApi) -> None:
    await app.bot.set_webhook("https://bot.example.sk/hook", secret_token="s3cret")
    info = await app.bot.get_webhook_info()
    assert info.url == "https://bot.example.sk/hook"
    assert api.webhook["secret_token"] == "s3cret"
    with pytest.raises(Conflict):
        await app.bot.get_updates()
    await app.bot.delete_webhook()
    assert (await app.bot.get_webhook_info()).url == ""


Builder = Callable[[LocalBotApi], dict[str, Any]]


@pytest.mark.parametrize(
    ("build", "check"),
    [
        (lambda a: a.sticker_update(2), lambda u: u.message.sticker.emoji == "👍"),
        (lambda a: a.photo_update(2, caption="Radnica"), lambda u: u.message.photo[-1].width > 90),
        (lambda a: a.voice_update(2), lambda u: u.message.voice.file_size == 6000),
        (lambda a: a.location_update(2), lambda u: round(u.message.location.latitude) == 48),
        (lambda a: a.document_update(2), lambda u: u.message.document.file_name == "notes.txt"),
        (lambda a: a.edited_message_update(2, 1, "oprava"), lambda u: u.edited_message.text),
        (lambda a: a.channel_post_update("News"), lambda u: u.channel_post.chat.type == "channel"),
        (
            lambda a: a.group_message_update(2, "/start@iuc_test_bot"),
            lambda u: u.message.chat.type == "supergroup" and u.message.entities[0].length == 19,
        ),
        (
            lambda a: a.message_update(2, "hi", language_code=None),
            lambda u: u.effective_user.language_code is None,
        ),
    ],
    ids=[
        "sticker",
        "photo",
        "voice",
        "location",
        "document",
        "edited",
        "channel",
        "group",
        "no-language",
    ],
)
async def test_update_builders_make_real_updates(
    app: App, api: LocalBotApi, build: Builder, check: Callable[[Update], bool]
) -> None:
    data = build(api)
    update = Update.de_json(data, app.bot)
    assert check(update)
    await app.process_update(update)
    assert "errors" not in app.bot_data


async def test_update_ids_and_message_ids_increase(api: LocalBotApi) -> None:
    first, second = api.message_update(1, "a"), api.message_update(1, "b")
    assert second["update_id"] == first["update_id"] + 1
    assert second["message"]["message_id"] == first["message"]["message_id"] + 1
    assert "entities" not in first["message"]
    command = api.message_update(1, "/start abc")["message"]
    assert command["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]


async def test_inline_query_answer_is_recorded(app: App, api: LocalBotApi) -> None:
    await feed(app, api.inline_query_update(6, "kontakt"))
    [answer] = api.inline_answers
    assert answer["results"][0]["input_message_content"]["message_text"] == "Result for kontakt"


async def test_chat_action_and_calls_in_order(app: App, api: LocalBotApi) -> None:
    await app.bot.send_chat_action(1, "typing")
    await app.bot.send_message(1, "done")
    assert api.chat_actions == [(1, "typing")]
    assert api.calls[-2:] == ["sendChatAction", "sendMessage"]


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([InlineQueryResultArticle("1", "a", InputTextMessageContent("x"))] * 2, "DUPLICATE"),
        ([InlineQueryResultArticle("č" * 33, "a", InputTextMessageContent("x"))], "ID_INVALID"),
        (
            [
                InlineQueryResultArticle(
                    "1", "a", InputTextMessageContent("<b>x", parse_mode="HTML")
                )
            ],
            "can't parse entities",
        ),
        ([InlineQueryResultArticle("1", "a", InputTextMessageContent("x" * 4097))], "too long"),
        (
            [
                InlineQueryResultArticle(str(n), "a", InputTextMessageContent("x"))
                for n in range(51)
            ],
            "RESULTS_TOO_MUCH",
        ),
    ],
    ids=["duplicate-id", "long-id", "bad-html", "long-text", "too-many"],
)
async def test_inline_answers_are_checked_like_telegram(
    app: App, api: LocalBotApi, results: list[InlineQueryResultArticle], error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await app.bot.answer_inline_query("5", results)
    assert api.inline_answers == []
