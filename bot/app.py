"""Build the python-telegram-bot Application: every handler is registered here, in order."""

from __future__ import annotations

import asyncio
import gc
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import jobs, roles
from bot.config import Settings
from bot.db import migrate
from bot.db.activity import ActivityRecorder
from bot.db.session import make_engine, make_sessions
from bot.db.userstate import user_states
from bot.handlers.context import IUCContext, Services
from bot.handlers.coordinators import reports as coordinator_reports
from bot.handlers.coordinators import roles as coordinator_roles
from bot.handlers.coordinators import stats as coordinator_stats
from bot.handlers.coordinators import texts as coordinator_texts
from bot.handlers.coordinators.broadcasts import compose as broadcasts
from bot.handlers.coordinators.broadcasts import delivery
from bot.handlers.coordinators.broadcasts import fix as broadcast_fix
from bot.handlers.coordinators.broadcasts import sent as broadcast_sent
from bot.handlers.coordinators.review import commands as review
from bot.handlers.coordinators.visits import cancel as coordinator_cancel
from bot.handlers.coordinators.visits import edit as coordinator_edit
from bot.handlers.coordinators.visits import handlers as coordinator_visits
from bot.handlers.general import flood, other, start, subscription
from bot.handlers.myvisits import handlers as myvisits
from bot.handlers.myvisits import offers
from bot.handlers.privacy import handlers as privacy
from bot.handlers.questions import handlers as questions
from bot.handlers.questions import handoff
from bot.handlers.registration import handlers as registration
from bot.handlers.replies import ROW_ID
from bot.handlers.staff import contacts as staff_contacts
from bot.handlers.staff import dates as staff_dates
from bot.handlers.staff import inline as staff_inline
from bot.kb.answer import QuestionAnswerer
from bot.menus import set_menus
from bot.observe.updates import ObservedApplication, instrument
from bot.updates import PerChatUpdateProcessor
from bot.visits.stepcommit import StepCommits

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    qa: QuestionAnswerer,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    bulk_request: BaseRequest | None = None,
    migrate_on_start: bool = True,
    rate_limit: bool = False,
    flood_control: bool = False,
) -> Application:
    """The bot with all handlers; the database opens in post_init and closes in post_shutdown.

    flood_control: as `run` does (FLOOD_MESSAGES…); off by default for tests that type fast.
    """
    services = Services(settings=settings, qa=qa)
    builder = (
        ApplicationBuilder()
        .application_class(ObservedApplication)  # a log line and metrics per update
        .token(settings.token or "0:LOCAL")
        .base_url(settings.base_url)
        .context_types(ContextTypes(context=IUCContext))
        .post_init(_post_init(services, migrate_on_start))
        .post_shutdown(_post_shutdown)
        # Updates of different chats are independent; answering them concurrently keeps one
        # slow database write from holding up everybody else. One chat's stay in order.
        .concurrent_updates(PerChatUpdateProcessor())
    )
    if rate_limit:
        # Telegram's flood limits: retries a 429 once after the time it names.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=1))
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    app = builder.build()
    app.bot_data["services"] = services
    # Broadcasts go out through a Bot with a connection pool of its own (see delivery.py).
    app.bot_data["bulk_bot"] = delivery.bulk_bot(settings, bulk_request or request)
    register_handlers(app)
    if flood_control:
        # Before every other handler: a flooding user costs a look-up (in memory; on PostgreSQL
        # one upsert until the pause, which every process then knows: bot/db/flood.py).
        app.bot_data[flood.GATE_KEY] = flood.gate_for(settings, services)
        app.add_handler(TypeHandler(Update, flood.door), group=flood.FLOOD_GROUP)
    instrument(app, settings.token)
    return app


