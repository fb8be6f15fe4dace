"""Additions made in the bot (alternate phrasings, new facts) laid over the files' knowledge.

Pure data: the database rows are turned into `Addition`s by bot/review/changes.py, so the
knowledge base stays independent of where the additions are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.kb.model import Fact, KnowledgeBase, Record

# The record that new facts typed by coordinators belong to (knowledge/reviewed.yaml). Its
# name is matched as a whole phrase only, so questions will hardly ever name it.
REVIEWED_COLLECTION = "reviewed"
REVIEWED_RECORD = "coordinator-answers"
REVIEWED_NAME = {
    "en": "answers written by the programme coordinators",
    "sk": "odpovede, ktoré napísali koordinátori programu",
    "ja": "プログラムのコーディネーターが書いた回答",
}


@dataclass(frozen=True)
class Addition:
    """One addition: an alternate question of an existing fact, or a new fact."""

    kind: str  # "alternate" or "fact"
    entry: str  # the fact's id ("record.fact")
    lang: str  # the question's language
    question: str
    texts: Mapping[str, str] | None = None  # a new fact's answer per language (some may lack)


def new_fact_id(number: int) -> str:
    """The entry id of the new fact made from hand-off number `number`."""
    return f"{REVIEWED_RECORD}.h{number}"


def with_additions(kb: KnowledgeBase, additions: Iterable[Addition]) -> KnowledgeBase:
    """A knowledge base with the additions applied (kb itself is not changed).

    An alternate of a fact that no longer exists (the files were changed and reloaded) or that
    the fact has already (pulled into the files) is skipped; so is a new fact whose id the
    files hold already (pulled).
    """
    facts = dict(kb.facts)
    records = dict(kb.records)
    for addition in additions:
        fact = facts.get(addition.entry)
        if addition.kind == "alternate":
            if fact is None:
                continue
            have = fact.questions.get(addition.lang, ())
            if addition.question in have:
                continue
            questions = {**fact.questions, addition.lang: (*have, addition.question)}
            facts[fact.id] = replace(fact, questions=questions)
        elif addition.kind == "fact" and fact is None and addition.texts:
            record_id = addition.entry.split(".", 1)[0]
            if record_id not in records:
                records[record_id] = _reviewed_record(record_id)
            facts[addition.entry] = Fact(
                id=addition.entry,
                record=record_id,
                text=dict(addition.texts),
                questions={addition.lang: (addition.question,)},
                source=None,
            )
    if facts == kb.facts:
        return kb
    # A record lists its facts too (the answerer finds "facts about" a record through them).
    by_record: dict[str, list[Fact]] = {}
    for fact in facts.values():
        by_record.setdefault(fact.record, []).append(fact)
    records = {
        rid: replace(record, facts=tuple(by_record.get(rid, ())))
        for rid, record in records.items()
    }
    return replace(kb, records=records, facts=facts)


def _reviewed_record(record_id: str) -> Record:
    return Record(
        id=record_id,
        collection=REVIEWED_COLLECTION,
        name=dict(REVIEWED_NAME),
        aliases={},
        source=None,
        fields={},
    )
