"""/unsubscribe and /subscribe through the real Application, in every language."""

from __future__ import annotations

import pytest

from bot.db.models import User
from bot.i18n import Translator
from tests.bot.harness import Harness, rows

UNSUBSCRIBED = (
    "You will no longer receive the programme's announcements. Messages about the visits you "
    "registered for still reach you. To receive announcements again, send /subscribe."
)
SUBSCRIBED = "You will receive the programme's announcements. To stop them, send /unsubscribe."


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_unsubscribe_and_subscribe_again(bot: Harness, lang: str) -> None:
    t = Translator(lang)
    # A first message that is /unsubscribe: the user's row is written first.
    [reply] = await bot.send(7, "/unsubscribe", lang=lang)
    assert reply.plain == t.gettext(UNSUBSCRIBED)
    [user] = await rows(bot, User)
    assert user.subscribed is False
    # Writing to the bot again does not subscribe anybody behind their back.
    await bot.send(7, "/help", lang=lang)
    [user] = await rows(bot, User)
    assert user.subscribed is False
    [reply] = await bot.send(7, "/subscribe", lang=lang)
    assert reply.plain == t.gettext(SUBSCRIBED)
    [user] = await rows(bot, User)
    assert user.subscribed is True
    # Twice is harmless: the same confirmation.
    [again] = await bot.send(7, "/subscribe", lang=lang)
    assert again.plain == reply.plain