def register_handlers(app: Application) -> None:
    """All handlers, by audience, in the order that matters: text, commands, buttons, the rest.

    Callback data comes back from the client and can be stale or forged: the patterns admit
    only what the handlers can parse (message ids fit a BIGINT, row ids see ROW_ID); the
    prefixes do not overlap, and the last handler (a stale button) takes the rest.
    """
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE  # edited messages and channel posts are not questions
    # --- Everybody: questions, /start, /help, /language, /cancel. -----------------------------
    # In private chats every text is a question; in groups only what mentions the bot. Most
    # updates are questions, so these are tried first: no command or button handler below
    # can take a text that is not a command, so the order changes nothing else.
    app.add_handler(
        MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, questions.question)
    )
    app.add_handler(
        MessageHandler(
            new & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, _group_text
        )
    )
    app.add_handler(CommandHandler("start", start.start, filters=new))
    app.add_handler(CommandHandler("help", start.help_command, filters=new))
    app.add_handler(CommandHandler("language", start.language, filters=new))
    app.add_handler(CommandHandler("cancel", start.cancel, filters=new))
    for handler, pattern in (
        (start.language_chosen, r"^lang:"),
        (questions.suggestion_picked, r"^qp:[0-9]{1,18}:"),
        (questions.none_of_these, r"^qn:[0-9]{1,18}\Z"),
        (questions.feedback, r"^qf:[0-9]{1,18}:[yn]\Z"),
        (handoff.ask_coordinator, r"^ho:[0-9]{1,18}\Z"),  # "Ask a coordinator"
        # The registration's buttons (the delegates' part below): a registration presses six,
        # and PTB tries the handlers in turn; as no two patterns share a prefix, where a
        # button handler stands changes nothing but how soon it is found.
        (registration.button, r"^r:[a-z_]{1,16}:[a-z0-9_]{1,20}\Z"),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=pattern))
    # --- Coordinators: /visits, /registrations, /export, /grant, /revoke, /stats, buttons. ---
    # Private chats only (a CSV of names must not land in a group). Every handler re-checks
    # the role itself (read from the database: granted roles count at once) and refuses
    # others politely, so the commands never fall through to "unknown command"; the callback
    # patterns admit only what the handlers parse.
    for name, handler in (
        ("visits", coordinator_visits.visits),
        ("registrations", coordinator_reports.registrations),
        ("export", coordinator_reports.export),
        ("review", review.review),
        ("reload", review.reload),
        ("grant", coordinator_roles.grant),
        ("revoke", coordinator_roles.revoke),
        ("stats", coordinator_stats.stats_command),
    ):
        app.add_handler(CommandHandler(name, handler, filters=new & private))
    for handler, pattern in (
        (coordinator_visits.show_visit, rf"^cv:show:{ROW_ID}\Z"),
        (coordinator_visits.set_status, rf"^cv:(open|close):{ROW_ID}\Z"),
        (coordinator_visits.send_link, rf"^cv:link:{ROW_ID}\Z"),
        (coordinator_cancel.ask, rf"^cv:drop:{ROW_ID}\Z"),
        (coordinator_cancel.confirm, rf"^cv:dropyes:{ROW_ID}\Z"),
        (coordinator_edit.change_visit, rf"^cv:(dates|cap|title|venue):{ROW_ID}\Z"),
        (coordinator_edit.new_visit, r"^cv:new\Z"),
        (coordinator_edit.button, r"^ce:((city|role):[a-z-]{1,32}|skip|done|create|cancel)\Z"),
        (coordinator_reports.registrations, rf"^cr:{ROW_ID}\Z"),
        (coordinator_reports.export, rf"^cx:{ROW_ID}\Z"),
        # Hand-off review: a question's card, answer, phrasing, pick, new fact, skip.
        (review.button, rf"^hq:([calfs]:{ROW_ID}|p:{ROW_ID}:[0-9])\Z"),
        (coordinator_roles.button, r"^rl:(g:[sc]:[0-9]{1,19}|r:[0-9]{1,19}|x)\Z"),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=pattern))
    # A coordinator creating or changing a visit, naming a person for /grant or /revoke (a
    # forward counts), or typing an answer or a new fact for /review, types the answers:
    # group -2 runs before the registration's text routing and the questions, and passes the
    # text on (no ApplicationHandlerStop) when the sender has no such conversation saved (see
    # coordinators/texts.py: one handler, as a group runs only its first matching handler).
    coordinator_text = new & private & ~filters.COMMAND & (filters.TEXT | filters.FORWARDED)
    app.add_handler(MessageHandler(coordinator_text, coordinator_texts.text_step), group=-2)
    app.add_handler(
        CommandHandler("cancel", coordinator_texts.cancel, filters=new & private), group=-2
    )
    # /broadcast and its buttons (the handlers check the role themselves, from the database).
    # What a coordinator sends while composing (or correcting a sent broadcast) is the
    # broadcast's text, photo or document: group -3, before the visit form (-2); the newest
    # of the person's conversations takes the message (broadcasts.taken passes it on
    # otherwise, at once for the many who have none). /cancel ends the broadcast first.
    app.add_handler(CommandHandler("broadcast", broadcasts.broadcast, filters=new & private))
    composed = filters.TEXT | filters.PHOTO | filters.Document.ALL
    app.add_handler(
        MessageHandler(new & private & composed & ~filters.COMMAND, broadcasts.taken), group=-3
    )
    app.add_handler(CommandHandler("cancel", broadcasts.cancel, filters=new & private), group=-3)
    broadcast_buttons = (
        rf"^bc:(w:(en|sk|ja)|btn|nobtn|bv:{ROW_ID}|rm|back|next|fb:(en|sk|ja)|cancel|send"
        rf"|a:(all|visit|wait|lang|role)|av:{ROW_ID}|aw:{ROW_ID}|al:(en|sk|ja)"
        rf"|as:{ROW_ID}:[a-z]{{1,10}}|ar:(delegate|staff|coordinator))\Z"
    )
    app.add_handler(CallbackQueryHandler(broadcasts.button, pattern=broadcast_buttons))
    # A sent broadcast's controls: stop, delete everywhere (asked twice), correct everywhere.
    app.add_handler(
        CallbackQueryHandler(broadcast_sent.control, pattern=rf"^bs:(x|d|dy|e):{ROW_ID}\Z")
    )
    app.add_handler(
        CallbackQueryHandler(
            broadcast_fix.fix_button, pattern=r"^bf:(w:(en|sk|ja)|apply|cancel)\Z"
        )
    )
    # --- Delegates: /register (and /start visit_<id>), /myvisits, offers, /mydata, /forget_me,
    # /subscribe and /unsubscribe (announcements).
    # The conversation's step is in the database (a draft), not in a ConversationHandler: the
    # question handler reads, for every message, whether the user has a draft, and hands a
    # typed answer to the open conversation. /cancel (general/start.py) deletes the draft.
    for name, handler in (
        ("register", registration.register),
        ("myvisits", myvisits.myvisits),
        ("mydata", privacy.mydata),
        ("forget_me", privacy.forget_me),
        ("subscribe", subscription.subscribe),
        ("unsubscribe", subscription.unsubscribe),
    ):
        app.add_handler(CommandHandler(name, handler, filters=new & private))
    for handler, pattern in (
        # registration.button ("r:…") stands with the questions' buttons, above.
        (registration.visit_chosen, rf"^rv:{ROW_ID}\Z"),  # a live answer's visit button
        (myvisits.button, rf"^m:(c|f|r|n|x|w|wy|wn):{ROW_ID}(:[a-z_]{{1,16}})?\Z"),
        (offers.answered, rf"^o:[ad]:{ROW_ID}\Z"),
        (privacy.forget_chosen, r"^pv:(forget|keep)\Z"),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=pattern))
    # --- Staff look-ups: /dates, /contacts, inline mode. Staff and coordinators get the staff
    # view (every visit, places taken) in private chats; anybody else, and any group, what is
    # public anyway (bot/handlers/staff/access.py). Nobody is refused.
    app.add_handler(CommandHandler("dates", staff_dates.dates, filters=new))
    app.add_handler(CommandHandler("contacts", staff_contacts.contacts, filters=new))
    app.add_handler(
        CallbackQueryHandler(staff_contacts.contact_chosen, pattern=r"^ct:[0-9]{1,3}\Z")
    )
    app.add_handler(InlineQueryHandler(staff_inline.inline_query))
    # --- Last, for everybody: what no handler above took, and errors. ------------------------
    app.add_handler(CallbackQueryHandler(other.stale_button))
    app.add_handler(
        MessageHandler(new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, other.not_text)
    )
    # After the CommandHandlers: only commands none of them took (typos, other bots' commands).
    app.add_handler(MessageHandler(new & private & filters.COMMAND, other.unknown_command))
    app.add_error_handler(other.error_handler)


