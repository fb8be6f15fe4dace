"""The knowledge base's people and organisations as a contact book: found by any fragment of a
name in any script, and shown with exactly what is recorded about how to reach them.

The seed names units and people but gives no address (its e-mails are redacted), so most
cards say plainly that nothing is recorded: a staff member should learn that at once rather
than read an empty "E-mail:" line.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.i18n import Translator
from bot.kb.model import KnowledgeBase, Record
from bot.lookups.fuzzy import FuzzyIndex

COLLECTIONS = ("organisations", "people")
MAX_FOUND = 5  # cards in one reply; more would bury the one wanted


@dataclass(frozen=True)
class Reach:
    """How a contact can be reached, as far as the knowledge base records it."""

    email: str | None = None
    phone: str | None = None
    url: str | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing at all is recorded."""
        return not (self.email or self.phone or self.url)


class ContactBook:
    """People and organisations of one knowledge base, numbered for buttons and indexed."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        # Organisations first (that is whom people usually look for), then people; file order.
        self.records: tuple[Record, ...] = tuple(
            r for c in COLLECTIONS for r in kb.records.values() if r.collection == c
        )
        self._index = FuzzyIndex()
        for number, record in enumerate(self.records):
            names = [*record.name.values(), *(a for al in record.aliases.values() for a in al)]
            descriptions = [
                *_localized(record.fields.get("duties")),
                *_localized(record.fields.get("role")),
            ]
            self._index.add(number, names, descriptions)

    def find(self, query: str, limit: int = MAX_FOUND) -> list[Record]:
        """The contacts a name, fragment or department fits, best first."""
        return [self.records[int(h.key)] for h in self._index.search(query, limit)]  # type: ignore[call-overload]

    def number(self, record: Record) -> int:
        """The record's number in the book (what a button carries)."""
        return self.records.index(record)

    def get(self, number: int) -> Record | None:
        """The record of a button's number, or None when it is not (or no longer) in the book."""
        return self.records[number] if 0 <= number < len(self.records) else None


def _localized(value: object) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else []


def reach(record: Record) -> Reach:
    """What the record holds about how to reach it."""
    fields = record.fields
    return Reach(fields.get("email"), fields.get("phone"), fields.get("url"))


def _name(kb: KnowledgeBase, record_id: object, lang: str) -> str | None:
    record = kb.records.get(str(record_id)) if record_id else None
    return record.name.get(lang) if record is not None else None


def card_html(t: Translator, kb: KnowledgeBase, record: Record) -> str:
    """One contact as HTML (every knowledge text escaped): who, what, where, how to reach."""
    lang = t.lang
    fields = record.fields
    lines = [f"<b>{escape(record.name[lang], quote=False)}</b>"]
    for value in (fields.get("role"), fields.get("duties")):
        if isinstance(value, dict) and value.get(lang):
            lines.append(escape(value[lang], quote=False))
    if parent := _name(kb, fields.get("part_of"), lang):
        lines.append(
            escape(t.gettext("Part of: {organisation}"), quote=False).format(
                organisation=escape(parent, quote=False)
            )
        )
    organisations = [n for o in fields.get("organisations") or () if (n := _name(kb, o, lang))]
    if organisations:
        lines.append(
            escape(t.gettext("Organisation: {organisations}"), quote=False).format(
                organisations=escape(t.join(organisations), quote=False)
            )
        )
    if place := _name(kb, fields.get("place"), lang):
        lines.append(
            escape(t.gettext("City: {city}"), quote=False).format(city=escape(place, quote=False))
        )
    lines.extend(reach_lines(t, reach(record)))
    return "\n".join(lines)


def reach_lines(t: Translator, found: Reach) -> list[str]:
    """The recorded ways to reach a contact, one a line, or one line saying none is recorded."""
    if found.empty:
        return [escape(t.gettext("No e-mail, phone number or website is recorded."), quote=False)]
    lines = []
    for label, value in (
        (t.pgettext("field", "E-mail"), found.email),
        (t.pgettext("contact", "Phone"), found.phone),
        (t.pgettext("contact", "Website"), found.url),
    ):
        if value:
            lines.append(f"{escape(label, quote=False)}: {escape(value, quote=False)}")
    return lines


def summary(t: Translator, kb: KnowledgeBase, record: Record) -> str:
    """One line about a contact in plain text (an inline result's description)."""
    fields = record.fields
    parts = []
    for value in (fields.get("role"), fields.get("duties")):
        if isinstance(value, dict):
            parts.append(value[t.lang])
            break
    else:
        if parent := _name(kb, fields.get("part_of"), t.lang):
            parts.append(parent)
    found = reach(record)
    if found.empty:
        parts.append(t.gettext("No e-mail, phone number or website is recorded."))
    else:
        parts.extend(v for v in (found.email, found.phone, found.url) if v)
    return " · ".join(parts)


_last_book: ContactBook | None = None


def contact_book(kb: KnowledgeBase) -> ContactBook:
    """The contact book of this knowledge base, built once (again after a reload)."""
    global _last_book
    if _last_book is None or _last_book.kb is not kb:
        _last_book = ContactBook(kb)
    return _last_book
