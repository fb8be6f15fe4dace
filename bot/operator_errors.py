"""What an operator can get wrong or meet at start-up, told in one line instead of a traceback.

`describe(exc, env)` turns an exception that reached the command line into one sentence that
names the thing that failed (the database URL without its password, the file, the port, the Bot
API URL without the token) and what to check; None for anything else, which stays a traceback
(that is a bug, not an operator's mistake). Nothing is imported at module level beyond the
standard library: `iuc-bot ask` starts fast and only a failure pays for the imports.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from pathlib import Path


class OperatorError(Exception):
    """A failure with its one-line explanation already written (raised by the CLI itself)."""


def describe(exc: BaseException, env: Mapping[str, str]) -> str | None:
    """One line for an operator's failure, or None when `exc` is not one."""
    if isinstance(exc, OperatorError):
        return str(exc)
    for describer in (_database, _bot_api, _port_in_use):
        line = describer(exc, env)
        if line is not None:
            return line
    return None


def database_url(env: Mapping[str, str]) -> str:
    """DATABASE_URL as `iuc-bot` reads it (the default when unset)."""
    from bot.config import DEFAULT_DATABASE_URL

    return (env.get("DATABASE_URL") or "").strip() or DEFAULT_DATABASE_URL


# insufficient_privilege: the role may connect but not create the tables, as on PostgreSQL 15
# and later in a database that another role owns; anything else of ProgrammingError is a bug.
_PRIVILEGE_SQLSTATE = "42501"


def _database(exc: BaseException, env: Mapping[str, str]) -> str | None:
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError

    from bot.db.url import mask_password

    url = database_url(env)
    shown = mask_password(url)
    if isinstance(exc, ProgrammingError) and not url.startswith("sqlite"):
        if getattr(exc.orig, "sqlstate", None) != _PRIVILEGE_SQLSTATE:
            return None
        return (
            f"the database {shown} cannot be used: {_first_line(str(exc.orig))}. The user in "
            "DATABASE_URL must own the database (createdb --owner=<user>) or be granted CREATE "
            "on its schema public."
        )
    # OperationalError: the server refused, the password was wrong, the file cannot be opened;
    # InterfaceError: the connection broke under the driver.
    if not isinstance(exc, OperationalError | InterfaceError) or not isinstance(exc, DBAPIError):
        return None
    if url.startswith("sqlite"):
        return _sqlite(url, shown, exc)
    reason = _first_line(str(exc.orig)) if exc.orig is not None else "no reason given"
    return (
        f"the database {shown} cannot be used: {reason}. Check DATABASE_URL (host, port, user, "
        "password, database name) and that the PostgreSQL server is running and reachable."
    )


def _sqlite(url: str, shown: str, exc: BaseException) -> str:
    from sqlalchemy.engine import make_url

    path = Path(make_url(url).database or "")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        what = f"the folder {folder} does not exist: create it, or use another database URL"
    elif not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        what = (
            f"{path if path.exists() else folder} is not writable by this user: fix its "
            "permissions, or use another database URL"
        )
    else:
        reason = _first_line(str(getattr(exc, "orig", exc)))
        what = f"{reason}: check that {path} is a SQLite database file"
    return f"the SQLite database {shown} cannot be opened: {what}."


def _bot_api(exc: BaseException, env: Mapping[str, str]) -> str | None:
    from telegram.error import NetworkError

    if not isinstance(exc, NetworkError):
        return None
    from bot.config import DEFAULT_BASE_URL
    from bot.logs import redact

    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    base = (env.get("TELEGRAM_BASE_URL") or "").strip() or DEFAULT_BASE_URL
    reason = redact(_first_line(exc.message), [token, *token.split(":")[1:]])
    return (
        f"the Bot API at {base}[REDACTED]/getMe cannot be reached ({reason}). Check the "
        "network, a proxy or firewall, and TELEGRAM_BASE_URL (default https://api.telegram.org/bot)."
    )


def _port_in_use(exc: BaseException, env: Mapping[str, str]) -> str | None:
    if not isinstance(exc, OSError) or exc.errno != errno.EADDRINUSE:
        return None
    port = (env.get("PORT") or "").strip() or "8443"
    return (
        f"port {port} is already in use: stop what listens there, or set PORT to a free one "
        "(the reverse proxy must forward to it)."
    )


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else "no reason given").rstrip(".")
