"""LocalRequest: python-telegram-bot's network seam, answered by a LocalBotApi."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.localapi import settings  # noqa: F401  (registers its methods)
from bot.localapi.methods import METHODS, ApiError, Files
from bot.localapi.server import LocalBotApi
from bot.localapi.updates import JSON


def _files(request_data: RequestData | None) -> Files:
    """Multipart parts as name → (filename, bytes, mime type); file handles are read."""
    files: Files = {}
    if request_data is None or not request_data.contains_files:
        return files
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        files[name] = (filename, data, mime_type)
    return files


def _params(request_data: RequestData | None) -> JSON:
    """Parameters as Telegram would decode them; the round trip rejects what cannot be sent."""
    if request_data is None:
        return {}
    return json.loads(json.dumps(request_data.parameters))


def _body(ok: bool, **fields: Any) -> bytes:
    return json.dumps({"ok": ok, **fields}).encode()


async def call_method(
    api: LocalBotApi, name: str, params: JSON, files: Files
) -> tuple[int, bytes]:
    """Runs one Bot API method against `api`; returns the HTTP status and JSON body."""
    api.calls.append(name)
    api.requests.append((name, params))
    injected = api.take_error(name, params.get("chat_id"))
    if injected is not None and injected.kind == "lost":
        await _run(api, name, params, files)  # done; the answer is what gets lost
        raise TimedOut(f"injected lost answer in {name}") from httpx.ReadTimeout("injected")
    if injected is not None:
        if injected.kind == "network":
            raise NetworkError(f"injected network error in {name}")
        if injected.kind == "timeout":
            raise TimedOut(f"injected timeout in {name}")
        if injected.kind == "retry_after":
            return 429, _body(
                False,
                error_code=429,
                description=f"Too Many Requests: retry after {injected.retry_after}",
                parameters={"retry_after": injected.retry_after},
            )
        if injected.kind == "forbidden":
            return 403, _body(
                False, error_code=403, description="Forbidden: bot was blocked by the user"
            )
        return 400, _body(False, error_code=400, description=injected.description)
    return await _run(api, name, params, files)


async def _run(api: LocalBotApi, name: str, params: JSON, files: Files) -> tuple[int, bytes]:
    handler = METHODS.get(name.lower())
    if handler is None:
        return 404, _body(False, error_code=404, description="Not Found: method not found")
    try:
        result = handler(api, params, files)
        if inspect.isawaitable(result):
            result = await result
    except ApiError as exc:
        fields: JSON = {"error_code": exc.code, "description": exc.description}
        if exc.parameters:
            fields["parameters"] = exc.parameters
        return exc.code, _body(False, **fields)
    return 200, _body(True, result=result)


class LocalRequest(BaseRequest):
    """A BaseRequest that never touches the network: every call goes to a LocalBotApi."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        """No read timeout: long polls end when the fake server says so."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answers a Bot API call; the method is the last path segment, whatever the base_url."""
        name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return await call_method(self.api, name, _params(request_data), _files(request_data))


def local_bot_request(api: LocalBotApi) -> LocalRequest:
    """A request object for ApplicationBuilder().request(...) and .get_updates_request(...)."""
    return LocalRequest(api)
