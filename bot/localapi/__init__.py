"""An in-process Telegram Bot API at python-telegram-bot's request seam.

The console and the tests run the real Application against it, with no token and no network::

    api = LocalBotApi()
    app = (
        ApplicationBuilder()
        .token("123:LOCAL")
        .request(local_bot_request(api))
        .get_updates_request(local_bot_request(api))
        .build()
    )
    await app.process_update(Update.de_json(api.message_update(1, "/start"), app.bot))
    api.last_message(1).plain

Use two request objects: PTB keeps getUpdates on its own request so a long poll never blocks
other calls; both share the one server state.
"""

from bot.localapi.html import EntityParseError, parse_html
from bot.localapi.request import LocalRequest, call_method, local_bot_request
from bot.localapi.server import ChatEvent, InjectedError, LocalBotApi, SentMessage, scope_key

__all__ = [
    "ChatEvent",
    "EntityParseError",
    "InjectedError",
    "LocalBotApi",
    "LocalRequest",
    "SentMessage",
    "call_method",
    "local_bot_request",
    "parse_html",
    "scope_key",
]