async def _group_text(update: Update, context: IUCContext) -> None:
    """Answers a group message that mentions the bot or replies to it; ignores the rest."""
    message = update.effective_message
    replied = message.reply_to_message
    to_bot = (
        replied is not None
        and replied.from_user is not None
        and (replied.from_user.id == context.bot.id)
    )
    if to_bot or f"@{context.bot.username}".lower() in (message.text or "").lower():
        await questions.question(update, context)


def _post_init(services: Services, migrate_on_start: bool):
    async def post_init(app: Application) -> None:
        url = services.settings.database_url
        if migrate_on_start:
            # Alembic is synchronous; a thread keeps the event loop free while it runs.
            await asyncio.to_thread(migrate.upgrade, url)
        timeout = services.settings.db_timeout
        engine = make_engine(url, timeout=timeout)
        app.bot_data["engine"] = engine
        services.sessions, deadline = make_sessions(engine, timeout)
        async with engine.connect():
            pass  # the first connection sets SQLite's WAL mode before anyone reads
        services.user_states = user_states(url, engine, deadline)
        # No message waits for the recorder: its batches have a longer limit of their own.
        services.activity = ActivityRecorder(services.sessions.factory)
        services.activity.start()
        services.steps = StepCommits(lambda: services.sessions, lambda: services.clock())
        # Everybody holding a role (the settings' and the granted ones) gets their menu.
        async with services.sessions() as session:
            holders = await roles.holders(
                session,
                roles.Configured(services.settings.coordinator_ids, services.settings.staff_ids),
            )
        await set_menus(app.bot, holders)
        jobs.schedule(app)  # reminders, offers, past visits, purge: see bot/jobs.py
        # What coordinators added in the bot is answered from the first message on; added in
        # any process later, within seconds.
        try:
            await services.knowledge.refresh(services.sessions)
        except SQLAlchemyError:
            log.warning("could not read the knowledge added in the bot", exc_info=True)
        app.bot_data["knowledge poll"] = asyncio.create_task(
            services.knowledge.poll(services.sessions), name="knowledge poll"
        )
        # The outbox's sender: delivers broadcasts until shutdown (bot/broadcast/sender.py).
        services.outbox, app.bot_data["outbox engine"] = await delivery.start_sender(
            services.settings, engine, app.bot_data["bulk_bot"]
        )
        # What is alive now (above all the knowledge index: hundreds of thousands of objects)
        # lives as long as the bot. Frozen, it is no longer walked by every full collection,
        # which stalled all replies in flight for ~60 ms each time (~10 ms now).
        gc.collect()
        gc.freeze()

    return post_init


async def _post_shutdown(app: Application) -> None:
    # After the last update: what the messages recorded is written before the database closes.
    services: Services = app.bot_data["services"]
    poll = app.bot_data.pop("knowledge poll", None)
    if poll is not None:
        poll.cancel()
        await asyncio.gather(poll, return_exceptions=True)
    # First the sender: what it has handed to Telegram is recorded while the database is open.
    if services.outbox is not None:
        await services.outbox.stop()
        services.outbox = None
        await app.bot_data["bulk_bot"].shutdown()
    outbox_engine = app.bot_data.pop("outbox engine", None)
    if outbox_engine is not None:
        await outbox_engine.dispose()
    if services.activity is not None:
        await services.activity.close()
    if services.user_states is not None:
        services.user_states.close()
    engine = app.bot_data.pop("engine", None)
    if engine is not None:
        await engine.dispose()
