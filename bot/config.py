"""Settings from the environment, validated once at start-up and passed in explicitly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.i18n import LANGUAGES

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
DEFAULT_DATABASE_URL = "sqlite:///iuc-bot.sqlite3"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DB_TIMEOUT_S = 3.0
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
# The drivers bot.db.url accepts (checked here without importing SQLAlchemy, so that `ask`
# starts fast); an in-memory SQLite database would not be shared by migrations and the bot.
DATABASE_URL_RE = re.compile(
    r"^(sqlite(\+(pysqlite|aiosqlite))?|postgres|postgresql(\+psycopg)?)://"
)
IN_MEMORY_RE = re.compile(r"^sqlite[^:]*://(/(:memory:)?)?(\?.*)?$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and never shows the token."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str = field(repr=False, default="")
    base_url: str = DEFAULT_BASE_URL
    database_url: str = field(repr=False, default=DEFAULT_DATABASE_URL)
    default_locale: str = "en"
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    coordinator_ids: frozenset[int] = frozenset()
    staff_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_secret: str | None = field(repr=False, default=None)
    port: int = 8443
    reminder_days: tuple[int, ...] = (7, 1)  # days before a visit, nearest last
    offer_hours: int = 48  # how long a freed place stays offered to the next person waiting
    purge_after_days: int = 90  # registrations are anonymised this long after the visit ends
    # Delegates may arrive this many days before a visit and leave as many days after it.
    stay_window_days: int = 1
    # Questions lose their words and asker this long after they were asked; a user's row goes
    # when they have not written for as long.
    retention_days: int = 365
    # How long a message waits for PostgreSQL before answering without it (bot/db/deadline.py).
    db_timeout: float = DEFAULT_DB_TIMEOUT_S
    # Flood control (bot/flood.py): at most flood_messages updates per user in any
    # flood_window seconds; over that, one slow-down message and flood_pause seconds of silence.
    flood_messages: int = 10
    flood_window: int = 10
    flood_pause: int = 30
    # Logs: "text" for people reading a terminal, "json" (one object per line) for collectors.
    log_format: str = "text"
    # The operations server (/health, /metrics; bot/observe/server.py): off (0) unless set, so
    # that several bot processes on one machine do not fight over a port; the image sets 8080.
    ops_port: int = 0
    ops_listen: str = "127.0.0.1"
    # `run` waits this long for a database or Bot API that is not reachable yet (bot/startup.py).
    startup_wait: int = 60
    # Broadcasts (bot/broadcast/sender.py): Telegram's limits, retries, progress edits.
    broadcast_rate: float = 30.0  # messages a second, overall
    broadcast_chat_interval: float = 1.0  # seconds between two messages to one chat
    broadcast_max_attempts: int = 5  # network failures before a message counts as failed
    broadcast_retry_seconds: float = 2.0  # the first retry's wait; doubles each time
    broadcast_progress_seconds: float = 5.0  # between two edits of a progress message

    @property
    def webhook_path(self) -> str:
        """The path part of WEBHOOK_URL, where the webhook server listens."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, need_token: bool = True) -> Settings:
        """Read and validate the environment; raise SettingsError naming the first bad value."""
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        token = get("TELEGRAM_BOT_TOKEN") or ""
        if need_token and not token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: put the token @BotFather gave you in it."
            )
        if token and not TOKEN_RE.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: it should look like 123456:ABC-DEF… "
                "(digits, a colon, then at least 20 letters, digits, '_' or '-')."
            )
        base_url = get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
            raise SettingsError(
                "TELEGRAM_BASE_URL is malformed: use an http(s) URL such as "
                "http://127.0.0.1:8081/bot."
            )
        locale = get("DEFAULT_LOCALE") or "en"
        if locale not in LANGUAGES:
            raise SettingsError(f"DEFAULT_LOCALE is malformed: use one of {', '.join(LANGUAGES)}.")
        knowledge = Path(get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
        if not knowledge.is_dir():
            raise SettingsError(f"KNOWLEDGE_DIR is malformed: {knowledge} is not a directory.")
        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not DATABASE_URL_RE.match(database_url) or IN_MEMORY_RE.match(database_url):
            raise SettingsError(
                "DATABASE_URL is malformed: use sqlite:///file.sqlite3 or postgresql://user@host/db."
            )
        webhook_url = get("WEBHOOK_URL")
        secret = get("WEBHOOK_SECRET")
        if webhook_url:
            if urlsplit(webhook_url).scheme != "https":
                raise SettingsError("WEBHOOK_URL is malformed: Telegram needs an https:// URL.")
            if not secret:
                raise SettingsError(
                    "WEBHOOK_SECRET is not set: webhook mode needs it to reject forged requests."
                )
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise SettingsError(
                "WEBHOOK_SECRET is malformed: use 1–256 characters of A–Z, a–z, 0–9, '_' and '-'."
            )
        return cls(
            token=token,
            base_url=base_url,
            database_url=database_url,
            default_locale=locale,
            knowledge_dir=knowledge,
            coordinator_ids=_ids(env, "COORDINATOR_IDS"),
            staff_ids=_ids(env, "STAFF_IDS"),
            webhook_url=webhook_url,
            webhook_secret=secret,
            port=_port(get("PORT")),
            reminder_days=_reminder_days(get("REMINDER_DAYS")),
            offer_hours=_bounded(get("OFFER_HOURS"), "OFFER_HOURS", 48, 1, 720, "hours"),
            purge_after_days=_bounded(
                get("PURGE_AFTER_DAYS"), "PURGE_AFTER_DAYS", 90, 0, 3650, "days"
            ),
            retention_days=_bounded(get("RETENTION_DAYS"), "RETENTION_DAYS", 365, 1, 3650, "days"),
            stay_window_days=_bounded(
                get("STAY_WINDOW_DAYS"), "STAY_WINDOW_DAYS", 1, 0, 30, "days"
            ),
            db_timeout=_seconds(get("DB_TIMEOUT_SECONDS")),
            flood_messages=_bounded(
                get("FLOOD_MESSAGES"), "FLOOD_MESSAGES", 10, 2, 1000, "messages"
            ),
            flood_window=_bounded(
                get("FLOOD_WINDOW_SECONDS"), "FLOOD_WINDOW_SECONDS", 10, 1, 3600, "seconds"
            ),
            flood_pause=_bounded(
                get("FLOOD_PAUSE_SECONDS"), "FLOOD_PAUSE_SECONDS", 30, 1, 3600, "seconds"
            ),
            log_format=_choice(get("LOG_FORMAT"), "LOG_FORMAT", ("text", "json")),
            ops_port=_ops_port(get("OPS_PORT")),
            ops_listen=_address(get("OPS_LISTEN")),
            startup_wait=_bounded(
                get("STARTUP_WAIT_SECONDS"), "STARTUP_WAIT_SECONDS", 60, 0, 3600, "seconds"
            ),
            broadcast_rate=_number(get("BROADCAST_RATE"), "BROADCAST_RATE", 30, 0.1, 1000),
            broadcast_chat_interval=_number(
                get("BROADCAST_CHAT_INTERVAL"), "BROADCAST_CHAT_INTERVAL", 1, 0, 60
            ),
            broadcast_max_attempts=_bounded(
                get("BROADCAST_MAX_ATTEMPTS"), "BROADCAST_MAX_ATTEMPTS", 5, 1, 100, "attempts"
            ),
            broadcast_retry_seconds=_number(
                get("BROADCAST_RETRY_SECONDS"), "BROADCAST_RETRY_SECONDS", 2, 0.1, 3600
            ),
            broadcast_progress_seconds=_number(
                get("BROADCAST_PROGRESS_SECONDS"), "BROADCAST_PROGRESS_SECONDS", 5, 1, 300
            ),
        )


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = (env.get(name) or "").strip()
    if not raw:
        return frozenset()
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(re.fullmatch(r"-?\d{1,20}", p) for p in parts):
        raise SettingsError(f"{name} is malformed: use comma-separated Telegram user ids.")
    return frozenset(int(p) for p in parts)


def _port(raw: str | None) -> int:
    if raw is None:
        return 8443
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError("PORT is malformed: use a number from 1 to 65535.")
    return int(raw)


def _reminder_days(raw: str | None) -> tuple[int, ...]:
    if raw is None:
        return (7, 1)
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(_whole(p) and 1 <= int(p) <= 365 for p in parts):
        raise SettingsError(
            "REMINDER_DAYS is malformed: use comma-separated days before a visit, "
            "each from 1 to 365, e.g. 7,1."
        )
    return tuple(sorted({int(p) for p in parts}, reverse=True))


def _bounded(raw: str | None, name: str, default: int, low: int, high: int, unit: str) -> int:
    if raw is None:
        return default
    if not _whole(raw) or not low <= int(raw) <= high:
        raise SettingsError(f"{name} is malformed: use a whole number of {unit}, {low} to {high}.")
    return int(raw)


def _seconds(raw: str | None) -> float:
    if raw is None:
        return DEFAULT_DB_TIMEOUT_S
    if not re.fullmatch(r"\d{1,3}(\.\d{1,3})?", raw) or not 0.5 <= float(raw) <= 60:
        raise SettingsError(
            "DB_TIMEOUT_SECONDS is malformed: use a number of seconds from 0.5 to 60, e.g. 3."
        )
    return float(raw)


def _ops_port(raw: str | None) -> int:
    if raw is None:
        return 0
    if not _whole(raw) or not 0 <= int(raw) < 65536:
        raise SettingsError("OPS_PORT is malformed: use a port from 1 to 65535, or 0 for none.")
    return int(raw)


def _choice(raw: str | None, name: str, choices: tuple[str, ...]) -> str:
    if raw is None:
        return choices[0]
    if raw.lower() not in choices:
        raise SettingsError(f"{name} is malformed: use one of {', '.join(choices)}.")
    return raw.lower()


def _address(raw: str | None) -> str:
    if raw is None:
        return "127.0.0.1"
    import ipaddress

    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise SettingsError(
            "OPS_LISTEN is malformed: use an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0."
        ) from None


def _number(raw: str | None, name: str, default: float, low: float, high: float) -> float:
    if raw is None:
        return float(default)
    if not re.fullmatch(r"\d{1,4}(\.\d{1,3})?", raw) or not low <= float(raw) <= high:
        raise SettingsError(f"{name} is malformed: use a number from {low:g} to {high:g}.")
    return float(raw)


def _whole(raw: str) -> bool:
    # ASCII only: "²".isdigit() is True, but int("²") fails.
    return raw.isascii() and raw.isdigit()
