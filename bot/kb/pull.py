"""Write knowledge added in the bot into the knowledge/ YAML files, keeping their comments and
order: the files are edited as text, at the lines the YAML parser reports (PyYAML's dump would
drop every comment and re-flow every line), and the result must pass `load_knowledge`.

Alternates go under their fact's questions in its language; new facts are appended to the
coordinators' record in reviewed.yaml (created on first use).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.kb.loader import SPECIAL_FILES, KnowledgeError, load_knowledge
from bot.kb.overlay import REVIEWED_COLLECTION, REVIEWED_NAME, REVIEWED_RECORD, Addition
from bot.kb.yamlsrc import Node, Problem, Seq, line_of, load_yaml

REVIEWED_FILE = "reviewed.yaml"
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#\n]*")


@dataclass
class Pulled:
    """What a pull wrote (indices into the additions given) and what it could not place."""

    written: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (index, why)
    files: set[str] = field(default_factory=set)


def pull(directory: Path, additions: Sequence[Addition]) -> Pulled:
    """Write the additions into the files of `directory`; raise KnowledgeError (and leave every
    file as it was) when the result does not validate."""
    originals: dict[Path, str | None] = {}
    result = Pulled()

    def edit(path: Path) -> list[str]:
        if path not in originals:
            originals[path] = path.read_text(encoding="utf-8") if path.exists() else None
        return (path.read_text(encoding="utf-8") if path.exists() else "").splitlines(True)

    try:
        # New facts first: an alternate may be of a fact that is being pulled now.
        order = sorted(range(len(additions)), key=lambda i: additions[i].kind != "fact")
        for i in order:
            addition = additions[i]
            if addition.kind == "fact":
                path = directory / REVIEWED_FILE
                lines = edit(path) or _reviewed_header()
                if _has_fact(path, addition.entry):
                    result.skipped.append((i, "the fact is in the files already"))
                    continue
                lines.extend(_fact_lines(addition))
            else:
                found = _find_fact(directory, addition.entry)
                if found is None:
                    result.skipped.append((i, "no such fact in the files"))
                    continue
                path, fact = found
                lines = edit(path)
                if addition.question in fact.get("questions", {}).get(addition.lang, ()):
                    result.written.append(i)  # there already: nothing to write
                    continue
                _insert_alternate(lines, fact, addition)
            path.write_text("".join(lines), encoding="utf-8")
            result.written.append(i)
            result.files.add(path.name)
        load_knowledge(directory)
    except BaseException:
        for path, text in originals.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        raise
    return result


def scalar(text: str) -> str:
    """The text as a YAML scalar: plain when that reads back the same, else double-quoted."""
    text = " ".join(text.split())
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)  # JSON strings are YAML double-quoted ones


def _reviewed_header() -> list[str]:
    names = "".join(f"      {lang}: {scalar(name)}\n" for lang, name in REVIEWED_NAME.items())
    return [
        "# Answers the programme coordinators wrote in the bot (/review, New fact), written\n",
        "# here by `iuc-bot kb pull-reviewed`. A coordinator is their source: check them\n",
        "# before committing. A language left out of a text is answered in English, else in\n",
        "# the first language given. New facts are appended at the end: keep this record last.\n",
        f"{REVIEWED_COLLECTION}:\n",
        f"  - id: {REVIEWED_RECORD}\n",
        "    name:\n",
        names,
        "    facts:\n",
    ]


def _fact_lines(addition: Addition) -> list[str]:
    fact_id = addition.entry.split(".", 1)[1]
    lines = [f"      - id: {fact_id}\n", "        text:\n"]
    texts = addition.texts or {}
    lines += [f"          {lang}: {scalar(text)}\n" for lang, text in texts.items()]
    lines += ["        questions:\n", f"          {addition.lang}:\n"]
    lines.append(f"            - {scalar(addition.question)}\n")
    return lines


def _records(directory: Path) -> list[tuple[Path, Node]]:
    found = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name in SPECIAL_FILES:
            continue
        problems: list[Problem] = []
        data = load_yaml(path, path.name, problems)
        if problems:
            raise KnowledgeError(problems)
        for items in (data or {}).values():
            found.extend((path, item) for item in items or () if isinstance(item, Node))
    return found


def _find_fact(directory: Path, entry: str) -> tuple[Path, Node] | None:
    record_id, _, fact_id = entry.partition(".")
    for path, record in _records(directory):
        if record.get("id") == record_id:
            for fact in record.get("facts") or ():
                if isinstance(fact, Node) and fact.get("id") == fact_id:
                    return path, fact
    return None


def _has_fact(path: Path, entry: str) -> bool:
    return path.exists() and _find_fact(path.parent, entry) is not None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _insert_alternate(lines: list[str], fact: Node, addition: Addition) -> None:
    """One line more under the fact's questions in the addition's language (a new language
    key after the last one when the fact has none in it yet)."""
    questions = fact["questions"]
    item = scalar(addition.question)
    phrasings = questions.get(addition.lang)
    if isinstance(phrasings, Seq) and phrasings:
        last = line_of(phrasings, len(phrasings) - 1) - 1  # 0-based
        row = lines[last]
        if row.rstrip().endswith("]"):  # flow style: lang: [a, b]
            cut = row.rstrip().rfind("]")
            lines[last] = f"{row[:cut]}, {item}{row[cut:]}"
            return
        lines.insert(last + 1, f"{_indent(row)}- {item}\n")
        return
    # No phrasing in this language yet: a key like the others, after the last one's items.
    keys = list(questions)
    key_row = lines[line_of(questions, keys[-1]) - 1]
    end = max(
        [line_of(questions, k) for k in keys]
        + [line_of(v, len(v) - 1) for v in questions.values() if isinstance(v, Seq) and v]
    )
    indent = _indent(key_row)
    lines[end:end] = [f"{indent}{addition.lang}:\n", f"{indent}  - {item}\n"]
