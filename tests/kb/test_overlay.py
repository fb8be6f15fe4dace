"""Knowledge added in the bot laid over the files' knowledge base (bot/kb/overlay.py)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase
from bot.kb.overlay import Addition, new_fact_id, with_additions
from bot.kb.render import render_fact

PHRASING = "did the two mayors ever shake hands over a treaty"


def test_an_alternate_is_answered_and_the_files_knowledge_is_untouched(kb: KnowledgeBase) -> None:
    before = QuestionAnswerer(kb).ask(PHRASING, "en")
    assert not before.answered
    entry = "meetings.overview"
    added = with_additions(kb, [Addition("alternate", entry, "en", PHRASING)])
    after = QuestionAnswerer(added).ask(PHRASING, "en")
    assert (after.outcome, after.entry) == ("answer", entry)
    assert PHRASING not in kb.facts[entry].questions["en"]  # a new knowledge base, not a change
    assert added.records["meetings"].facts[0].questions["en"][-1] == PHRASING


def test_what_the_files_have_already_or_no_longer_have_is_skipped(kb: KnowledgeBase) -> None:
    have = kb.facts["meetings.overview"].questions["en"][0]
    additions = [
        Addition("alternate", "meetings.overview", "en", have),  # pulled already
        Addition("alternate", "gone.fact", "en", PHRASING),  # the fact was removed
        Addition("fact", "meetings.overview", "en", PHRASING, {"en": "x"}),  # id taken
    ]
    assert with_additions(kb, additions) is kb


def test_a_new_fact_without_some_languages_falls_back_to_english(kb: KnowledgeBase) -> None:
    entry = new_fact_id(5)
    texts = {"ja": "不明です。", "en": "Not known."}
    added = with_additions(kb, [Addition("fact", entry, "sk", "otázka o bicykloch", texts)])
    fact = added.facts[entry]
    assert added.records[fact.record].collection == "reviewed"
    today = QuestionAnswerer(kb).today()
    rendered = {lang: render_fact(added, fact, Translator(lang), today) for lang in texts}
    assert rendered == texts
    assert render_fact(added, fact, Translator("sk"), today) == "Not known."
    answer = QuestionAnswerer(added).ask("otázka o bicykloch", "sk")
    assert (answer.entry, answer.text) == (entry, "Not known.")
