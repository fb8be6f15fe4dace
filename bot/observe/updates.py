"""One log line and the metrics for every update: which handler took it, how it ended, how long
it took, and who sent it (a keyed hash of the user id, never the id itself).

The Application is subclassed at one point, process_update, which the update processor (and the
tests' harness) awaits for every update; the handlers' callbacks are wrapped once after they
are registered, so nobody registering a handler has to remember anything.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop

from bot.observe.metrics import LATENCY, UPDATES

log = logging.getLogger("bot.updates")


@dataclass
class _Record:
    handler: str = "none"
    outcome: str = "unhandled"  # until a handler runs


_current: ContextVar[_Record | None] = ContextVar("iuc_update_record", default=None)


def mark(handler: str, outcome: str) -> None:
    """Set what the update's line will say (e.g. the flood gate: "flood")."""
    record = _current.get()
    if record is not None:
        record.handler, record.outcome = handler, outcome


@lru_cache(maxsize=4096)  # a person's updates come in runs: one HMAC per run, not per update
def user_hash(key: bytes, user_id: int) -> str:
    """A stable pseudonym for a user: the same in every line, not reversible without the key.

    A bare hash of a Telegram id (a number of ten digits or so) would be reversed by trying
    them all; the key is derived from the bot token, which the logs never show.
    """
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


class ObservedApplication(Application):
    """The Application, timing and logging every update it processes."""

    hash_key: bytes = b""

    async def process_update(self, update: object) -> None:
        """Process as usual, then log one line and count it."""
        record = _Record()
        reset = _current.set(record)
        start = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            _current.reset(reset)
            elapsed = time.perf_counter() - start
            UPDATES.inc(record.handler, record.outcome)
            LATENCY.observe(elapsed)
            _log(update, record, elapsed, self.hash_key)


def _log(update: object, record: _Record, elapsed: float, key: bytes) -> None:
    kind = "other"
    user = None
    if isinstance(update, Update):
        kind = next((k for k in _KINDS if getattr(update, k, None) is not None), "other")
        user = update.effective_user
    fields = {
        "event": "update",
        "update_type": kind,
        "handler": record.handler,
        "outcome": record.outcome,
        "latency_ms": round(elapsed * 1000, 1),
        "user": user_hash(key, user.id) if user is not None else None,
    }
    log.info(
        "update %s handler=%s outcome=%s latency_ms=%s user=%s",
        kind,
        record.handler,
        record.outcome,
        fields["latency_ms"],
        fields["user"],
        extra={"fields": fields},
    )


_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
    "channel_post",
)


def instrument(app: Application, token: str) -> None:
    """Wrap every registered handler's callback so that the update's line names it."""
    if isinstance(app, ObservedApplication):
        app.hash_key = hashlib.sha256(b"iuc-bot user hash:" + token.encode()).digest()
    for handlers in app.handlers.values():
        for handler in handlers:
            # A ConversationHandler has no callback of its own: its steps' lines say "none".
            callback = getattr(handler, "callback", None)
            if callback is not None and not getattr(callback, "_observed", False):
                handler.callback = _observed(callback)


def _observed(callback: Any) -> Any:
    # The feature's module, not its package path: bot.handlers.questions.handlers.question
    # is "questions.question", bot.handlers.general.other.not_text "other.not_text".
    parts = callback.__module__.split(".")
    if len(parts) > 1 and parts[-1] == "handlers":
        parts.pop()
    module = parts[-1]
    name = f"{module}.{callback.__qualname__}"

    @wraps(callback)
    async def run(update: object, context: Any) -> Any:
        record = _current.get()
        if record is not None:
            record.handler, record.outcome = name, "ok"
        try:
            return await callback(update, context)
        except ApplicationHandlerStop:
            raise
        except Exception:
            if record is not None:
                record.outcome = "error"
            raise

    run._observed = True  # type: ignore[attr-defined]
    return run
