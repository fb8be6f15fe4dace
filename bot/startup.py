"""Waiting at start-up for a database or Bot API that is not there yet (STARTUP_WAIT_SECONDS).

Containers start together: the bot is often up before PostgreSQL accepts connections, or before
the network reaches Telegram. Failing at once would make a supervisor restart it in a loop; the
bot tries again with growing pauses (1, 2, 4 … 15 s) for up to the configured time, logging a
warning each time, and then fails with the one line of bot/operator_errors.py. What waiting
cannot fix (a wrong password, a database that does not exist, a rejected token, a SQLite folder
that is missing) fails at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 15.0
# SQLSTATE classes waiting does not fix: 28 (wrong user or password), 3D (no such database).
_FINAL_SQLSTATES = ("28", "3D")
_FINAL_MESSAGES = ("password authentication failed", "does not exist", "no password supplied")


def wait_for(
    what: str,
    attempt: Callable[[], T],
    retryable: Callable[[BaseException], bool],
    seconds: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """attempt(), again after a pause while it fails in a retryable way, for up to `seconds`."""
    end = clock() + seconds
    pause = FIRST_PAUSE_S
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not retryable(exc) or clock() + pause > end:
                raise
            log.warning(
                "%s is not reachable yet (%s); trying again in %.0f s", what, _reason(exc), pause
            )
            sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)


def database_not_up_yet(exc: BaseException) -> bool:
    """A PostgreSQL server that refuses or does not answer (not one that refuses us)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    orig = getattr(exc, "orig", None)
    if "sqlite" in type(orig).__module__:
        return False  # a local file: nothing to wait for
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate.startswith(_FINAL_SQLSTATES):
        return False
    # libpq reports a refused login in the message only, without an SQLSTATE.
    message = str(orig)
    return not any(final in message for final in _FINAL_MESSAGES)


def bot_api_not_up_yet(exc: BaseException) -> bool:
    """The Bot API could not be reached (a rejected token is final)."""
    from telegram.error import InvalidToken, NetworkError

    return isinstance(exc, NetworkError) and not isinstance(exc, InvalidToken)


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
