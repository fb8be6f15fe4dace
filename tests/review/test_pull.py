"""`iuc-bot kb pull-reviewed`: the additions land in a copy of knowledge/, comments and order
kept, validated; marked pulled; a result that would not validate changes nothing."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.db import migrate
from bot.db.models import KbChange
from bot.db.session import make_engine, make_sessionmaker
from bot.kb.loader import load_knowledge
from bot.kb.overlay import new_fact_id
from bot.review import changes
from tests.bot.harness import NOW

QUOTED = 'what does "IUC" stand for: the long name?'
TEXTS = {"en": "Bikes: none known {{near}} the city hall.", "ja": "不明です。"}


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, copy)
    return copy


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    migrate.upgrade(url)
    return url


def run(coro):
    return asyncio.run(coro)


async def _store(url: str, *adds: dict) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            for add in adds:
                if "texts" in add:
                    await changes.add_fact(session, **add, handoff_id=None, by=42, now=NOW)
                else:
                    await changes.add_alternate(session, **add, handoff_id=None, by=42, now=NOW)
    finally:
        await engine.dispose()


async def _rows(url: str) -> list[KbChange]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return list(await session.scalars(select(KbChange).order_by(KbChange.id)))
    finally:
        await engine.dispose()


def kept_in_order(before: str, after: str) -> bool:
    """Whether every line of before is in after, in the same order (only lines were added)."""
    lines = iter(after.splitlines())
    return all(any(line == other for other in lines) for line in before.splitlines())


def test_pull_writes_alternates_and_facts_keeping_comments_and_order(
    knowledge: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    faq_before = (knowledge / "faq.yaml").read_text(encoding="utf-8")
    fact = new_fact_id(7)
    run(
        _store(
            db,
            {"entry": "meetings.overview", "lang": "en", "question": "did the cities ever meet"},
            {"entry": "meetings.overview", "lang": "sk", "question": QUOTED},
            {
                "number": 7,
                "texts": TEXTS,
                "lang": "ja",
                "question": "市役所の近くにレンタサイクルはありますか",
            },
            # A phrasing of the new fact in a language its questions do not have yet.
            {"entry": fact, "lang": "sk", "question": "požičovňa bicyklov pri radnici"},
        )
    )
    assert main(["kb", "pull-reviewed", "--database-url", db, "--dir", str(knowledge)]) == 0
    assert "3 alternate(s), 1 new fact(s) written (faq.yaml, reviewed.yaml)" in (
        capsys.readouterr().out
    )
    faq_after = (knowledge / "faq.yaml").read_text(encoding="utf-8")
    assert kept_in_order(faq_before, faq_after)  # comments, order, quoting all as they were
    assert len(faq_after.splitlines()) == len(faq_before.splitlines()) + 2
    assert "  # Which country each city of the IUC pairs is in" in faq_after
    kb = load_knowledge(knowledge)
    questions = kb.facts["meetings.overview"].questions
    assert questions["en"][-1] == "did the cities ever meet"
    assert questions["sk"][-1] == QUOTED
    new = kb.facts[fact]
    assert dict(new.text) == TEXTS
    assert dict(new.questions) == {
        "ja": ("市役所の近くにレンタサイクルはありますか",),
        "sk": ("požičovňa bicyklov pri radnici",),
    }
    assert all(row.pulled_at is not None for row in run(_rows(db)))
    # Nothing is pulled twice.
    assert main(["kb", "pull-reviewed", "--database-url", db, "--dir", str(knowledge)]) == 0
    assert "nothing to pull" in capsys.readouterr().out
    assert main(["kb", "check", "--dir", str(knowledge)]) == 0


def test_a_result_that_would_not_validate_changes_nothing(
    knowledge: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_text(encoding="utf-8") for p in knowledge.glob("*.yaml")}
    run(
        _store(
            db,
            {"entry": "meetings.overview", "lang": "en", "question": "did the cities ever meet"},
            # Unbalanced braces: the text is a template, and this one cannot be rendered.
            {"number": 8, "texts": {"en": "a { b"}, "lang": "en", "question": "what is x"},
        )
    )
    assert main(["kb", "pull-reviewed", "--database-url", db, "--dir", str(knowledge)]) == 1
    err = capsys.readouterr().err
    assert "reviewed.yaml:" in err
    assert "unbalanced" in err
    after = {p.name: p.read_text(encoding="utf-8") for p in knowledge.glob("*.yaml")}
    assert after == before
    assert all(row.pulled_at is None for row in run(_rows(db)))
