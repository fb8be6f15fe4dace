"""Answers rendered once a day stay right: a relative date follows the date, languages differ."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase
from bot.kb.render import render_fact

FACT = "bratislava-tokorozawa-agreement.signed"
QUESTIONS = (("When was the agreement signed?", "en"), ("いつ署名された？", "ja"))


def _relative_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """The shipped knowledge with one answer that says how long ago the agreement was signed."""
    fact = kb.facts[FACT]
    text = {lang: f"{lang}: {{signed:relative}} ({{signed}})" for lang in fact.text}
    return replace(kb, facts={**kb.facts, FACT: replace(fact, text=text)})


def test_answer_follows_the_date(kb: KnowledgeBase) -> None:
    kb = _relative_kb(kb)
    days = [date(2020, 1, 1), date(2020, 1, 1), date(2031, 7, 15), date(2020, 1, 1)]
    current = [days[0]]
    qa = QuestionAnswerer(kb, today=lambda: current[0])
    for day in days:
        current[0] = day
        for question, lang in QUESTIONS:
            answer = qa.ask(question, lang)
            assert answer.entry == FACT
            assert answer.text == render_fact(kb, kb.facts[FACT], Translator(answer.lang), day)
    assert qa.ask("When was the agreement signed?").text != render_fact(
        kb, kb.facts[FACT], Translator("en"), date(2031, 7, 15)
    )
