"""What /grant and /revoke say, and their buttons: every text in the reader's language."""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.replies import callback
from bot.i18n import Translator
from bot.menus import commands_for, own_commands
from bot.roles import Change, Person, Refusal, Role

_USERNAME = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{3,31}")
_SETTING = {Role.COORDINATOR: "COORDINATOR_IDS", Role.STAFF: "STAFF_IDS"}


def is_username(text: str) -> bool:
    """Whether the text is a Telegram @username (the "@" optional)."""
    return _USERNAME.fullmatch(text.strip()) is not None


def role_name(t: Translator, role: Role) -> str:
    """A role in words."""
    names = {
        Role.DELEGATE: t.pgettext("user role", "delegate"),
        Role.STAFF: t.pgettext("user role", "staff"),
        Role.COORDINATOR: t.pgettext("user role", "coordinator"),
    }
    return names[role]


def who(person: Person) -> str:
    """The person as HTML: their first name and @username when known, and their id."""
    known = [f"@{person.username}"] if person.username else []
    known.append(str(person.telegram_id))
    if person.first_name:
        return f"{escape(person.first_name)} ({escape(', '.join(known))})"
    return escape(", ".join(known))


def ask_whom(t: Translator, command: str) -> str:
    """The question after /grant or /revoke alone."""
    if command == "grant":
        question = t.gettext("Whom shall I give a role?")
    else:
        question = t.gettext("Whose role shall I take back?")
    return question + "\n" + how_to_name(t)


def how_to_name(t: Translator) -> str:
    """The three ways to name a person."""
    return t.gettext(
        "Forward me a message the person wrote, or send their @username or their numeric "
        "Telegram id. /cancel stops."
    )


def hidden(t: Translator, name: str) -> str:
    """A forward whose sender hides their account."""
    return t.gettext(
        "{name}'s privacy settings hide their account in forwarded messages, so I cannot "
        "tell who they are. Please send their @username or their numeric Telegram id instead."
    ).format(name=escape(name))


def not_a_person(t: Translator) -> str:
    """A forward from a channel, a group or a bot."""
    return (
        t.gettext("That message was not written by a person I can give a role to.")
        + "\n"
        + how_to_name(t)
    )


def unknown_username(t: Translator, username: str) -> str:
    """An @username nobody who wrote to the bot has."""
    return t.gettext(
        "I do not know {username}: people can be found by username once they have written to "
        "me. Please forward a message of theirs, or send their numeric Telegram id."
    ).format(username=escape("@" + username.removeprefix("@")))


def unreadable(t: Translator) -> str:
    """A text that names nobody."""
    return t.gettext("I could not tell whom you mean.") + "\n" + how_to_name(t)


def cancelled(t: Translator) -> str:
    """The conversation was cancelled."""
    return t.gettext("Cancelled: no role was changed.")


def next_question(
    t: Translator, command: str, person: Person, role: Role
) -> tuple[str, InlineKeyboardMarkup]:
    """Which role to give, or whether to take the role back, with the buttons."""
    cancel = InlineKeyboardButton(
        t.pgettext("button", "Cancel"), callback_data=callback("rl", "x")
    )
    current = t.gettext("Current role of {person}: {role}.").format(
        person=who(person), role=role_name(t, role)
    )
    if command == "grant":
        buttons = [
            InlineKeyboardButton(
                role_name(t, choice).capitalize(),
                callback_data=callback("rl", "g", choice.key[0], person.telegram_id),
            )
            for choice in (Role.STAFF, Role.COORDINATOR)
        ]
        text = current + "\n" + t.gettext("Which role shall they have?")
        return text, InlineKeyboardMarkup([buttons, [cancel]])
    confirm = InlineKeyboardButton(
        t.pgettext("button", "Take the role back"),
        callback_data=callback("rl", "r", person.telegram_id),
    )
    text = current + "\n" + t.gettext("Take back the role given in the bot?")
    return text, InlineKeyboardMarkup([[confirm, cancel]])


def refused(t: Translator, change: Change, person: Person) -> str:
    """Why a grant or revocation changed nothing."""
    values = {"person": who(person), "role": role_name(t, change.before)}
    if change.refused == Refusal.CONFIGURED:
        values["setting"] = _SETTING.get(change.configured, "")
        return t.gettext(
            "{person} is {role} through the {setting} setting, which I cannot change. The "
            "operator can remove the id from {setting} and restart the bot."
        ).format(**values)
    if change.refused == Refusal.ALREADY:
        return t.gettext("{person} already is {role}.").format(**values)
    if change.refused == Refusal.NOT_HELD:
        return t.gettext("{person} holds no role given in the bot: nothing to take back.").format(
            **values
        )
    return t.gettext(
        "You are the last coordinator: please make someone else coordinator first, or nobody "
        "could give roles any more."
    )


def done(t: Translator, person: Person, role: Role, told: bool) -> str:
    """The coordinator's confirmation."""
    text = t.gettext("Done: {person} is now: {role}.").format(
        person=who(person), role=role_name(t, role)
    )
    if told:
        return (
            text + "\n" + t.gettext("I have told them, in their language, what they can do now.")
        )
    return (
        text
        + "\n"
        + t.gettext(
            "I could not write to them: they have not started a chat with me yet (or have "
            "blocked me). /help will show them their commands once they do."
        )
    )


def your_role(t: Translator, role: Role) -> str:
    """The message to the person whose role changed, with their commands."""
    lines = [f"/{c.command} – {escape(c.description)}" for c in commands_for(t, role)]
    return (
        t.gettext(
            "A coordinator has changed your role in this bot. Your role now: {role}."
        ).format(role=role_name(t, role))
        + "\n\n"
        + t.gettext("Your commands:")
        + "\n"
        + "\n".join(lines)
    )


def role_help(t: Translator, role: Role) -> str:
    """The part of /help listing a role's own commands (beyond everyone's)."""
    lines = [f"/{c.command} – {escape(c.description)}" for c in own_commands(t, role)]
    head = t.gettext("Your commands as {role}:").format(role=role_name(t, role))
    return "\n".join([head, *lines])
