"""The in-process Bot API (bot/localapi) served over HTTP, for tests that run `iuc-bot run` as
a real process: a thread with its own event loop, python-telegram-bot's form encoding decoded."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.localapi import LocalBotApi
from bot.localapi.request import call_method


def _decoded(value: str) -> Any:
    # python-telegram-bot sends every non-string parameter JSON-encoded as a form field.
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Method(RequestHandler):
    def initialize(self, api: LocalBotApi, state: dict[str, bool], log: list[Call]) -> None:
        self.api, self.state, self.log = api, state, log

    async def post(self, token: str, method: str) -> None:
        if self.state["revoked"]:  # what Telegram answers once @BotFather revoked the token
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = {k: _decoded(v[-1].decode()) for k, v in self.request.body_arguments.items()}
        if not params and self.request.body.startswith(b"{"):
            params = json.loads(self.request.body)
        # When each request arrived: what Telegram would measure its limits with.
        self.log.append(Call(time.monotonic(), method, params.get("chat_id"), params.get("text")))
        # Uploads (a calendar file, a CSV export) arrive as multipart file parts.
        files = {
            name: (parts[-1].filename, parts[-1].body, parts[-1].content_type)
            for name, parts in self.request.files.items()
        }
        status, body = await call_method(self.api, method, params, files)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)


@dataclass(frozen=True)
class Call:
    """One request as it arrived: when (time.monotonic()), the method, its chat and text."""

    at: float
    method: str
    chat_id: Any
    text: Any


@dataclass
class HttpBotApi:
    """Where the Bot API listens, and its state (touch it through `call`)."""

    base_url: str
    api: LocalBotApi
    loop: asyncio.AbstractEventLoop
    state: dict[str, bool]
    log: list[Call]  # every request, in the order they arrived (read it through `call`)

    def revoke(self) -> None:
        """From now on every method is refused with 401 Unauthorized."""
        self.state["revoked"] = True

    def call(self, function: Any, *args: Any) -> Any:
        """Run function(*args) in the server's thread (the api is not thread-safe)."""

        async def run() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=30)


@contextmanager
def http_bot_api() -> Iterator[HttpBotApi]:
    """A LocalBotApi behind http://127.0.0.1:<port>/bot<token>/<method>."""
    ready: dict[str, Any] = {}
    started = threading.Event()

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        api = LocalBotApi()
        state = {"revoked": False}
        log: list[Call] = []
        app = Application(
            [(r"/bot([^/]+)/(\w+)", _Method, {"api": api, "state": state, "log": log})]
        )
        server = HTTPServer(app)
        server.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        ready.update(api=api, loop=loop, port=port, server=server, state=state, log=log)
        started.set()
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30)
    try:
        yield HttpBotApi(
            f"http://127.0.0.1:{ready['port']}/bot",
            ready["api"],
            ready["loop"],
            ready["state"],
            ready["log"],
        )
    finally:
        ready["loop"].call_soon_threadsafe(ready["loop"].stop)
        thread.join(10)
