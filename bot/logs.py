"""Logging set-up that never writes the bot token, not even inside a traceback or a URL, and no
personal data from PostgreSQL's error details."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import traceback
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# PostgreSQL explains a refused row in a DETAIL line: "Failing row contains (<every value>)",
# "Key (email)=(<the address>) already exists". Those values are people's names, addresses
# and ids; hide_parameters keeps them out of SQLAlchemy's part of the message, not this. A
# value may hold line breaks, so the detail runs to the next part of the message: SQLAlchemy's
# [SQL: …] or background link, libpq's next field, or the next exception of a traceback.
_DETAIL = re.compile(
    r"DETAIL:.*?(?=\n\[SQL: |\n\(Background on this error|\n[A-Z][A-Z ]*:  "
    r"|\n\nThe above exception|\n\nDuring handling of the above exception|\Z)",
    re.DOTALL,
)


def redact(text: str, secrets: list[str]) -> str:
    """The text with every secret, and PostgreSQL's error details, replaced by [REDACTED]."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    if "DETAIL:" in text:
        text = _DETAIL.sub("DETAIL: [REDACTED]", text)
    return text


class RedactingFormatter(logging.Formatter):
    """Replaces secrets in the fully formatted record, tracebacks included."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format, then redact."""
        return redact(super().format(record), self.secrets)


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time, level, logger, message, and a record's own fields
    (bot/observe/updates.py gives each update's handler, outcome, latency, hashed user)."""

    converter = time.gmtime  # "ts" in UTC, marked Z: collectors compare hosts' lines

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(FORMAT, secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line, redacted field by field."""
        entry: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage(), self.secrets),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info), self.secrets)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(*secrets: str, level: int = logging.INFO, fmt: str = "text") -> None:
    """Log to stderr; httpx's request lines (with the token in the URL) only on errors.

    fmt is LOG_FORMAT: "text" for people, "json" for log collectors. An exception nobody
    catches is printed redacted too: python-telegram-bot puts the token in the message of
    InvalidToken, and Python's own hook would print it as it is.
    """
    handler = logging.StreamHandler()
    kept = list(secrets)
    formatter = JsonFormatter(kept) if fmt == "json" else RedactingFormatter(FORMAT, kept)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Python's warnings (deprecations of a library) as log records: in JSON mode a bare line
    # on standard error would be the one line a log collector cannot parse.
    logging.captureWarnings(True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    _redact_uncaught([s for s in secrets if s])


def _redact_uncaught(secrets: list[str]) -> None:
    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb)), secrets))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        sys.stderr.write(f"Exception in thread {name}:\n")
        excepthook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
