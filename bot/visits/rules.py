"""Visit rules: roles and statuses, the named exceptions, and validators for what people type."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.encodable import encodable

# What a person answers when registering, in the order the conversation asks it.
ANSWER_FIELDS = (
    "full_name",
    "organisation",
    "city",
    "role",
    "arrival",
    "departure",
    "dietary",
    "accessibility",
    "email",
)


class Role(StrEnum):
    """Why a person comes on a visit."""

    DELEGATE = "delegate"
    EXPERT = "expert"
    INTERPRETER = "interpreter"
    PRESS = "press"
    OTHER = "other"


class VisitStatus(StrEnum):
    """Where a visit is in its life: only open visits take registrations."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PAST = "past"
    CANCELLED = "cancelled"  # called off by the coordinators: registrations released


class RegistrationStatus(StrEnum):
    """Where a registration stands; confirmed and offered ones hold a place."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    EXPIRED = "expired"


# A person has at most one of these per visit (a partial unique index enforces it).
ACTIVE_STATUSES = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)
# These count in visits.held.
HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)

NAME_MAX = 200
NEEDS_MAX = 500
EMAIL_MAX = 254
MAX_CAPACITY = 10_000
# IUC study visits and business meetings last days, two weeks at most: a visit of more than
# two months is a mistyped date (a wrong month or year), not a plan.
MAX_VISIT_DAYS = 60
# Delegates may arrive the day before a visit and leave the day after (STAY_WINDOW_DAYS).
STAY_WINDOW_DAYS = 1
# Visits are planned months, at most a few years ahead; a start further away is a mistyped
# year (the review's I-6 created one in 2099).
MAX_YEARS_AHEAD = 5

# Whole answers that mean "nothing to declare" in the languages we serve.
NO_ANSWERS = frozenset(
    (
        *("", "-", "–", "—", "no", "none", "n/a", "na"),
        *("nie", "ziadne", "žiadne", "nic", "nič", "nemam", "nemám"),
        *("いいえ", "なし", "無し", "ない", "特になし"),
    )
)


class VisitError(Exception):
    """Base of the domain's refusals; `reason` is machine-readable, the handler translates it."""

    default_reason = "invalid"

    def __init__(self, reason: str | None = None, *, limit: int | None = None, **details: Any):
        self.reason = reason or self.default_reason
        self.limit = limit
        self.details = details
        shown = ", ".join(f"{k}={v!r}" for k, v in details.items())
        extra = f" (limit {limit})" if limit is not None else ""
        super().__init__(f"{self.reason}{extra}{': ' + shown if shown else ''}")


class VisitNotFound(VisitError):
    """No visit has this id."""

    default_reason = "not_found"


class InvalidVisit(VisitError):
    """A coordinator's visit fields break a rule (reason names the field or the rule)."""


class VisitNotOpen(VisitError):
    """The visit takes no registrations; reason is its status (draft, closed, past)."""


class VisitStarted(VisitError):
    """The visit has begun (in the host city): its registrations can no longer be withdrawn."""

    default_reason = "started"


class DeadlinePassed(VisitError):
    """The registration deadline (in the host city's time zone) has passed."""

    default_reason = "deadline_passed"


class AlreadyRegistered(VisitError):
    """The person already has an active registration for this visit."""

    default_reason = "already_registered"


class RoleNotAllowed(VisitError):
    """The role is unknown, or not among the visit's roles (details: allowed)."""

    default_reason = "role_not_allowed"


class DatesOutsideVisit(VisitError):
    """Arrival or departure lies outside the stay window (details: start, end, first, last)."""


class DepartureBeforeArrival(VisitError):
    """Departure is earlier than arrival."""

    default_reason = "departure_before_arrival"


class InvalidEmail(VisitError):
    """The e-mail address is malformed or too long."""

    default_reason = "malformed"


class InvalidText(VisitError):
    """A text answer is empty, too long, or holds control characters."""


class RegistrationNotFound(VisitError):
    """No registration with this id belongs to this person."""

    default_reason = "not_found"


class RegistrationNotActive(VisitError):
    """The registration was withdrawn, declined or expired; reason is its status."""


class NotOffered(VisitError):
    """Accept or decline on a registration that holds no offer; reason is its status."""


class OfferExpired(VisitError):
    """The offer's deadline has passed."""

    default_reason = "offer_expired"


class HasDates(Protocol):
    """Anything with a first and a last day, such as a Visit."""

    start_date: date
    end_date: date


# Bidirectional overrides can disguise a name's text (a known spoofing trick); ZWJ and
# variation selectors stay allowed, emoji need them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str, *, max_len: int = NAME_MAX) -> str:
    """Strip and collapse whitespace; refuse empty, control characters and over max_len."""
    text = unicodedata.normalize("NFC", value)
    for ch in text:
        if ch.isspace():
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            raise InvalidText("control_characters")
    text = " ".join(text.split())
    # Zero-width characters alone (U+200B, U+FEFF...) are no answer either; emoji keep theirs.
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text):
        raise InvalidText("empty")
    if len(text) > max_len:
        raise InvalidText("too_long", limit=max_len)
    return text


def is_no_answer(value: str | None) -> bool:
    """True when the whole answer means "none" ("-", "no", "nie", "いいえ", empty...)."""
    if value is None:
        return True
    folded = " ".join(unicodedata.normalize("NFKC", value).split()).casefold().rstrip(".!。")
    return folded in NO_ANSWERS


