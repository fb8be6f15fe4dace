"""Command menus and the bot's descriptions, per language and per role.

Everybody sees the default menu (a delegate's). Each person holding a role gets a menu of
their own (BotCommandScopeChat, one per language), set at start-up for everyone holding one
and again whenever their role changes. The same lists make each person's /help.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from bot.roles import Role

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
        BotCommand("unsubscribe", t.pgettext("command menu", "Stop the announcements")),
        BotCommand("subscribe", t.pgettext("command menu", "Receive the announcements")),
    ]


def staff_own_commands(t: Translator) -> list[BotCommand]:
    """The commands of staff (and coordinators), beyond everyone's."""
    return [
        BotCommand("dates", t.pgettext("command menu", "Dates of meetings and visits")),
        BotCommand("contacts", t.pgettext("command menu", "People and departments")),
    ]


def coordinator_own_commands(t: Translator) -> list[BotCommand]:
    """The commands of coordinators alone."""
    return [
        BotCommand("visits", t.pgettext("command menu", "Visits: create, open, change")),
        BotCommand("registrations", t.pgettext("command menu", "Registrations of a visit")),
        BotCommand("export", t.pgettext("command menu", "Registrations as a CSV file")),
        BotCommand("review", t.pgettext("command menu", "Questions waiting for an answer")),
        BotCommand("reload", t.pgettext("command menu", "Re-read the knowledge files")),
        BotCommand("grant", t.pgettext("command menu", "Give someone a role")),
        BotCommand("revoke", t.pgettext("command menu", "Take a role back")),
        BotCommand("broadcast", t.pgettext("command menu", "Send a message to many people")),
        BotCommand("stats", t.pgettext("command menu", "Users, questions, places, broadcasts")),
    ]


def own_commands(t: Translator, role: Role) -> list[BotCommand]:
    """What a role adds to everyone's commands (nothing for a delegate)."""
    found = []
    if role >= Role.STAFF:
        found += staff_own_commands(t)
    if role >= Role.COORDINATOR:
        found += coordinator_own_commands(t)
    return found


def commands_for(t: Translator, role: Role) -> list[BotCommand]:
    """A person's whole menu: everyone's commands, then their role's own."""
    return [*commands(t), *own_commands(t, role)]


def coordinator_commands(t: Translator) -> list[BotCommand]:
    """The commands a coordinator sees: everyone's, then the coordinators' own."""
    return commands_for(t, Role.COORDINATOR)


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


async def set_menus(bot: Bot, holders: Mapping[int, Role] | None = None) -> None:
    """Set commands and descriptions for every language, and the default (English) ones;
    then the menu of each person holding a role.

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
    for chat_id, role in sorted((holders or {}).items()):
        await set_person_menu(bot, chat_id, role)


async def set_person_menu(bot: Bot, chat_id: int, role: Role) -> bool:
    """Give one person the menu of their role, in every language (a delegate: the default
    menu again). False when Telegram refused, as it does for "chat not found" until the person
    has written to the bot once."""
    done = True
    for lang in (None, *LANGUAGES):
        scope = BotCommandScopeChat(chat_id)
        try:
            if role == Role.DELEGATE:
                await bot.delete_my_commands(scope=scope, language_code=lang)
            else:
                t = Translator(lang or DEFAULT_LANGUAGE)
                await bot.set_my_commands(commands_for(t, role), scope=scope, language_code=lang)
        except TelegramError as exc:
            log.warning("could not set %s's %s menu: %s", chat_id, lang or "default", exc)
            done = False
    return done
