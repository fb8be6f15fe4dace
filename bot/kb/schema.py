"""What each collection's records may hold, and the checks that turn raw YAML into typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.kb.yamlsrc import Node, Problem, Scalar, line_of

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FACT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Spec:
    """A field: its kind (see `Checker.value`) and whether a record must have it."""

    kind: str
    required: bool = True


COMMON = {
    "id": Spec("id"),
    "name": Spec("localized"),
    "aliases": Spec("localized_list", required=False),
    "source": Spec("source"),
    "facts": Spec("facts", required=False),
    "about": Spec("refs:*", required=False),
}

# Collections about the bot itself, not the source: their records and facts quote nothing. The
# answers coordinators wrote in the bot (`reviewed`, from `iuc-bot kb pull-reviewed`) quote none
# either: a coordinator is their source.
UNSOURCED = frozenset({"assistant", "reviewed"})
# Collections whose facts may leave languages out of their text and questions (one at least):
# a coordinator writes the answer in the languages they can; the others fall back to English.
PARTIAL_LANGUAGES = frozenset({"reviewed"})

COLLECTIONS: dict[str, dict[str, Spec]] = {
    "assistant": {},
    "reviewed": {},
    "programme": {},
    "faq": {},
    # Items of a list in the source (what Bratislava wants to learn), one record each.
    "interests": {"partnership": Spec("ref:partnerships")},
    "places": {"country": Spec("country"), "timezone": Spec("timezone")},
    "organisations": {
        "kind": Spec("enum:institution|unit|city|department|office"),
        "part_of": Spec("ref:organisations", required=False),
        "place": Spec("ref:places", required=False),
        "duties": Spec("localized", required=False),
        "email": Spec("email", required=False),
        "phone": Spec("text", required=False),
        "url": Spec("text", required=False),
    },
    "people": {
        "title": Spec("localized", required=False),
        "role": Spec("localized"),
        "organisations": Spec("refs:organisations", required=False),
        "email": Spec("email", required=False),
    },
    "partnerships": {
        "cities": Spec("refs:places"),
        "selected_year": Spec("year"),
        # The programme a partnership is part of: its facts concern it too ("v rámci IUC").
        "programme": Spec("ref:programme", required=False),
    },
    "agreements": {
        "partnership": Spec("ref:partnerships"),
        "signed": Spec("date"),
        "valid_until_at_least": Spec("date", required=False),
        "timezone": Spec("timezone"),
    },
    "events": {
        "kind": Spec("enum:business_meeting|meeting|approval"),
        "start": Spec("date"),
        "end": Spec("date", required=False),
        # The start's clock time in `timezone`, only when the source gives one ("09:30").
        "time": Spec("time", required=False),
        "timezone": Spec("timezone"),
        "place": Spec("ref:places"),
        "participants": Spec("participants", required=False),
        "part_of": Spec("ref:events", required=False),
    },
}

FACT_KEYS = {"id", "text", "questions", "source", "live", "unrecorded", "command"}
# The command an `assistant` fact is about (`command`): offered with the fact as a suggestion.
COMMAND_RE = re.compile(r"[a-z][a-z_]{1,31}")
# What a fact may answer from the database (`live`): the visits open for registration.
LIVE_VALUES = ("open_visits",)


class Checker:
    """Checks values against their kind, collecting problems instead of stopping at the first."""

    def __init__(self, file: str, languages: tuple[str, ...], problems: list[Problem]) -> None:
        self.file = file
        self.languages = languages
        self.problems = problems
        self.refs: list[tuple[str, int, str, str]] = []  # (target collection, line, id, field)
        self.record_ids: list[str] = []

    def problem(self, line: int, message: str) -> None:
        """Record one problem at a line of this file."""
        self.problems.append(Problem(self.file, line, message))

    def value(self, kind: str, raw: Any, line: int, what: str) -> Any:
        """Check one value of a kind; return it typed, or None after recording a problem."""
        if kind == "id":
            return self.id(raw, line, what, ID_RE)
        if kind == "text":
            return self._text(raw, line, what)
        if kind == "localized":
            return self._localized(raw, line, what, self._text)
        if kind == "localized_list":
            return self._localized(raw, line, what, self._text_list, required=False)
        if kind == "localized_lists":
            return self._localized(raw, line, what, self._text_list)
        if kind in ("some_localized", "some_localized_lists"):
            each = self._text if kind == "some_localized" else self._text_list
            result = self._localized(raw, line, what, each, required=False)
            if result is not None and not result:
                self.problem(line, f"The {what} needs one language at least ({self._langs()}).")
            return result
        if kind == "date":
            return self._date(raw, line, what)
        if kind == "timezone":
            return self._timezone(raw, line, what)
        if kind == "time":
            return self._time(raw, line, what)
        if kind == "country":
            if isinstance(raw, str) and re.fullmatch(r"[A-Z]{2}", raw):
                return str(raw)
            self.problem(line, f"The {what} must be a two-letter ISO country code such as SK.")
            return None
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            self.problem(line, f"The {what} must be true or false.")
            return None
        if kind == "year":
            if isinstance(raw, int) and not isinstance(raw, bool) and 1900 <= raw <= 2200:
                return raw
            self.problem(line, f"The {what} must be a year such as 2018.")
            return None
        if kind == "email":
            if raw is None or (isinstance(raw, str) and EMAIL_RE.match(raw)):
                return None if raw is None else str(raw)
            self.problem(
                line, f"The {what} '{raw}' is not an e-mail address (use null if unknown)."
            )
            return None
        if kind.startswith("enum:"):
            allowed = kind[5:].split("|")
            if raw in allowed:
                return str(raw)
            self.problem(line, f"The {what} '{raw}' is not one of: {', '.join(allowed)}.")
            return None
        if kind.startswith("ref:"):
            return self._ref(kind[4:], raw, line, what)
        if kind.startswith("refs:"):
            if not isinstance(raw, list) or not raw:
                self.problem(line, f"The {what} must be a non-empty list of record ids.")
                return None
            items = [self._ref(kind[5:], x, line_of(raw, i), what) for i, x in enumerate(raw)]
            return tuple(x for x in items if x is not None)
        raise ValueError(f"unknown field kind {kind}")

    def id(self, raw: Any, line: int, what: str, pattern: re.Pattern[str]) -> str | None:
        if isinstance(raw, str) and pattern.match(raw):
            return str(raw)
        self.problem(line, f"The {what} '{raw}' must be lowercase letters, digits and '-' only.")
        return None

    def _text(self, raw: Any, line: int, what: str) -> str | None:
        if isinstance(raw, str) and raw.strip():
            text = Scalar(raw.strip())
            text.line = getattr(raw, "line", line)  # so placeholders can be checked by line
            return text
        self.problem(line, f"The {what} must be non-empty text.")
        return None

    def _text_list(self, raw: Any, line: int, what: str) -> tuple[str, ...] | None:
        if not isinstance(raw, list) or not raw:
            self.problem(line, f"The {what} must be a non-empty list of texts.")
            return None
        items = [self._text(x, line_of(raw, i), what) for i, x in enumerate(raw)]
        return tuple(x for x in items if x is not None)

    def _localized(
        self, raw: Any, line: int, what: str, each: Any, *, required: bool = True
    ) -> dict[str, Any] | None:
        if not isinstance(raw, Node):
            self.problem(line, f"The {what} must be a mapping of languages ({self._langs()}).")
            return None
        for lang in raw:
            if lang not in self.languages:
                self.problem(
                    line_of(raw, lang), f"'{lang}' in the {what} is not a supported language."
                )
        missing = [lang for lang in self.languages if lang not in raw]
        if required and missing:
            self.problem(line, f"The {what} is missing the language(s): {', '.join(missing)}.")
        result = {}
        for lang in self.languages:
            if lang in raw:
                value = each(raw[lang], line_of(raw, lang), f"{what} ({lang})")
                if value is not None:
                    result[lang] = value
        return result

    def _date(self, raw: Any, line: int, what: str) -> date | None:
        text = str(raw) if raw is not None else ""
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            self.problem(line, f"The {what} '{raw}' is not an ISO date (YYYY-MM-DD).")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problem(line, f"The {what} {text} does not exist in the calendar.")
            return None

    def _time(self, raw: Any, line: int, what: str) -> time | None:
        # Unquoted, YAML reads 9:30 as the number 570 (base 60): ask for quotes.
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw) if isinstance(raw, str) else None
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
        self.problem(line, f"The {what} '{raw}' is not a time of day in quotes such as '09:30'.")
        return None

    def _timezone(self, raw: Any, line: int, what: str) -> str | None:
        try:
            if isinstance(raw, str) and "/" in raw:
                ZoneInfo(raw)
                return str(raw)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        self.problem(
            line, f"The {what} '{raw}' is not an IANA time zone such as Europe/Bratislava."
        )
        return None

    def _ref(self, collection: str, raw: Any, line: int, what: str) -> str | None:
        if not isinstance(raw, str) or not ID_RE.match(raw):
            self.problem(line, f"The {what} '{raw}' is not a record id.")
            return None
        self.refs.append((collection, line, str(raw), what))
        return str(raw)

    def _langs(self) -> str:
        return ", ".join(self.languages)
