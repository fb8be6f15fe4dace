"""Load `knowledge/` into a validated `KnowledgeBase`, or report every problem with its line."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from bot.kb.meta import read_lexicon, read_meta
from bot.kb.model import Fact, KnowledgeBase, Participant, Record, Source
from bot.kb.schema import (
    COLLECTIONS,
    COMMAND_RE,
    COMMON,
    FACT_ID_RE,
    FACT_KEYS,
    LIVE_VALUES,
    PARTIAL_LANGUAGES,
    UNSOURCED,
    Checker,
    Spec,
)
from bot.kb.yamlsrc import Node, Problem, Seq, line_of, load_yaml

DEFAULT_LANGUAGES = ("en", "sk", "ja")
SPECIAL_FILES = ("meta.yaml", "lexicon.yaml")
# Placeholders computed from a record rather than read from one of its fields.
DERIVED = {"name", "period", "contact", "participants"}


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_knowledge(
    directory: Path, languages: tuple[str, ...] = DEFAULT_LANGUAGES
) -> KnowledgeBase:
    """Read and validate every YAML file of the directory; raise KnowledgeError on any problem."""
    problems: list[Problem] = []
    if not directory.is_dir():
        raise KnowledgeError(
            [Problem(str(directory), 0, "The knowledge directory does not exist.")]
        )
    meta = read_meta(directory, languages, problems)
    lexicon, stopwords = read_lexicon(directory, languages, problems)
    records: dict[str, Record] = {}
    where: dict[str, str] = {}
    checkers: list[Checker] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name in SPECIAL_FILES:
            continue
        checker = Checker(path.name, languages, problems)
        checkers.append(checker)
        data = load_yaml(path, path.name, problems)
        if data is None:
            continue
        if not isinstance(data, Node):
            checker.problem(1, "The file must be a mapping from collection names to record lists.")
            continue
        for collection, items in data.items():
            line = line_of(data, collection)
            if collection not in COLLECTIONS:
                known = ", ".join(sorted(COLLECTIONS))
                checker.problem(line, f"Unknown collection '{collection}' (known: {known}).")
            elif not isinstance(items, Seq):
                checker.problem(line, f"The collection '{collection}' must be a list of records.")
            else:
                for i, raw in enumerate(items):
                    record = _record(checker, collection, raw, line_of(items, i), meta)
                    if record is None:
                        continue
                    if record.id in records:
                        checker.problem(
                            line_of(items, i),
                            f"The id '{record.id}' is already used in {where[record.id]}.",
                        )
                    else:
                        records[record.id] = record
                        where[record.id] = f"{path.name}:{line_of(items, i)}"
                        checker.record_ids.append(record.id)
    for checker in checkers:
        _check_refs(checker, records)
    contact = meta.get("contact")
    if contact and contact not in records:
        problems.append(Problem("meta.yaml", 1, f"The contact '{contact}' is not a record id."))
    facts = {f.id: f for r in records.values() for f in r.facts}
    for example, line in meta.get("examples", []):
        if example not in facts:
            problems.append(
                Problem("meta.yaml", line, f"The example '{example}' is not a fact id.")
            )
    if not problems:
        for checker in checkers:
            _check_placeholders(checker, records)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        directory=directory,
        languages=languages,
        records=records,
        facts=facts,
        contact=str(contact),
        examples=tuple(e for e, _ in meta.get("examples", [])),
        lexicon=lexicon,
        stopwords=stopwords,
    )


def _record(
    checker: Checker, collection: str, raw: Any, line: int, meta: dict[str, Any]
) -> Record | None:
    if not isinstance(raw, Node):
        checker.problem(line, f"Each item of '{collection}' must be a mapping (a record).")
        return None
    specs: dict[str, Spec] = {**COMMON, **COLLECTIONS[collection]}
    if collection in UNSOURCED:  # the bot itself: the source says nothing about it
        specs["source"] = Spec("source", required=False)
    values: dict[str, Any] = {}
    for key in raw:
        if key not in specs:
            checker.problem(
                line_of(raw, key), f"Unknown key '{key}' in a record of '{collection}'."
            )
    for key, spec in specs.items():
        if key not in raw:
            if spec.required:
                checker.problem(line, f"The record lacks the required key '{key}'.")
            continue
        where = line_of(raw, key)
        if spec.kind == "source":
            values[key] = _source(checker, raw[key], where, meta)
        elif spec.kind == "facts":
            values[key] = raw[key]
        elif spec.kind == "participants":
            values[key] = _participants(checker, raw[key], where)
        else:
            values[key] = checker.value(spec.kind, raw[key], where, key)
    record_id, source = values.get("id"), values.get("source")
    sourced = "source" in raw or collection not in UNSOURCED
    if record_id is None or (sourced and source is None) or values.get("name") is None:
        return None
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        checker.problem(line_of(raw, "end"), f"The end date {end} is before the start {start}.")
    facts = _facts(
        checker,
        record_id,
        raw.get("facts"),
        line_of(raw, "facts"),
        source,
        meta,
        partial=collection in PARTIAL_LANGUAGES,
    )
    fields = {k: v for k, v in values.items() if k not in COMMON and v is not None}
    if "about" in values and values["about"] is not None:
        fields["about"] = values["about"]
    return Record(
        id=record_id,
        collection=collection,
        name=values["name"],
        aliases=values.get("aliases") or {},
        source=source,
        fields=fields,
        facts=facts,
    )


def _source(checker: Checker, raw: Any, line: int, meta: dict[str, Any]) -> Source | None:
    if not isinstance(raw, Node) or set(raw) != {"doc", "quote"}:
        checker.problem(line, "The source must be a mapping with exactly 'doc' and 'quote'.")
        return None
    doc, quote = str(raw["doc"]), " ".join(str(raw["quote"]).split())
    texts: dict[str, str] = meta["texts"]
    if doc not in texts:
        checker.problem(
            line_of(raw, "doc"), f"The source document '{doc}' is not in meta.sources."
        )
        return None
    if not quote or quote not in texts[doc]:
        checker.problem(
            line_of(raw, "quote"), f"The quote is not found word for word in the source '{doc}'."
        )
        return None
    return Source(doc, quote)


def _participants(checker: Checker, raw: Any, line: int) -> tuple[Participant, ...] | None:
    if not isinstance(raw, Seq):
        checker.problem(line, "The participants must be a list.")
        return None
    result = []
    for i, item in enumerate(raw):
        where = line_of(raw, i)
        if isinstance(item, Node) and set(item) == {"person"}:
            pid = checker.value("ref:people", item["person"], where, "participant")
            result.append(Participant(person=pid))
        elif isinstance(item, Node) and set(item) == {"organisation", "count"}:
            oid = checker.value("ref:organisations", item["organisation"], where, "participant")
            count = item["count"]
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                checker.problem(where, "A participant count must be a whole number above 0.")
                continue
            result.append(Participant(organisation=oid, count=count))
        else:
            checker.problem(
                where, "A participant must be {person: id} or {organisation: id, count: N}."
            )
    return tuple(result)


def _facts(
    checker: Checker,
    record_id: str,
    raw: Any,
    line: int,
    default_source: Source | None,
    meta: dict[str, Any],
    *,
    partial: bool = False,
) -> tuple[Fact, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Seq):
        checker.problem(line, "The facts must be a list.")
        return ()
    facts: list[Fact] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = line_of(raw, i)
        if not isinstance(item, Node):
            checker.problem(where, "Each fact must be a mapping with id, text and questions.")
            continue
        for key in item:
            if key not in FACT_KEYS:
                checker.problem(line_of(item, key), f"Unknown key '{key}' in a fact.")
        for key in ("id", "text", "questions"):
            if key not in item:
                checker.problem(where, f"The fact lacks the required key '{key}'.")
        fact_id = checker.id(item.get("id"), line_of(item, "id"), "fact id", FACT_ID_RE)
        some = "some_" if partial else ""  # a coordinator's answer may lack languages
        text = checker.value(some + "localized", item.get("text"), line_of(item, "text"), "text")
        questions = checker.value(
            some + "localized_lists",
            item.get("questions"),
            line_of(item, "questions"),
            "questions",
        )
        source = default_source
        if "source" in item:
            source = _source(checker, item["source"], line_of(item, "source"), meta) or source
        live = None
        if "live" in item:
            live = checker.value(
                "enum:" + "|".join(LIVE_VALUES), item["live"], line_of(item, "live"), "live"
            )
            if live is None:
                continue
        unrecorded = False
        if "unrecorded" in item:
            unrecorded = checker.value(
                "bool", item["unrecorded"], line_of(item, "unrecorded"), "unrecorded"
            )
            if unrecorded is None:
                continue
        command = None
        if "command" in item:
            command = item["command"]
            if not isinstance(command, str) or not COMMAND_RE.fullmatch(command):
                checker.problem(
                    line_of(item, "command"),
                    "The command must be a command's name without the slash, such as myvisits.",
                )
                continue
        if fact_id is None or text is None or questions is None:
            continue
        if fact_id in seen:
            checker.problem(where, f"The fact id '{fact_id}' appears twice in '{record_id}'.")
            continue
        seen.add(fact_id)
        facts.append(
            Fact(
                f"{record_id}.{fact_id}",
                record_id,
                text,
                questions,
                source,
                live,
                unrecorded,
                command,
            )
        )
    return tuple(facts)


def _check_refs(checker: Checker, records: dict[str, Record]) -> None:
    for collection, line, target, what in checker.refs:
        record = records.get(target)
        if record is None:
            checker.problem(line, f"The {what} refers to '{target}', which is not a record id.")
        elif collection != "*" and record.collection != collection:
            checker.problem(
                line,
                f"The {what} '{target}' is a record of '{record.collection}', "
                f"not of '{collection}'.",
            )


def _check_placeholders(checker: Checker, records: dict[str, Record]) -> None:
    formatter = string.Formatter()
    for record_id in checker.record_ids:
        record = records[record_id]
        for fact in record.facts:
            for lang, template in fact.text.items():
                try:
                    fields = [
                        (f, spec) for _, f, spec, _ in formatter.parse(template) if f is not None
                    ]
                except ValueError:
                    checker.problem(
                        getattr(template, "line", 1),
                        f"The text of '{fact.id}' ({lang}) has an unbalanced '{{' or '}}'.",
                    )
                    continue
                for name, spec in fields:
                    owner, field = record, name
                    if "." in name:
                        target, field = name.split(".", 1)
                        owner = records.get(target)
                    if owner is None or not _has_placeholder(owner, field, spec or ""):
                        checker.problem(
                            getattr(template, "line", 1),
                            f"The text of '{fact.id}' ({lang}) uses {{{name}}}, "
                            "which that record cannot fill.",
                        )


def _has_placeholder(record: Record, field: str, spec: str) -> bool:
    if spec not in ("", "relative"):
        return False
    if spec == "relative":
        return (
            field in ("signed", "start", "end", "valid_until_at_least") and field in record.fields
        )
    if field in DERIVED:
        if field == "period":
            return "start" in record.fields
        if field == "contact":
            return record.collection in ("organisations", "people")
        if field == "participants":
            return "participants" in record.fields
        return True
    return field in record.fields
