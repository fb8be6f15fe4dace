"""Command menus and the bot's descriptions, per language, set at start-up."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator

log = logging.getLogger(__name__)


def commands(t: Translator) -> list[BotCommand]:
    """The commands every user sees, described in one language."""
    return [
        BotCommand("help", t.pgettext("command menu", "What I can do")),
        BotCommand("register", t.pgettext("command menu", "Register for a visit")),
        BotCommand("myvisits", t.pgettext("command menu", "Your registrations")),
        BotCommand("language", t.pgettext("command menu", "Choose your language")),
        BotCommand("cancel", t.pgettext("command menu", "Stop what you are doing")),
        BotCommand("start", t.pgettext("command menu", "Start again")),
        BotCommand("mydata", t.pgettext("command menu", "Everything stored about you")),
        BotCommand("forget_me", t.pgettext("command menu", "Erase your data")),
    ]


def coordinator_commands(t: Translator) -> list[BotCommand]:
    """The commands a coordinator sees: everyone's, then the coordinators' own."""
    return [
        *commands(t),
        BotCommand("visits", t.pgettext("command menu", "Visits: create, open, change")),
        BotCommand("registrations", t.pgettext("command menu", "Registrations of a visit")),
        BotCommand("export", t.pgettext("command menu", "Registrations as a CSV file")),
    ]


def description(t: Translator) -> str:
    """The long description shown before a user starts the bot (≤ 512 characters)."""
    return t.gettext(
        "The assistant of the EU–Japan International Urban Cooperation (IUC) partnership of "
        "Bratislava and Tokorozawa. Ask about the programme, the agreement, meetings, dates, "
        "people and departments in English, Slovak or Japanese."
    )


def short_description(t: Translator) -> str:
    """The short description on the bot's profile (≤ 120 characters)."""
    return t.gettext(
        "Answers about the Bratislava–Tokorozawa IUC partnership, in English, Slovak and Japanese."
    )


async def set_menus(bot: Bot, coordinator_ids: Iterable[int] = ()) -> None:
    """Set commands and descriptions for every language, and the default (English) ones.

    Each coordinator gets their own chat-scoped menu (per language) with their commands;
    everybody else keeps the default one.

    A Bot API server that lacks one of these methods (some self-hosted ones) costs the menu,
    not the bot: failures are logged and start-up goes on.
    """
    for lang in (None, *LANGUAGES):
        t = Translator(lang or DEFAULT_LANGUAGE)
        for call, value in (
            (bot.set_my_commands, commands(t)),
            (bot.set_my_description, description(t)),
            (bot.set_my_short_description, short_description(t)),
        ):
            try:
                await call(value, language_code=lang)
            except TelegramError as exc:
                log.warning(
                    "could not set the %s menu (%s): %s", lang or "default", call.__name__, exc
                )
    for chat_id in sorted(coordinator_ids):
        for lang in (None, *LANGUAGES):
            t = Translator(lang or DEFAULT_LANGUAGE)
            try:
                await bot.set_my_commands(
                    coordinator_commands(t),
                    scope=BotCommandScopeChat(chat_id),
                    language_code=lang,
                )
            except TelegramError as exc:
                # "chat not found" until the coordinator has written to the bot once.
                log.warning(
                    "could not set coordinator %s's %s menu: %s", chat_id, lang or "default", exc
                )
