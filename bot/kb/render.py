"""Render a fact's answer in one language from the structured data it refers to."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

from bot.i18n import Translator
from bot.kb.model import Fact, KnowledgeBase, Participant, Record


class _FactFormatter(string.Formatter):
    """Fills {field}, {other-record.field} and {date:relative} from the knowledge base."""

    def __init__(self, kb: KnowledgeBase, record: Record, t: Translator, today: date) -> None:
        self.kb, self.record, self.t, self.today = kb, record, t, today

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        record, name = self.record, field_name
        if "." in field_name:
            target, name = field_name.split(".", 1)
            record = self.kb.records[target]
        return (record, name), field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        record, name = value
        return field_text(
            self.kb, record, name, self.t, self.today, relative=format_spec == "relative"
        )


def field_text(
    kb: KnowledgeBase,
    record: Record,
    name: str,
    t: Translator,
    today: date,
    *,
    relative: bool = False,
) -> str:
    """One field of a record as text in the translator's language."""
    if name == "name":
        return record.name[t.lang]
    if name == "period":
        return t.period(record.fields["start"], record.fields.get("end"))
    if name == "contact":
        email = record.fields.get("email")
        # Translators: follows "E-mail:" in a contact answer
        # when no address is recorded.
        return email or t.gettext("none recorded")
    if name == "participants":
        return t.join([participant_text(kb, p, t) for p in record.fields["participants"]])
    value = record.fields[name]
    if isinstance(value, date):
        return t.relative(value, today) if relative else t.date(value)
    if isinstance(value, dict):
        return value[t.lang]
    if isinstance(value, str) and value in kb.records:
        return kb.records[value].name[t.lang]
    if isinstance(value, tuple):
        return t.join([kb.records[v].name[t.lang] if v in kb.records else str(v) for v in value])
    if isinstance(value, int):
        return t.number(value)
    return str(value)


def participant_text(kb: KnowledgeBase, participant: Participant, t: Translator) -> str:
    """A person's name, or "3 representatives of the City of Tokorozawa"."""
    if participant.person:
        return kb.records[participant.person].name[t.lang]
    count = participant.count or 0
    organisation = kb.records[participant.organisation or ""].name[t.lang]
    # Translators: one item of a list of who attended: the people came,
    # not the organisation (sk "3 zástupcovia za mesto Tokorozawa").
    return t.ngettext(
        "{count} representative of the {organisation}",
        "{count} representatives of the {organisation}",
        count,
    ).format(count=t.number(count), organisation=organisation)


def render_fact(kb: KnowledgeBase, fact: Fact, t: Translator, today: date) -> str:
    """The fact's answer text in the translator's language (plain text, not escaped)."""
    record = kb.records[fact.record]
    # A fact a coordinator added in the bot may lack languages: English, else the first given.
    template = fact.text.get(t.lang) or fact.text.get("en") or next(iter(fact.text.values()))
    return _FactFormatter(kb, record, t, today).format(template)


def question_text(fact: Fact, lang: str) -> str:
    """The fact's first alternate question in a language, to offer it as a suggestion."""
    questions = fact.questions.get(lang) or fact.questions.get("en") or ()
    return questions[0] if questions else fact.id
