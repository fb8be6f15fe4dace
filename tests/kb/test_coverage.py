"""The knowledge base covers what the source says: every item of its lists, every city's country,
the agreement's end date, and the contacts it withholds — each answered in en, sk and ja."""

from __future__ import annotations

from datetime import date

import pytest
from babel import Locale

from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase
from bot.kb.render import render_fact

TODAY = date(2026, 1, 1)
# What Bratislava wants to learn from the Japanese approach, item by item as the source lists it.
INTERESTS = [
    "nature-based adaptation solutions",
    "combination with traditional approaches",
    "increasing the share of green areas, such as gardens and other forms of public greenery",
    "using traditional architecture",
    "urban planning",
    "cooling city areas",
    "sustainable buildings",
    "water collection systems",
    "increasing the energy and climate resilience of public areas",
    "energy efficiency solutions",
    "smart management of large public green areas",
    "strategies for improving public awareness",
]
CITIES = ["bratislava", "tokorozawa", "grenoble", "toyota", "umea", "kamakura"]


def test_every_interest_has_a_record_quoting_it(kb: KnowledgeBase) -> None:
    quotes = [r.source.quote for r in kb.records.values() if r.collection == "interests"]
    for item in INTERESTS:
        assert [q for q in quotes if item in q], item
    assert len(quotes) == len(INTERESTS)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_an_interest_answers_with_the_item_in_context(kb: KnowledgeBase, lang: str) -> None:
    t = Translator(lang)
    for record in (r for r in kb.records.values() if r.collection == "interests"):
        text = render_fact(kb, record.facts[0], t, TODAY)
        assert record.name[lang] in text
        assert kb.records["tokorozawa"].name[lang][:8] in text  # its partnership (any case)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_city_has_its_country(kb: KnowledgeBase, lang: str) -> None:
    t = Translator(lang)
    for city in CITIES:
        place = kb.records[city]
        country = Locale.parse(lang).territories[place.fields["country"]]
        text = render_fact(kb, kb.facts[f"countries.{city}"], t, TODAY)
        assert place.name[lang] in text
        assert country in text


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_the_duration_gives_the_end_date_and_the_months(kb: KnowledgeBase, lang: str) -> None:
    t = Translator(lang)
    end = t.date(kb.records["bratislava-tokorozawa-agreement"].fields["valid_until_at_least"])
    text = render_fact(kb, kb.facts["bratislava-tokorozawa-agreement.duration"], t, TODAY)
    assert end in text
    assert {"en": "eighteen months", "sk": "osemnásť mesiacov", "ja": "18か月"}[lang] in text


@pytest.mark.parametrize(
    ("question", "lang", "not_recorded"),
    [
        (
            "phone number of the Office of the Chief Architect",
            "en",
            "No e-mail address or phone number",
        ),
        (
            "telefón na Kanceláriu hlavnej architektky",
            "sk",
            "telefónne číslo Kancelárie hlavného architekta nie sú uvedené",
        ),
        ("主任建築家室の電話番号を教えて", "ja", "メールアドレスと電話番号は登録されていません"),
    ],
)
def test_a_withheld_contact_is_answered_plainly(
    kb: KnowledgeBase, question: str, lang: str, not_recorded: str
) -> None:
    # Said plainly, and not counted as an answer: the bot does not know the number.
    answer = QuestionAnswerer(kb, today=lambda: TODAY).ask(question, lang)
    assert (answer.entry, answer.outcome) == ("office-chief-architect.email_phone", "unrecorded")
    assert not answer.answered
    assert not_recorded in answer.text
    assert "@" not in answer.text
