"""Bot API methods of the fake server: messages, files and callback queries."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bot.localapi.html import EntityParseError, parse_html
from bot.localapi.server import ChatEvent, LocalBotApi, SentMessage
from bot.localapi.updates import JSON

Files = dict[str, tuple[str, bytes, str]]
Handler = Callable[[LocalBotApi, JSON, Files], Any]
METHODS: dict[str, Handler] = {}

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_UPLOAD = 50 * 1024 * 1024
BLOCKED = "Forbidden: bot was blocked by the user"


class ApiError(Exception):
    """An unsuccessful Bot API answer: error_code, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def method(*names: str) -> Callable[[Handler], Handler]:
    """Registers a handler under Bot API method names (matched case-insensitively)."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register


def bad_request(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


def chat_id_of(api: LocalBotApi, params: JSON, *, sending: bool = False) -> int:
    """The target chat as an int; @usernames resolve only for chats the server has seen."""
    raw = params.get("chat_id")
    if raw is None or raw == "":
        raise bad_request("chat_id is empty")
    if isinstance(raw, str) and not re.fullmatch(r"-?\d+", raw):
        found = [cid for cid, chat in api.chats.items() if f"@{chat.get('username')}" == raw]
        if not found:
            raise bad_request("chat not found")
        raw = found[0]
    chat_id = int(raw)
    if sending and chat_id in api.blocked:
        raise ApiError(403, BLOCKED)
    return chat_id


def render(text: str | None, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON]]:
    """Text and entities as Telegram stores them; HTML is checked like Telegram checks it."""
    text = text or ""
    if parse_mode and parse_mode.lower() == "html":
        try:
            return parse_html(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    # Markdown modes are passed through unparsed: this project sends HTML only.
    return text, list(entities or [])


def reply_markup_of(params: JSON) -> JSON | None:
    """The reply_markup parameter as a dict, with inline buttons validated."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and urlsplit(url).scheme not in ("http", "https", "tg"):
                raise bad_request("BUTTON_URL_INVALID")
    return markup


