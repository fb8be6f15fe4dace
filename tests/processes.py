"""Helpers for tests that run the bot as a real process: a free port, the command, a poll."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port nothing listens on right now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def iuc_bot_command() -> list[str]:
    """`iuc-bot` of this virtual environment, or `python -m bot` without the script."""
    script = Path(sys.executable).with_name("iuc-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def until(check: Callable[[], T], what: str, limit: float = 120.0, every: float = 0.2) -> T:
    """Poll check() until it returns something truthy; a bound, not a speed assertion."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")
