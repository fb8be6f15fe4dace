"""Builders of update JSON exactly as Telegram sends it, mixed into LocalBotApi."""

from __future__ import annotations

import re
import time
from typing import Any

from bot.localapi.html import utf16_len

JSON = dict[str, Any]
DEFAULT_GROUP_ID = -1001000000001
DEFAULT_CHANNEL_ID = -1002000000002
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


class UpdateBuilder:
    """Makes update dicts; each call takes the next update_id and, for messages, a message_id."""

    next_update_id: int
    users: dict[int, JSON]
    chats: dict[int, JSON]
    files: dict[str, tuple[str, bytes, str]]
    callback_queries: dict[str, JSON]
    file_seq: int

    def now(self) -> int:
        """The Unix time stamped on messages and updates."""
        return int(time.time())

    def new_message_id(self, chat_id: int) -> int:
        """Next message_id in a chat; Telegram numbers each chat's messages on its own."""
        raise NotImplementedError

    def message_json(self, chat_id: int, message_id: int) -> JSON:
        """The current Telegram Message object of a bot message."""
        raise NotImplementedError

    def _update(self, field: str, payload: JSON) -> JSON:
        update_id = self.next_update_id
        self.next_update_id += 1
        return {"update_id": update_id, field: payload}

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        language_code: str | None = "en",
        username: str | None = None,
    ) -> JSON:
        """A User object; it is remembered, so later updates and chats reuse the name and the
        username (username="" removes it, as a user can)."""
        known = self.users.get(user_id, {})
        data: JSON = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name") or f"User {user_id}",
        }
        name = known.get("username") if username is None else username
        if name:
            data["username"] = name
        if language_code:  # Telegram omits language_code when the client does not send one
            data["language_code"] = language_code
        self.users[user_id] = data
        return data

    def chat(self, chat_id: int, chat_type: str = "private", *, title: str | None = None) -> JSON:
        """A Chat object; private chats carry the user's name, others a title."""
        if chat_type == "private":
            name = self.users.get(chat_id, {}).get("first_name", f"User {chat_id}")
            data: JSON = {"id": chat_id, "first_name": name, "type": "private"}
        else:
            known = self.chats.get(chat_id, {})
            data = {
                "id": chat_id,
                "title": title or known.get("title", "IUC delegates"),
                "type": chat_type,
            }
        self.chats[chat_id] = data
        return data

    def _message(
        self,
        user_id: int | None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        first_name: str | None = None,
        title: str | None = None,
        username: str | None = None,
        **fields: Any,
    ) -> JSON:
        if chat_id is None:
            chat_id = (
                user_id if user_id is not None and chat_type == "private" else (DEFAULT_GROUP_ID)
            )
        message: JSON = {"message_id": self.new_message_id(chat_id)}
        if user_id is not None:
            message["from"] = self.user(
                user_id, first_name=first_name, language_code=language_code, username=username
            )
        message["chat"] = self.chat(chat_id, chat_type, title=title)
        message["date"] = self.now()
        message.update({key: value for key, value in fields.items() if value is not None})
        return message

    def message_update(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        title: str | None = None,
        entities: list[JSON] | None = None,
        reply_to_message_id: int | None = None,
        username: str | None = None,
        forward_origin: JSON | None = None,
    ) -> JSON:
        """A text message from a user; a leading /command gets its bot_command entity.

        forward_origin: the message is a forward, as Telegram describes its origin
        (see `forward_origin`)."""
        if entities is None:
            match = _COMMAND.match(text)
            entities = (
                [{"offset": 0, "length": utf16_len(match.group()), "type": "bot_command"}]
                if match
                else []
            )
        message = self._message(
            user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            title=title,
            text=text,
            entities=entities or None,
            username=username,
            forward_origin=forward_origin,
        )
        if reply_to_message_id is not None:
            message["reply_to_message"] = self.message_json(
                message["chat"]["id"], reply_to_message_id
            )
        return self._update("message", message)

    def forward_origin(
        self, sender_id: int | None = None, *, hidden_name: str = "Hidden Sender"
    ) -> JSON:
        """Where a forwarded message came from: the sender, or (privacy settings hide them)
        only the name they go by."""
        if sender_id is None:
            return {"type": "hidden_user", "date": self.now(), "sender_user_name": hidden_name}
        known = self.users.get(sender_id) or {"id": sender_id, "first_name": f"User {sender_id}"}
        # A forward names the sender without their language.
        sender = {key: value for key, value in known.items() if key != "language_code"}
        return {"type": "user", "date": self.now(), "sender_user": {"is_bot": False, **sender}}

    def group_message_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int = DEFAULT_GROUP_ID,
        title: str = "IUC delegates",
        chat_type: str = "supergroup",
        **kwargs: Any,
    ) -> JSON:
        """A text message from a user in a group chat."""
        return self.message_update(
            user_id, text, chat_id=chat_id, chat_type=chat_type, title=title, **kwargs
        )

    def edited_message_update(
        self,
        user_id: int,
        message_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> JSON:
        """A user's edit of their earlier text message `message_id`."""
        chat = chat_id if chat_id is not None else user_id
        message = {
            "message_id": message_id,
            "from": self.user(user_id, language_code=language_code),
            "chat": self.chat(chat, chat_type),
            "date": self.now() - 60,
            "edit_date": self.now(),
            "text": text,
        }
        return self._update("edited_message", message)

    def callback_update(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """A press on an inline button of bot message `message_id` (KeyError if none)."""
        chat = chat_id if chat_id is not None else user_id
        query_id = str(4_000_000_000_000_000 + self.next_update_id)
        query = {
            "id": query_id,
            "from": self.user(user_id, language_code=language_code),
            "message": self.message_json(chat, message_id),
            "chat_instance": str(-7_000_000_000 - chat),
            "data": data,
        }
        self.callback_queries[query_id] = {"chat_id": chat, "message_id": message_id}
        return self._update("callback_query", query)

    def inline_query_update(
        self, user_id: int, query: str, *, language_code: str | None = "en"
    ) -> JSON:
        """An inline query typed after @iuc_test_bot in any chat."""
        payload = {
            "id": str(5_000_000_000_000_000 + self.next_update_id),
            "from": self.user(user_id, language_code=language_code),
            "query": query,
            "offset": "",
            "chat_type": "private",
        }
        return self._update("inline_query", payload)

    def _file(self, prefix: str) -> JSON:
        self.file_seq += 1
        n = self.file_seq
        return {"file_id": f"{prefix}{n:06d}", "file_unique_id": f"u{prefix}{n:06d}"}

    def sticker_update(self, user_id: int, *, emoji: str = "👍", **kwargs: Any) -> JSON:
        """A sticker from a user."""
        sticker = {
            **self._file("STK"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._update("message", self._message(user_id, sticker=sticker, **kwargs))

    def photo_update(self, user_id: int, *, caption: str | None = None, **kwargs: Any) -> JSON:
        """A photo (in two sizes, as Telegram sends it) with an optional caption."""
        base = self._file("PHO")
        sizes = [
            {
                **base,
                "file_id": base["file_id"] + size,
                "width": w,
                "height": w * 3 // 4,
                "file_size": w * 40,
            }
            for size, w in (("s", 90), ("m", 800))
        ]
        for size in sizes:  # the bot may send the photo on by its file_id
            self.files[size["file_id"]] = ("photo.jpg", b"\xff\xd8\xff", "image/jpeg")
        return self._update(
            "message", self._message(user_id, photo=sizes, caption=caption, **kwargs)
        )

    def voice_update(self, user_id: int, *, duration: int = 3, **kwargs: Any) -> JSON:
        """A voice note."""
        voice = {
            **self._file("VOI"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 2000,
        }
        return self._update("message", self._message(user_id, voice=voice, **kwargs))

    def location_update(
        self, user_id: int, latitude: float = 48.1439, longitude: float = 17.1097, **kwargs: Any
    ) -> JSON:
        """A shared location (Bratislava's old town hall by default)."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._update("message", self._message(user_id, location=location, **kwargs))

    def document_update(
        self,
        user_id: int,
        filename: str = "notes.txt",
        content: bytes = b"notes\n",
        *,
        mime_type: str = "text/plain",
        caption: str | None = None,
        **kwargs: Any,
    ) -> JSON:
        """A file sent by a user; its bytes are kept under its file_id."""
        ids = self._file("DOC")
        self.files[ids["file_id"]] = (filename, content, mime_type)
        document = {
            **ids,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._update(
            "message", self._message(user_id, document=document, caption=caption, **kwargs)
        )

    def channel_post_update(
        self, text: str, *, chat_id: int = DEFAULT_CHANNEL_ID, title: str = "IUC news"
    ) -> JSON:
        """A post in a channel the bot administers: no sender user, sender_chat is the channel."""
        post = self._message(None, chat_id=chat_id, chat_type="channel", title=title, text=text)
        post["sender_chat"] = post["chat"]
        return self._update("channel_post", post)
