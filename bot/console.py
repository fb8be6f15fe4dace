"""A terminal chat with the real Application over the in-process Bot API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TextIO

from telegram import Update
from telegram.ext import Application

from bot.localapi import LocalBotApi, SentMessage

HELP = """\
Type a message and press Enter to send it to the bot.
  N            press button N of the bot's last message (when it offers a choice; where it
               asks for a number or a date, its only buttons are Back, Cancel or Skip, and
               N is sent as the answer)
  :say TEXT    send TEXT as it is, even if it is a number or starts with ":"
  :save N FILE save file N the bot sent (calendar .ics, CSV, JSON) to FILE
  :user N      talk as user N (each user keeps their own chat)
  :lang xx     send updates with language_code xx (e.g. en, sk, ja)
  :help        show this help
  :quit        leave (so does end of input)"""

_NUMBER = re.compile(r"[0-9]+")
# Buttons beside a question that wants typed text (a number, a date): they move around the
# conversation, they are no answer. Their callback data ends in one of these words.
_NAVIGATION = frozenset({"back", "cancel", "skip", "none", "retry", "go"})
# A text file the bot sends is shown this far; all of it with :save.
_SHOWN_LINES = 30


@asynccontextmanager
async def running(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Runs an Application without its updater, with post_init/post_stop/post_shutdown."""
    # The same order as Application.run_polling, which is the only place PTB calls the hooks.
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        try:
            yield
        finally:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def asks_for_text(message: SentMessage) -> bool:
    """Whether a message's buttons are all Back / Cancel / Skip: it wants a typed answer."""
    buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
    data = [str(b.get("callback_data", "")) for b in buttons]
    return bool(data) and all(d.rsplit(":", 1)[-1] in _NAVIGATION for d in data)


