"""Honest measurement: no question we measure with stands in the knowledge base itself.

A dev-set or practice question found (normalized) among the alternates or aliases of
`knowledge/` would be answered from memory, not by generalizing, and flatter the figures. The
practice questions live beside the repository (`../shared/questions/`), when they are there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.kb.model import KnowledgeBase
from bot.kb.text import normalize
from tests.kb.devset import load_devset

PRACTICE = Path(__file__).resolve().parents[2].parent / "shared" / "questions"
FRESH = Path(__file__).resolve().parents[2] / "tests" / "data" / "fresh"


def known(kb: KnowledgeBase) -> dict[str, str]:
    """Every alternate question and alias, normalized, with where it stands."""
    found: dict[str, str] = {}
    for fact in kb.facts.values():
        for questions in fact.questions.values():
            for question in questions:
                found.setdefault(normalize(question), f"alternate of {fact.id}")
    for record in kb.records.values():
        for aliases in record.aliases.values():
            for alias in aliases:
                found.setdefault(normalize(alias), f"alias of {record.id}")
    return found


def overlap(kb: KnowledgeBase, questions: list[str]) -> list[str]:
    table = known(kb)
    return [f"{q!r}: {table[normalize(q)]}" for q in questions if normalize(q) in table]


def test_no_dev_set_question_stands_in_the_knowledge_base(kb: KnowledgeBase) -> None:
    found = overlap(kb, [str(item["q"]) for item in load_devset()])
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", ["practice-a.jsonl", "practice-b.jsonl"])
def test_no_practice_question_stands_in_the_knowledge_base(kb: KnowledgeBase, name: str) -> None:
    path = PRACTICE / name
    if not path.exists():
        pytest.skip(f"{path} is not beside the repository")
    lines = path.read_text(encoding="utf-8").splitlines()
    found = overlap(kb, [json.loads(line)["q"] for line in lines if line.strip()])
    # Only the count for practice-b: its questions are not to be read, even here. pytest.fail,
    # not assert: pytest's assertion rewriting would print the list `found` itself.
    if found:
        pytest.fail(
            f"{len(found)} question(s) of {name} stand in knowledge/"
            + ("\n" + "\n".join(found) if name == "practice-a.jsonl" else "")
        )


@pytest.mark.parametrize("path", sorted(FRESH.glob("*.jsonl")), ids=lambda p: p.name)
def test_no_question_of_our_fresh_set_stands_in_the_knowledge_base(
    kb: KnowledgeBase, path: Path
) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = overlap(kb, [json.loads(line)["q"] for line in lines if line.strip()])
    if found:  # the held-out half by count only, as practice-b
        held = "held" in path.name
        pytest.fail(
            f"{len(found)} question(s) of {path.name} stand in knowledge/"
            + ("" if held else "\n" + "\n".join(found))
        )


def test_the_check_finds_an_overlap(kb: KnowledgeBase) -> None:
    fact = next(iter(kb.facts.values()))
    question = fact.questions["en"][0]
    assert overlap(kb, [question.upper() + "?!"])