def text_message(params: JSON) -> tuple[str, list[JSON]]:
    """Checks a message text the way sendMessage and editMessageText do."""
    plain, entities = render(params.get("text"), params.get("parse_mode"), params.get("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


@method("getMe")
def get_me(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """The bot user."""
    return {
        **api.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("sendMessage")
def send_message(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """Stores a text message and returns it as a Message."""
    chat_id = chat_id_of(api, params, sending=True)
    plain, entities = text_message(params)
    markup = reply_markup_of(params)
    message = api.add_message(
        SentMessage(
            chat_id=chat_id,
            message_id=api.new_message_id(chat_id),
            date=api.now(),
            text=params["text"],
            parse_mode=params.get("parse_mode"),
            plain=plain,
            entities=entities,
            reply_markup=markup,
        )
    )
    return api.message_json(chat_id, message.message_id)


@method("sendDocument")
def send_document(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """Stores an uploaded (or re-sent) document with its caption."""
    chat_id = chat_id_of(api, params, sending=True)
    filename, content, mime_type = document_of(api, params, files)
    caption = _caption(params)  # checked before the file is stored
    api.file_seq += 1
    file_id = f"BOTDOC{api.file_seq:06d}"
    api.files[file_id] = (filename, content, mime_type)
    return _file_message(
        api,
        chat_id,
        params,
        caption,
        filename=filename,
        content=content,
        mime_type=mime_type,
        file_id=file_id,
    )


@method("sendPhoto")
def send_photo(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """Stores a photo re-sent by its file_id (uploads are not needed here), with its caption."""
    chat_id = chat_id_of(api, params, sending=True)
    ref = params.get("photo")
    if not isinstance(ref, str) or ref not in api.files:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return _file_message(api, chat_id, params, _caption(params), file_id=ref, photo=True)


def _caption(params: JSON) -> tuple[str, list[JSON]]:
    """A file message's caption as the reader sees it, and its entities; too long: refused."""
    plain, entities = render(
        params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
    )
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities


def _file_message(
    api: LocalBotApi, chat_id: int, params: JSON, caption: tuple[str, list[JSON]], **file: Any
) -> JSON:
    """A file message (document or photo) with the call's caption and keyboard, stored."""
    plain, entities = caption
    markup = reply_markup_of(params)
    message = api.add_message(
        SentMessage(
            chat_id=chat_id,
            message_id=api.new_message_id(chat_id),
            date=api.now(),
            text=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            plain=plain,
            entities=entities,
            reply_markup=markup,
            **file,
        )
    )
    return api.message_json(chat_id, message.message_id)


def document_of(api: LocalBotApi, params: JSON, files: Files) -> tuple[str, bytes, str]:
    """The file a sendDocument call refers to: an upload, an attach:// part or a file_id."""
    ref = params.get("document")
    if ref is None and "document" in files:
        found = files["document"]
    elif isinstance(ref, str) and ref.startswith("attach://") and ref[9:] in files:
        found = files[ref[9:]]
    elif isinstance(ref, str) and ref in api.files:
        found = api.files[ref]
    elif isinstance(ref, str) and urlsplit(ref).scheme in ("http", "https"):
        # The fake server cannot download; it keeps the name and no content.
        return urlsplit(ref).path.rsplit("/", 1)[-1] or "file", b"", "application/octet-stream"
    elif ref is None:
        raise bad_request("there is no document in the request")
    else:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if not found[1]:
        raise bad_request("file must be non-empty")
    if len(found[1]) > MAX_UPLOAD:
        raise ApiError(413, "Request Entity Too Large")
    return found


def editable(api: LocalBotApi, params: JSON, action: str = "edit") -> SentMessage | None:
    """The bot message an edit or delete targets; None for inline messages."""
    if params.get("inline_message_id"):
        return None
    chat_id = chat_id_of(api, params)
    message = api.find_message(chat_id, int(params.get("message_id") or 0))
    if message is None:
        raise bad_request(f"message to {action} not found")
    return message


def apply_edit(
    api: LocalBotApi,
    message: SentMessage,
    plain: str,
    entities: list[JSON],
    markup: JSON | None,
    params: JSON,
) -> JSON:
    """Updates a message in place, refusing no-op edits as Telegram does."""
    if (plain, entities, markup) == (message.plain, message.entities, message.reply_markup):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    message.plain, message.entities, message.reply_markup = plain, entities, markup
    if "text" in params:
        message.text, message.parse_mode = params["text"], params.get("parse_mode")
    message.edited = True
    api.add_event(ChatEvent("edited", message.chat_id, message.message_id))
    return api.message_json(message.chat_id, message.message_id)


@method("editMessageText")
def edit_message_text(api: LocalBotApi, params: JSON, files: Files) -> JSON | bool:
    """Replaces a message's text; an omitted reply_markup removes the inline keyboard."""
    message = editable(api, params)
    plain, entities = text_message(params)
    markup = reply_markup_of(params)
    if message is None:
        return True
    if message.has_caption:
        raise bad_request("there is no text in the message to edit")
    return apply_edit(api, message, plain, entities, markup, params)


@method("editMessageCaption")
def edit_message_caption(api: LocalBotApi, params: JSON, files: Files) -> JSON | bool:
    """Replaces the caption of a photo or document message."""
    message = editable(api, params)
    plain, entities = render(
        params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
    )
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    markup = reply_markup_of(params)
    if message is None:
        return True
    if not message.has_caption:
        raise bad_request("there is no caption in the message to edit")
    result = apply_edit(api, message, plain, entities, markup, params)
    message.text, message.parse_mode = params.get("caption"), params.get("parse_mode")
    return result


@method("editMessageReplyMarkup")
def edit_message_reply_markup(api: LocalBotApi, params: JSON, files: Files) -> JSON | bool:
    """Replaces (or, when omitted, removes) a message's inline keyboard."""
    message = editable(api, params)
    markup = reply_markup_of(params)
    if message is None:
        return True
    return apply_edit(api, message, message.plain, message.entities, markup, params)


@method("deleteMessage")
def delete_message(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Deletes a bot message."""
    message = editable(api, params, "delete")
    if message is not None:
        api.remove_message(message)
    return True


@method("answerCallbackQuery")
def answer_callback_query(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Records the answer; a text becomes a toast the user sees."""
    query = api.callback_queries.get(str(params.get("callback_query_id")))
    if query is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    api.callback_answers.append(dict(params))
    if params.get("text"):
        api.add_event(ChatEvent("answer", query["chat_id"], query["message_id"], params["text"]))
    return True


@method("sendChatAction")
def send_chat_action(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Records a chat action such as "typing" or "upload_document"."""
    api.chat_actions.append((chat_id_of(api, params, sending=True), str(params.get("action"))))
    return True


@method("getChat")
def get_chat(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """The Chat object (as ChatFullInfo) of a chat."""
    chat = api.chat_json(chat_id_of(api, params))
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11}


@method("answerInlineQuery")
def answer_inline_query(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Records inline query results after the checks Telegram makes on them: at most 50, ids
    unique and 1–64 bytes, a title, and message texts that parse (HTML) and fit."""
    results = params.get("results") or []
    if isinstance(results, str):
        results = json.loads(results)
    if len(results) > 50:
        raise bad_request("RESULTS_TOO_MUCH")
    ids = [str(result.get("id", "")) for result in results]
    if any(not 1 <= len(i.encode()) <= 64 for i in ids):
        raise bad_request("RESULT_ID_INVALID")
    if len(set(ids)) != len(ids):
        raise bad_request("RESULT_ID_DUPLICATE")
    for result in results:
        if result.get("type") == "article" and not str(result.get("title") or "").strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        content = result.get("input_message_content") or {}
        if "message_text" in content:  # the same checks as sendMessage's text
            text_message({**content, "text": content["message_text"]})
        reply_markup_of(result)
    api.inline_answers.append(dict(params, results=results))
    return True
