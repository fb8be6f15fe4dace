"""Logging set-up that never writes the bot token, not even inside a traceback or a URL."""

from __future__ import annotations

import logging


class RedactingFormatter(logging.Formatter):
    """Replaces secrets in the fully formatted record, tracebacks included."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format, then redact."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text


def configure(*secrets: str, level: int = logging.INFO) -> None:
    """Log to stderr; httpx's request lines (with the token in the URL) only on errors."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", list(secrets))
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