def clean_optional_text(value: str | None, *, max_len: int = NEEDS_MAX) -> str | None:
    """Like clean_text, but "none" answers ("-", "no", "nie", "なし", empty) become None."""
    if is_no_answer(value):
        return None
    assert value is not None
    return clean_text(value, max_len=max_len)


_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def clean_email(value: str | None) -> str | None:
    """Return a sane address (domain lower-cased), None for "no" answers; else InvalidEmail."""
    if is_no_answer(value):
        return None
    assert value is not None
    if encodable(value) != value:  # a lone surrogate: no address has one, and none can be sent
        raise InvalidEmail("malformed")
    # NFKC turns a Japanese keyboard's full-width ＠ and letters into ASCII.
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text.encode()) > EMAIL_MAX:
        raise InvalidEmail("too_long", limit=EMAIL_MAX)
    local, at, domain = text.rpartition("@")
    if not at or len(local) > 64 or not _LOCAL.fullmatch(local):
        raise InvalidEmail("malformed")
    domain = domain.lower().rstrip(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidEmail("malformed") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidEmail("malformed")
    if labels[-1].isdigit():
        raise InvalidEmail("malformed")
    return f"{local}@{domain}"


def stay_window(visit: HasDates, window: int = STAY_WINDOW_DAYS) -> tuple[date, date]:
    """The first day one may arrive and the last one may leave: `window` days either side."""
    return visit.start_date - timedelta(days=window), visit.end_date + timedelta(days=window)


def check_stay(
    visit: HasDates, arrival: date, departure: date, window: int = STAY_WINDOW_DAYS
) -> None:
    """Refuse a stay outside the window around the visit, or one that ends before it starts.

    The window is checked first: an arrival after the visit is "outside the dates", not
    "before the arrival" (which a departure kept from before would otherwise say).
    """
    first, last = stay_window(visit, window)
    span = {"start": visit.start_date, "end": visit.end_date, "first": first, "last": last}
    if not first <= arrival <= last:
        raise DatesOutsideVisit("arrival_outside", **span)
    if not first <= departure <= last:
        raise DatesOutsideVisit("departure_outside", **span)
    if departure < arrival:
        raise DepartureBeforeArrival()


def check_role(role: str, allowed: Iterable[str]) -> Role:
    """Return the Role, or RoleNotAllowed when unknown or not among the visit's roles."""
    allowed = [str(r) for r in allowed]
    try:
        parsed = Role(role)
    except ValueError:
        raise RoleNotAllowed("unknown_role", allowed=allowed) from None
    if parsed.value not in allowed:
        raise RoleNotAllowed(allowed=allowed)
    return parsed


def clean_lang(lang: str) -> str:
    """Return a short language tag such as "sk"; InvalidText when it is not one."""
    tag = (lang or "").strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,4})?", tag):
        raise InvalidText("lang")
    return tag


_CITY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def latest_start(today: date) -> date:
    """The last day a visit planned today may start on: MAX_YEARS_AHEAD years from today."""
    year = today.year + MAX_YEARS_AHEAD
    if (today.month, today.day) == (2, 29):
        return today.replace(year=year, day=28)  # no 29 February that year: near enough
    return today.replace(year=year)


def clean_visit(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a visit's fields (all of them, as they will be stored); InvalidVisit names one."""
    titles = fields["titles"]
    if not isinstance(titles, Mapping) or not titles:
        raise InvalidVisit("titles")
    clean_titles: dict[str, str] = {}
    for lang, title in titles.items():
        try:
            clean_titles[clean_lang(lang)] = clean_text(title, max_len=NAME_MAX)
        except (InvalidText, TypeError, AttributeError):
            raise InvalidVisit("titles", lang=lang) from None
    host_city = str(fields["host_city"]).strip().lower()
    if not _CITY_ID.fullmatch(host_city):
        raise InvalidVisit("host_city")
    try:
        venue = clean_text(fields["venue"], max_len=NAME_MAX)
    except InvalidText as exc:
        raise InvalidVisit("venue", problem=exc.reason) from None
    timezone = str(fields["timezone"]).strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidVisit("timezone") from None
    start, end = fields["start_date"], fields["end_date"]
    if not isinstance(start, date) or not isinstance(end, date):
        raise InvalidVisit("dates")
    if end < start:
        raise InvalidVisit("end_before_start")
    if (end - start).days + 1 > MAX_VISIT_DAYS:
        raise InvalidVisit("too_long", limit=MAX_VISIT_DAYS)
    capacity = fields["capacity"]
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise InvalidVisit("capacity")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidVisit("capacity", limit=MAX_CAPACITY)
    deadline = fields.get("registration_deadline")
    # Registering closes at the latest on the first day: a deadline later than that would
    # promise a place in a visit already under way (and /myvisits would call it "past").
    if deadline is not None and (not isinstance(deadline, date) or deadline > start):
        raise InvalidVisit("deadline_after_start")
    roles = list(dict.fromkeys(str(r) for r in fields["roles"]))
    if not roles or not set(roles) <= {r.value for r in Role}:
        raise InvalidVisit("roles")
    return {
        "titles": clean_titles,
        "host_city": host_city,
        "venue": venue,
        "timezone": timezone,
        "start_date": start,
        "end_date": end,
        "capacity": capacity,
        "registration_deadline": deadline,
        "roles": [Role(r).value for r in Role if r.value in roles],
    }
