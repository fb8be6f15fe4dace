"""The coordinators' CSV: UTF-8 with a byte-order mark, CRLF and ISO dates, as Excel wants."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from bot.visits.reports import EXPORT_COLUMNS

# Typed text starting like a formula runs as one when a coordinator opens the file in Excel
# (CSV injection); a leading apostrophe makes it plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = frozenset(
    {"full_name", "organisation", "city", "dietary", "accessibility", "email"}
)


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if column in _TEXT_COLUMNS and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def registrations_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The rows of export_rows as a CSV file: header, one line per registration."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(column, row.get(column)) for column in EXPORT_COLUMNS])
    # The BOM is how Excel on Windows knows the file is UTF-8, not the local code page.
    return out.getvalue().encode("utf-8-sig")
