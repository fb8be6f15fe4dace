"""`iuc-bot ask` and `iuc-bot kb check` as scripts use them (DESIGN.md, "Outside contracts")."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.db import migrate
from bot.db.session import make_engine, make_sessionmaker
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.matcher import DECISION
from bot.kb.model import KnowledgeBase
from bot.kb.render import question_text, render_fact
from tests.kb.test_check import EVENTS, write_kb
from tests.visits.factory import open_visit

KEYS = {"question", "answered", "lang", "text", "source", "confidence", "suggestions"}
HTML = re.compile(r"</?[A-Za-z][^>]*>|&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")
SIGNED = "bratislava-tokorozawa-agreement.signed"
# Vague questions; the matcher is tuned over time, so the test asks it which one it is unsure of.
VAGUE = ["agreement date", "date", "when", "who", "dohoda"]


@pytest.fixture(scope="module")
def vague(kb: KnowledgeBase) -> str:
    """A question the shipped knowledge answers with suggestions only."""
    qa = QuestionAnswerer(kb)
    unsure = [q for q in VAGUE if qa.ask(q, "en").outcome == "suggest"]
    assert unsure, f"none of {VAGUE} gets suggestions any more: add one that does"
    return unsure[0]


def iuc_bot(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with the shipped knowledge unless KNOWLEDGE_DIR is given."""
    clean = {k: v for k, v in os.environ.items() if k not in {"KNOWLEDGE_DIR", "DEFAULT_LOCALE"}}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        env={**clean, "PYTHONIOENCODING": "utf-8", **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def json_lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """Each stdout line as a JSON object, after checking the exit status and the contract."""
    assert done.returncode == 0, done.stderr
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    for obj in objects:
        assert set(obj) == KEYS
        assert isinstance(obj["question"], str)
        assert isinstance(obj["answered"], bool)
        assert obj["lang"] in ("en", "sk", "ja")
        assert isinstance(obj["text"], str)
        assert obj["text"].strip()
        assert not HTML.search(obj["text"]), obj["text"]
        assert isinstance(obj["confidence"], float)
        assert 0.0 <= obj["confidence"] <= 1.0
        assert isinstance(obj["suggestions"], list)
        assert all(isinstance(s, str) and s for s in obj["suggestions"])
        if obj["answered"]:
            assert isinstance(obj["source"], str)
            assert obj["suggestions"] == []
        else:
            assert obj["source"] is None
    return objects


def test_batch_json_answers_each_line_in_its_own_language(vague: str) -> None:
    questions = [
        "When was the partnership agreement signed?",
        "kedy bola podpisana zmluva",
        "",
        "協定はいつ署名されましたか",
        "aké bude zajtra počasie vo Viedni",
        vague,
        "Imura",
    ]
    done = iuc_bot("ask", "--json", "--lang", "sk", stdin="\n".join(questions) + "\n")
    en, sk, ja, weather, unsure, imura = json_lines(done)
    assert [o["question"] for o in (en, sk, ja, weather, unsure, imura)] == [
        q for q in questions if q
    ]
    assert (en["lang"], en["answered"], en["source"]) == ("en", True, SIGNED)
    assert "15 October 2018" in en["text"]
    assert (sk["lang"], sk["source"]) == ("sk", SIGNED)
    assert "15. októbra 2018" in sk["text"]
    assert (ja["lang"], ja["source"]) == ("ja", SIGNED)
    assert "2018年10月15日" in ja["text"]
    assert (weather["lang"], weather["answered"], weather["suggestions"]) == ("sk", False, [])
    assert "Oddelenie stratégie a projektov" in weather["text"]
    assert unsure["answered"] is False
    assert len(unsure["suggestions"]) >= 2
    assert all(s in unsure["text"] for s in unsure["suggestions"])
    # A bare name says nothing about the language: the answer is in --lang.
    assert (imura["lang"], imura["source"]) == ("sk", "imura.who")
    assert "koordinátorom" in imura["text"]


@pytest.mark.parametrize(
    ("lang", "word"),
    [
        pytest.param("en", "coordinator", id="en"),
        pytest.param("sk-SK", "koordinátorom", id="sk-SK"),
        pytest.param("ja", "コーディネーター", id="ja"),
    ],
)
def test_a_bare_name_is_answered_in_the_askers_language(lang: str, word: str) -> None:
    [answer] = json_lines(iuc_bot("ask", "--json", "--lang", lang, "Imura"))
    assert answer["lang"] == lang[:2]
    assert word in answer["text"]


def test_windows_line_endings_and_html_looking_questions() -> None:
    stdin = "Imura\r\n<b>agreement</b> & <script>signed</script>?\r\n\r\n"
    first, second = json_lines(iuc_bot("ask", "--json", stdin=stdin))
    assert first["question"] == "Imura"
    assert second["question"] == "<b>agreement</b> & <script>signed</script>?"


def test_default_locale_is_the_fallback_language() -> None:
    [answer] = json_lines(iuc_bot("ask", "--json", "Imura", DEFAULT_LOCALE="ja"))
    assert answer["lang"] == "ja"


def test_plain_mode_prints_the_answer() -> None:
    done = iuc_bot("ask", "kedy", "bola", "podpisana", "zmluva")
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert "15. októbra 2018" in line
    assert not HTML.search(done.stdout)


def test_plain_mode_numbers_the_suggestions(vague: str) -> None:
    done = iuc_bot("ask", "--lang", "en", vague)
    assert done.returncode == 0, done.stderr
    first, *suggestions = done.stdout.splitlines()
    assert first == "I am not sure what you mean. Did you mean one of these?"
    assert [s.split(".")[0].strip() for s in suggestions] == [
        str(i) for i in range(1, len(suggestions) + 1)
    ]
    assert len(suggestions) >= 2


def test_a_suggestion_about_using_the_bot_shows_its_command() -> None:
    # Nothing in a terminal can be tapped: the command to send is shown beside the suggestion.
    [answer] = json_lines(iuc_bot("ask", "--json", "--lang", "en", "which trips am I down for"))
    assert answer["answered"] is False
    assert "my registrations (/myvisits)" in answer["text"]
    assert answer["suggestions"][0] == "my registrations"  # the JSON list stays the questions


@pytest.mark.parametrize("lang", ["xx", "pt-br", "english"])
def test_an_unknown_lang_exits_2(lang: str) -> None:
    done = iuc_bot("ask", "--json", "--lang", lang, "Imura")
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert "--lang" in line


def test_kb_check_on_the_shipped_knowledge_passes() -> None:
    done = iuc_bot("kb", "check")
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout


def test_ask_with_a_broken_knowledge_dir_exits_1_naming_file_and_line(tmp_path: Path) -> None:
    broken = write_kb(
        tmp_path / "knowledge",
        places="places:\n  - id: [bratislava\n",
        events=EVENTS.replace("place: bratislava", "place: atlantis"),
    )
    done = iuc_bot("ask", "--json", "Imura", KNOWLEDGE_DIR=str(broken))
    assert done.returncode == 1
    assert done.stdout == ""
    problems = done.stderr.splitlines()
    assert any(re.match(r"places\.yaml:\d+: ", p) for p in problems), problems
    assert any(p.startswith("events.yaml:8: ") and "atlantis" in p for p in problems), problems
    assert problems[-1].endswith("problems.")
    done = iuc_bot("kb", "check", KNOWLEDGE_DIR=str(broken))
    assert done.returncode == 1
    assert done.stderr.splitlines() == problems


def test_ask_with_a_missing_knowledge_dir_names_the_variable(tmp_path: Path) -> None:
    done = iuc_bot("ask", "Imura", KNOWLEDGE_DIR=str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert done.stderr.startswith("iuc-bot: KNOWLEDGE_DIR is malformed")


def test_a_question_of_no_clear_language_is_answered_in_lang() -> None:
    # "partner" is typed alike in English and Slovak: the asker's language decides.
    [answer] = json_lines(iuc_bot("ask", "--json", "--lang", "sk", "kamakura partner"))
    assert (answer["lang"], answer["source"]) == ("sk", "umea-kamakura.about")
    assert "Švédsko" in answer["text"]


def visits_database(path: Path, **overrides: Any) -> str:
    """A migrated SQLite file with one visit open for registration; its DATABASE_URL."""
    url = f"sqlite:///{path}"
    migrate.upgrade(url)

    async def create() -> None:
        engine = make_engine(url)
        try:
            await open_visit(make_sessionmaker(engine), datetime.now(UTC), **overrides)
        finally:
            await engine.dispose()

    asyncio.run(create())
    return url


def next_visit_question(kb: KnowledgeBase, lang: str) -> str:
    """A question the knowledge base answers with the live visits fact."""
    return question_text(kb.facts["visits.open"], lang)


@pytest.mark.parametrize(
    ("lang", "title", "left"),
    [
        ("en", "Study visit to Tokorozawa", "10 places left of 10."),
        ("sk", "Študijná návšteva v Tokorozawe", "Zostáva 10 voľných miest z 10."),
        ("ja", "所沢市視察訪問", "残りの枠は10名分です（定員10名）。"),
    ],
)
def test_ask_answers_the_next_visit_from_database_url(
    tmp_path: Path, kb: KnowledgeBase, lang: str, title: str, left: str
) -> None:
    far = date.today() + timedelta(days=730)
    url = visits_database(
        tmp_path / "bot.sqlite3", start_date=far, end_date=far, registration_deadline=far
    )
    question = next_visit_question(kb, lang)
    [answer] = json_lines(iuc_bot("ask", "--json", "--lang", lang, question, DATABASE_URL=url))
    assert (answer["answered"], answer["source"], answer["lang"]) == (True, "visits.open", lang)
    assert title in answer["text"]
    assert left in answer["text"]
    assert "/register" in answer["text"]


def test_ask_without_a_database_file_answers_with_the_fact(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    missing = tmp_path / "missing.sqlite3"
    question = next_visit_question(kb, "en")
    done = iuc_bot(
        "ask", "--json", stdin=f"{question}\n{question}\n", DATABASE_URL=f"sqlite:///{missing}"
    )
    for answer in json_lines(done):
        # The fact's pointer to /register tells nothing of the visits asked about.
        assert (answer["answered"], answer["source"]) == (False, None)
        assert answer["confidence"] < DECISION.answer_at
        assert "/register" in answer["text"]
    assert done.stderr.count("could not read the visits") == 1, done.stderr  # said once
    assert not missing.exists()  # no empty database file left behind


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_ask_without_database_url_does_not_answer_the_next_visit(
    kb: KnowledgeBase, lang: str
) -> None:
    question = next_visit_question(kb, lang)
    [answer] = json_lines(iuc_bot("ask", "--json", "--lang", lang, question, DATABASE_URL=""))
    assert (answer["answered"], answer["source"], answer["lang"]) == (False, None, lang)
    assert answer["confidence"] < DECISION.answer_at
    assert "/register" in answer["text"]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_ask_says_plainly_what_the_source_does_not_record(kb: KnowledgeBase, lang: str) -> None:
    fact = kb.facts["meeting-2018-bratislava.names"]
    [answer] = json_lines(iuc_bot("ask", "--json", "--lang", lang, question_text(fact, lang)))
    assert (answer["answered"], answer["source"], answer["lang"]) == (False, None, lang)
    assert answer["confidence"] < DECISION.answer_at
    assert answer["suggestions"] == []
    assert answer["text"] == render_fact(kb, fact, Translator(lang), date.today())


def test_ask_stops_quietly_when_its_reader_goes_away() -> None:
    # `iuc-bot ask < questions.txt | head -1`: the reader closes the pipe after one line.
    env = {k: v for k, v in os.environ.items() if k not in {"KNOWLEDGE_DIR", "DEFAULT_LOCALE"}}
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, "PYTHONIOENCODING": "utf-8"},
    )
    assert bot.stdin is not None
    assert bot.stdout is not None
    assert bot.stderr is not None
    bot.stdin.write(b"hi\n" * 2000)
    bot.stdin.close()
    assert json.loads(bot.stdout.readline())["question"] == "hi"
    bot.stdout.close()
    assert bot.wait(timeout=60) == 141
    assert bot.stderr.read() == b""  # no traceback
