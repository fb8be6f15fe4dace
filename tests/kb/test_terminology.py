"""What users read of the knowledge base uses the names the language review settled on.

Old renderings stay as aliases and as later alternate questions (people still type them), but
a fact's first question is shown as a suggestion and as an example, so it uses the settled term.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.kb.model import KnowledgeBase
from bot.kb.render import render_fact

# Retired rendering -> the settled one (../shared/reviews/language-review.md, sections 2 and 4).
RETIRED = {
    "stratégií": "Oddelenie stratégie a projektov (singular)",
    "architektky": "Kancelária hlavného architekta (no gender the source does not state)",
    "主任建築家": "首席建築家室",
    "業務会議": "実務者会議",
}


def test_shown_questions_use_the_settled_names(kb: KnowledgeBase) -> None:
    for fact in kb.facts.values():
        for lang, questions in fact.questions.items():
            shown = questions[0] if questions else ""
            for old, new in RETIRED.items():
                assert old not in shown, f"{fact.id} ({lang}): {shown!r} — use {new}"


def test_answers_and_names_use_the_settled_names(kb: KnowledgeBase) -> None:
    for record in kb.records.values():
        for lang, name in record.name.items():
            for old, new in RETIRED.items():
                assert old not in name, f"{record.id} name ({lang}): use {new}"
    for lang in kb.languages:
        t = Translator(lang)
        for fact in kb.facts.values():
            text = render_fact(kb, fact, t, date(2026, 12, 6))
            for old, new in RETIRED.items():
                assert old not in text, f"{fact.id} ({lang}): use {new}"
