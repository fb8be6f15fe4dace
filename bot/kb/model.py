"""The knowledge base as typed, immutable data: records that reference each other, and facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a document of `meta.sources` and words quoted from it."""

    doc: str
    quote: str


@dataclass(frozen=True)
class Participant:
    """Who took part in an event: a known person, or a number of an organisation's people."""

    person: str | None = None
    organisation: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class Fact:
    """One answerable thing: its answer template and alternate questions per language."""

    id: str  # "<record id>.<fact id>", the entry id the matcher returns
    record: str
    text: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]
    source: Source | None  # None only for the bot's own records (collection `assistant`)
    # What to answer from the database instead of `text` when one is at hand ("open_visits":
    # the visits open for registration); `text` is then the answer without a database.
    live: str | None = None
    # The fact tells that the source does not record what its questions ask ("the names of the
    # four are not recorded; …"): its text is the reply, but the question counts as not
    # answered (`Answer.outcome` "unrecorded"), and a person may be asked instead.
    unrecorded: bool = False
    # The bot's command the fact tells how to use ("myvisits"): where the fact is only offered
    # as a suggestion and cannot be tapped (`iuc-bot ask`), the command is shown beside it.
    command: str | None = None


@dataclass(frozen=True)
class Record:
    """A programme, place, organisation, person, partnership, agreement, event, FAQ topic, or
    something about the bot itself (collection `assistant`)."""

    id: str
    collection: str
    name: Mapping[str, str]
    aliases: Mapping[str, tuple[str, ...]]
    source: Source | None  # None only for the bot's own records (collection `assistant`)
    fields: Mapping[str, Any]
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated; build it with `bot.kb.loader.load_knowledge`."""

    directory: Path
    languages: tuple[str, ...]
    records: Mapping[str, Record]
    facts: Mapping[str, Fact]
    contact: str  # record id of whom to ask when the bot does not know
    examples: tuple[str, ...] = ()  # fact ids whose questions /help shows
    lexicon: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    stopwords: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def record_of(self, fact: Fact) -> Record:
        """The record a fact belongs to."""
        return self.records[fact.record]
