"""Turn the DATABASE_URL an operator writes into the URLs our two drivers need."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# What operators write, mapped to the dialect family. Driver suffixes we do not ship
# (asyncpg, psycopg2, ...) are refused rather than silently swapped.
_FAMILIES = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql",
}
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}

_HINT = "use sqlite:///path/to/file.db or postgresql://user:password@host:5432/dbname"
# Greedy up to the last "@": an unescaped "@" inside a password must not leak its tail.
_CREDENTIALS = re.compile(r"(://[^:/@]*:).*@")


def mask_password(url: str) -> str:
    """Return the URL text with any password replaced by ***."""
    return _CREDENTIALS.sub(r"\1***@", url)


def async_url(url: str) -> str:
    """Map an operator's database URL to the asyncio driver URL (aiosqlite or psycopg)."""
    return _convert(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> str:
    """Map an operator's database URL to the blocking driver URL used by migrations."""
    return _convert(url, _SYNC_DRIVERS)


def _convert(url: str, drivers: dict[str, str]) -> str:
    parsed = _parse(url)
    family = _FAMILIES[parsed.drivername]
    return parsed.set(drivername=drivers[family]).render_as_string(hide_password=False)


def _parse(url: str) -> URL:
    text = url.strip()
    if not text:
        raise ValueError(f"The database URL is empty: {_HINT}.")
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):
        # SQLAlchemy's own message repeats the URL verbatim, password included; without
        # "://" we cannot tell where a password would be, so the text is not shown at all.
        shown = f" {mask_password(text)!r}" if "://" in text else ""
        raise ValueError(f"The database URL{shown} cannot be parsed: {_HINT}.") from None
    # Masked from the raw text, not from the parsed URL: SQLAlchemy splits an unescaped "@" in
    # a password at the first one, so its own masking would show the rest.
    shown = mask_password(text)
    if parsed.drivername not in _FAMILIES:
        raise ValueError(
            f"The database URL {shown!r} uses an unsupported scheme "
            f"{parsed.drivername!r}: {_HINT}."
        )
    if _FAMILIES[parsed.drivername] == "sqlite" and parsed.database in (None, "", ":memory:"):
        # Migrations and the bot use separate connections; each would get its own empty
        # in-memory database.
        raise ValueError(
            f"The database URL {shown!r} names an in-memory SQLite database, which cannot be "
            f"shared between migrations and the bot: {_HINT}."
        )
    return parsed