def file_lines(content: bytes) -> list[str]:
    """A text file's first lines, as a terminal shows them; nothing for a binary one."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return []
    lines = text.replace("\r\n", "\n").splitlines()
    shown = [f"   │ {line}" for line in lines[:_SHOWN_LINES]]
    if len(lines) > _SHOWN_LINES:
        shown.append(f"   │ … {len(lines) - _SHOWN_LINES} more lines (:save saves all of it)")
    return shown


def render_message(
    message: SentMessage, *, edited: bool = False, file_number: int | None = None
) -> list[str]:
    """Lines a terminal shows for a bot message: text, document, numbered buttons."""
    lines: list[str] = []
    mark = "✏️ " if edited else ""
    if message.is_document:
        size = len(message.content or b"")
        number = f"[file {file_number}] " if file_number is not None else ""
        lines.append(f"📎 {mark}{number}{message.filename} ({size} bytes)")
        if message.plain:
            lines.extend(f"   {line}" for line in message.plain.splitlines())
        lines.extend(file_lines(message.content or b""))
    else:
        first, *rest = message.plain.splitlines() or [""]
        lines.append(f"🤖 {mark}{first}")
        lines.extend(f"   {line}" for line in rest)
    markup = message.reply_markup or {}
    number = 0
    for row in markup.get("inline_keyboard", []):
        labels = []
        for button in row:
            number += 1
            arrow = " ↗" if "url" in button else ""
            labels.append(f"[{number}] {button['text']}{arrow}")
        lines.append("   " + "  ".join(labels))
    for row in markup.get("keyboard", []):
        texts = [b["text"] if isinstance(b, dict) else str(b) for b in row]
        lines.append("   keyboard: " + " | ".join(texts))
    return lines


class ConsoleSession:
    """One console conversation: the current user, their language and what was shown."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        api: LocalBotApi,
        stdout: TextIO,
        user_id: int,
        lang: str,
    ) -> None:
        self.app, self.api, self.stdout = app, api, stdout
        self.user_id = user_id
        self.lang_default = lang  # what a newly switched-to user starts with
        self.langs: dict[int, str] = {user_id: lang}
        self.seen = len(api.events)
        self.files: list[SentMessage] = []  # the documents shown, numbered from 1 for :save

    def say(self, text: str) -> None:
        """Writes lines to the terminal."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    @property
    def lang(self) -> str:
        """The language_code of the current user's updates."""
        return self.langs[self.user_id]

    async def feed(self, data: dict[str, Any]) -> None:
        """Processes one update JSON and shows what the bot did in reply."""
        await self.app.process_update(Update.de_json(data, self.app.bot))
        await asyncio.sleep(0)  # let handlers registered with block=False get going
        self.show_new()

    def show_new(self) -> None:
        """Prints the messages, edits, deletions and toasts since the last call."""
        events = self.api.events[self.seen :]
        self.seen = len(self.api.events)
        shown: set[tuple[str, int, int | None]] = set()
        for event in events:
            key = (event.kind, event.chat_id, event.message_id)
            if key in shown and event.kind != "answer":
                continue  # two edits in one turn: the final state once is enough
            shown.add(key)
            prefix = "" if event.chat_id == self.user_id else f"→ chat {event.chat_id}: "
            if event.kind == "answer":
                self.say(f"{prefix}💬 {event.text}")
                continue
            if event.kind == "deleted":
                self.say(f"{prefix}🗑  (message deleted)")
                continue
            message = self.api.find_message(event.chat_id, event.message_id or 0)
            if message is not None:
                number = None
                if message.is_document:
                    self.files.append(message)
                    number = len(self.files)
                edited = event.kind == "edited"
                for line in render_message(message, edited=edited, file_number=number):
                    self.say(prefix + line)

    def buttons_message(self) -> SentMessage | None:
        """The bot's last message in the current chat, if it offers a choice of buttons.

        A question that wants a number or a date has only Back / Cancel / Skip beside it:
        then a typed number is the answer, not a button.
        """
        sent = self.api.messages(self.user_id)
        if sent and (sent[-1].reply_markup or {}).get("inline_keyboard"):
            return None if asks_for_text(sent[-1]) else sent[-1]
        return None

    def save(self, arg: str) -> None:
        """:save N FILE: writes the Nth file the bot sent, byte for byte."""
        number, _, path = arg.strip().partition(" ")
        if not self.files:
            self.say("(the bot has sent no file yet)")
            return
        if not number.isdigit() or not 1 <= int(number) <= len(self.files) or not path.strip():
            self.say(f"(usage: :save N FILE, with N from 1 to {len(self.files)})")
            return
        message = self.files[int(number) - 1]
        try:
            with open(path.strip(), "wb") as out:
                out.write(message.content or b"")
        except OSError as exc:
            self.say(f"(could not save {path.strip()}: {exc.strerror or exc})")
            return
        self.say(f"(saved {message.filename} to {path.strip()})")

    async def press(self, number: int, message: SentMessage) -> None:
        """Presses button `number` (from 1) of a message, as a tap in Telegram would."""
        flat = [b for row in message.reply_markup["inline_keyboard"] for b in row]  # type: ignore[index]
        if not 1 <= number <= len(flat):
            self.say(f"(no button {number}; this message has {len(flat)})")
            return
        button = flat[number - 1]
        if "url" in button:
            self.say(f"🔗 {button['url']}")
        elif "callback_data" in button:
            await self.feed(
                self.api.callback_update(
                    self.user_id,
                    message.message_id,
                    button["callback_data"],
                    language_code=self.lang,
                )
            )
        else:
            self.say("(this kind of button does not work in the console)")

    async def handle(self, line: str) -> bool:
        """Acts on one input line; False when the user asked to quit."""
        command, _, arg = line.partition(" ")
        if command == ":quit":
            return False
        if command == ":help":
            self.say(HELP)
        elif command == ":save":
            self.save(arg)
        elif command == ":say" and arg:
            await self.feed(self.api.message_update(self.user_id, arg, language_code=self.lang))
        elif command == ":user" and arg.strip().lstrip("-").isdigit():
            self.user_id = int(arg)
            self.langs.setdefault(self.user_id, self.lang_default)
            self.say(f"(now user {self.user_id}, language {self.lang})")
        elif command == ":lang" and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]+)?", arg.strip()):
            self.langs[self.user_id] = self.lang_default = arg.strip()
            self.say(f"(language_code {self.lang})")
        elif line.startswith(":"):
            self.say("(unknown or incomplete console command; :help lists them)")
        elif _NUMBER.fullmatch(line.strip()) and (message := self.buttons_message()):
            await self.press(int(line), message)
        elif line.strip():
            await self.feed(self.api.message_update(self.user_id, line, language_code=self.lang))
        return True


async def run_console(
    app: Application[Any, Any, Any, Any, Any, Any],
    api: LocalBotApi,
    *,
    stdin: TextIO,
    stdout: TextIO,
    user_id: int = 1,
    lang: str = "en",
) -> None:
    """Chats with a built Application over `api` until :quit or end of input."""
    session = ConsoleSession(app, api, stdout, user_id, lang)
    # A piped script gets its input echoed, so the transcript reads like a conversation.
    echo = not (hasattr(stdin, "isatty") and stdin.isatty())
    async with running(app):
        session.say(f"Chatting with @{app.bot.username} as user {user_id}. :help for help.")
        session.show_new()  # whatever post_init sent
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            line = line.rstrip("\r\n")
            if echo:
                session.say(f"{session.user_id}> {line}")
            if not await session.handle(line):
                break
