""" "I don't know" about a thing the knowledge base knows: examples about that thing first."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase
from bot.kb.render import question_text


@pytest.fixture(scope="module")
def qa(kb: KnowledgeBase) -> QuestionAnswerer:
    """An answerer over the shipped knowledge base."""
    return QuestionAnswerer(kb)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_examples_about_a_place_come_from_what_happened_there(
    qa: QuestionAnswerer, kb: KnowledgeBase, lang: str
) -> None:
    text = qa.dont_know(Translator(lang), ("tokorozawa",))
    assert kb.records["tokorozawa"].name[lang] in text.splitlines()[0]
    # The meeting held in Tokorozawa refers to the city: its question is offered first (after
    # the city's own facts, when it has any).
    meeting = question_text(kb.records["meeting-2019-tokorozawa"].facts[0], lang)
    examples = [line[2:] for line in text.splitlines() if line.startswith("• ")]
    assert meeting in examples
    assert len(examples) == 3


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_examples_without_a_thing_named_are_the_help_examples(
    qa: QuestionAnswerer, lang: str
) -> None:
    text = qa.dont_know(Translator(lang))
    examples = [line[2:] for line in text.splitlines() if line.startswith("• ")]
    assert examples == qa.examples(lang)
