"""The state of the fake Telegram server: what the bot sent, set and answered."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field

from bot.localapi.updates import JSON, UpdateBuilder

# "lost": the call is carried out, then its answer never arrives (a read timeout), as when
# Telegram sent the message and the connection dropped before the bot heard back.
ERROR_KINDS = ("retry_after", "forbidden", "bad_request", "network", "timeout", "lost")


@dataclass
class SentMessage:
    """One message the bot sent, in its current (possibly edited) state."""

    chat_id: int
    message_id: int
    date: int
    text: str | None  # as the bot sent it (raw HTML in HTML mode); the caption for documents
    parse_mode: str | None
    plain: str  # what the user reads: tags stripped, entities decoded
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    filename: str | None = None
    content: bytes | None = None
    mime_type: str | None = None
    file_id: str | None = None
    edited: bool = False
    photo: bool = False  # a sendPhoto message (file_id is the photo's)

    @property
    def is_document(self) -> bool:
        """Whether this is a sendDocument message."""
        return self.file_id is not None and not self.photo

    @property
    def has_caption(self) -> bool:
        """Whether the text is a caption (a document or a photo)."""
        return self.file_id is not None


@dataclass(frozen=True)
class ChatEvent:
    """Something a user would notice: kind is sent, edited, deleted or answer (a toast)."""

    kind: str
    chat_id: int
    message_id: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class InjectedError:
    """A failure the next call of a method will meet."""

    kind: str
    retry_after: int = 5
    description: str = "Bad Request: chat not found"
    chat_id: int | None = None  # only calls to this chat meet it; None: any call


def scope_key(scope: str | JSON | None) -> str:
    """Names a BotCommandScope: "default", "all_private_chats", "chat:42", "chat_member:42:7"."""
    if scope is None:
        return "default"
    if isinstance(scope, str):
        return scope
    key = str(scope.get("type", "default"))
    for part in ("chat_id", "user_id"):
        if part in scope:
            key += f":{scope[part]}"
    return key


class LocalBotApi(UpdateBuilder):
    """An in-memory Telegram Bot API server that PTB talks to through LocalRequest."""

    def __init__(
        self,
        *,
        bot_id: int = 1000,
        username: str = "iuc_test_bot",
        first_name: str = "IUC Test Bot",
    ) -> None:
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.next_update_id = 1
        self.file_seq = 0
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, JSON] = {}
        self.files: dict[str, tuple[str, bytes, str]] = {}
        self.callback_queries: dict[str, JSON] = {}
        self.callback_answers: list[JSON] = []
        self.inline_answers: list[JSON] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.command_sets: dict[tuple[str, str], list[JSON]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: JSON = {"url": ""}
        self.blocked: set[int] = set()
        self.pending: list[JSON] = []
        self.calls: list[str] = []
        self.requests: list[tuple[str, JSON]] = []
        self.events: list[ChatEvent] = []
        self._messages: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, int] = {}
        self._errors: dict[str, deque[InjectedError]] = {}
        self._update_waiters: set[asyncio.Event] = set()
        self._event_waiters: set[asyncio.Event] = set()

    # --- messages -------------------------------------------------------------------------

    def new_message_id(self, chat_id: int) -> int:
        """Next message_id in a chat; Telegram numbers each chat's messages on its own."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def chat_json(self, chat_id: int) -> JSON:
        """The Chat object of a chat, made up from its id if no update has shown it yet."""
        if chat_id in self.chats:
            return self.chats[chat_id]
        return self.chat(chat_id, "private" if chat_id > 0 else "supergroup")

    def add_message(self, message: SentMessage) -> SentMessage:
        """Stores a message the bot sent."""
        self._messages.setdefault(message.chat_id, []).append(message)
        self.add_event(ChatEvent("sent", message.chat_id, message.message_id))
        return message

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The bot's message `message_id` in a chat, if it exists and was not deleted."""
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def remove_message(self, message: SentMessage) -> None:
        """Deletes a message, as deleteMessage does."""
        self._messages[message.chat_id].remove(message)
        self.add_event(ChatEvent("deleted", message.chat_id, message.message_id))

    def message_json(self, chat_id: int, message_id: int) -> JSON:
        """The Telegram Message object of a bot message, as Telegram returns it."""
        message = self.find_message(chat_id, message_id)
        if message is None:
            raise KeyError(f"the bot has no message {message_id} in chat {chat_id}")
        data: JSON = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self.chat_json(chat_id),
            "date": message.date,
        }
        if message.edited:
            data["edit_date"] = self.now()
        prefix = "caption_" if message.has_caption else ""
        if message.photo:
            data["photo"] = [
                {
                    "file_id": message.file_id,
                    "file_unique_id": f"u{message.file_id}",
                    "width": 800,
                    "height": 600,
                }
            ]
            if message.plain:
                data["caption"] = message.plain
        elif message.is_document:
            data["document"] = {
                "file_id": message.file_id,
                "file_unique_id": f"u{message.file_id}",
                "file_name": message.filename,
                "mime_type": message.mime_type,
                "file_size": len(message.content or b""),
            }
            if message.plain:
                data["caption"] = message.plain
        else:
            data["text"] = message.plain
        if message.entities:
            data[prefix + "entities"] = message.entities
        # Telegram echoes inline keyboards only; reply keyboards stay on the client.
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Every message the bot sent to a chat and did not delete, oldest first."""
        return list(self._messages.get(chat_id, []))

    def last_message(self, chat_id: int) -> SentMessage:
        """The bot's latest message in a chat; LookupError if it sent none."""
        sent = self._messages.get(chat_id)
        if not sent:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return sent[-1]

    @staticmethod
    def buttons(message: SentMessage) -> list[tuple[str, str | None]]:
        """Inline buttons in reading order as (text, callback_data or url)."""
        markup = message.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [
            (button["text"], button.get("callback_data") or button.get("url"))
            if isinstance(button, dict)
            else (str(button), None)
            for row in rows
            for button in row
        ]

    # --- bot settings ---------------------------------------------------------------------

    def commands(
        self, scope: str | JSON = "default", language_code: str | None = None
    ) -> list[tuple[str, str]]:
        """The command menu set for a scope and language, as (command, description)."""
        stored = self.command_sets.get((scope_key(scope), language_code or ""), [])
        return [(c["command"], c["description"]) for c in stored]

    def description(self, language_code: str | None = None) -> str:
        """The description set for a language ("" for the default)."""
        return self.descriptions.get(language_code or "", "")

    def short_description(self, language_code: str | None = None) -> str:
        """The short description set for a language ("" for the default)."""
        return self.short_descriptions.get(language_code or "", "")

    # --- failures ---------------------------------------------------------------------------

    def inject_error(
        self,
        method: str,
        kind: str,
        count: int = 1,
        *,
        retry_after: int = 5,
        description: str = "Bad Request: chat not found",
        chat_id: int | None = None,
    ) -> None:
        """Makes the next `count` calls of `method` (e.g. "sendMessage", or "*") fail; with
        chat_id, the next calls to that chat only."""
        if kind not in ERROR_KINDS:
            raise ValueError(f"kind must be one of {ERROR_KINDS}, not {kind!r}")
        queue = self._errors.setdefault(method.lower(), deque())
        queue.extend([InjectedError(kind, retry_after, description, chat_id)] * count)

    def take_error(self, method: str, chat_id: object = None) -> InjectedError | None:
        """The failure waiting for this call of `method` (to `chat_id`), if any; used up."""
        for key in (method.lower(), "*"):
            queue = self._errors.get(key)
            for error in queue or ():
                if error.chat_id is None or str(error.chat_id) == str(chat_id):
                    queue.remove(error)
                    return error
        return None

    def block(self, user_id: int) -> None:
        """The user blocks the bot: every later send to them is 403 Forbidden."""
        self.blocked.add(user_id)

    # --- getUpdates ---------------------------------------------------------------------------

    def enqueue(self, update: JSON) -> JSON:
        """Queues an update for getUpdates and wakes a waiting long poll."""
        self.pending.append(update)
        _wake(self._update_waiters)
        return update

    async def wait_updates(self, offset: int, limit: int, wait_seconds: float) -> list[JSON]:
        """Acknowledges updates below `offset`, then returns pending ones, long-polling if none."""
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending and wait_seconds > 0:
            with contextlib.suppress(TimeoutError):
                await _wait(self._update_waiters, wait_seconds)
        return self.pending[:limit]

    def add_event(self, event: ChatEvent) -> None:
        """Logs something a user would notice and wakes wait_for_messages."""
        self.events.append(event)
        _wake(self._event_waiters)

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, *, wait_seconds: float = 5.0
    ) -> list[SentMessage]:
        """Waits until the bot has `count` messages in a chat (for polling and job tests)."""
        async with asyncio.timeout(wait_seconds):
            while len(self._messages.get(chat_id, [])) < count:
                await _wait(self._event_waiters, None)
        return self.messages(chat_id)


def _wake(waiters: set[asyncio.Event]) -> None:
    for waiter in waiters:
        waiter.set()


async def _wait(waiters: set[asyncio.Event], seconds: float | None) -> None:
    """Waits for the next wake-up of `waiters`; TimeoutError after `seconds`."""
    # A fresh Event per wait: an Event binds to the loop that first awaits it, and tests run
    # each on its own loop while an api object may outlive one.
    waiter = asyncio.Event()
    waiters.add(waiter)
    try:
        async with asyncio.timeout(seconds):
            await waiter.wait()
    finally:
        waiters.discard(waiter)
