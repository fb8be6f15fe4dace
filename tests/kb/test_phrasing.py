"""Phrasings the matcher reads by rule rather than by an alternate question of a fact."""

from __future__ import annotations

import pytest

from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # One city of a pair and a partner word name the partnership.
        ("Tokorozawa partner", "bratislava-tokorozawa.about"),
        ("kto je partnerom Toyoty", "grenoble-toyota.about"),
        ("鎌倉の相手", "umea-kamakura.about"),
        ("所沢のパートナー都市", "bratislava-tokorozawa.about"),
    ],
)
def test_a_city_and_a_partner_word_name_the_partnership(
    kb: KnowledgeBase, question: str, entry: str
) -> None:
    assert QuestionAnswerer(kb).ask(question, "en").entry == entry


def test_filler_words_do_not_make_a_question_new(kb: KnowledgeBase) -> None:
    qa = QuestionAnswerer(kb)
    plain = qa.ask("which country is bratislava in", "en")
    assert plain.entry == "countries.bratislava"
    assert qa.ask("which country is bratislava in again, actually?", "en").entry == plain.entry
