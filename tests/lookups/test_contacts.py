"""The contact book: found by a fragment of a name in any script, and what a card says."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.kb.model import KnowledgeBase
from bot.lookups.contacts import ContactBook, card_html, contact_book
from bot.lookups.fuzzy import score


@pytest.fixture(scope="module")
def book(kb: KnowledgeBase) -> ContactBook:
    return ContactBook(kb)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Latin, with and without diacritics, inflected, with a typo.
        ("architekt", "office-chief-architect"),
        ("Kancelária hlavného architekta", "office-chief-architect"),
        ("kancelaria hlavneho architekta", "office-chief-architect"),
        ("hlavnej architektky", "office-chief-architect"),
        ("chief archtect", "office-chief-architect"),
        ("strategie", "department-strategy-projects"),
        ("oddelenie strategii", "department-strategy-projects"),
        ("strategy departmnet", "department-strategy-projects"),
        ("riadenie projektu", "department-strategy-projects"),
        ("Schreursovej", "schreurs"),
        ("Tokorozawe", "tokorozawa-city"),
        ("komisia", "european-commission"),
        # Kanji, katakana and hiragana; katakana finds hiragana aliases and the reverse.
        ("建築家", "office-chief-architect"),
        ("戦略", "department-strategy-projects"),
        ("所沢", "tokorozawa-city"),
        ("シュラーズ", "schreurs"),
        ("しゅらーず", "schreurs"),
        ("イムラ", "imura"),
        ("いむら", "imura"),
        ("トコロザワ", "tokorozawa-city"),
        ("ところざわ", "tokorozawa-city"),
        ("ＩＵＣ", "iuc-implementation-unit"),  # full-width Latin
    ],
)
def test_a_fragment_in_any_script_finds_the_contact(
    book: ContactBook, query: str, expected: str
) -> None:
    found = [r.id for r in book.find(query)]
    assert found, query
    assert found[0] == expected, found


@pytest.mark.parametrize("query", ["xyz", "a", "qwertz", "  ", "🙂", "<b>"])
def test_nonsense_and_fragments_too_short_find_nothing(book: ContactBook, query: str) -> None:
    assert book.find(query) == []


def test_two_letters_match_a_word_not_the_inside_of_one(book: ContactBook) -> None:
    # "EK" is the Slovak abbreviation of the Commission; it is also inside "projekt".
    assert [r.id for r in book.find("ek")] == ["european-commission"]


def test_one_word_that_many_share_finds_them_all(book: ContactBook) -> None:
    found = {r.id for r in book.find("IUC")}
    assert {"iuc-implementation-unit", "iuc-coordination-unit"} <= found
    assert "bratislava-city" not in found


def test_near_misses_stay_below_the_threshold() -> None:
    # "strategie" and "magistrate" share 80 % of their letters: not enough.
    assert score("strategie", "magistrate") < 85
    # A short name inside the query does not count as the query inside the name.
    assert score("architekt", "ek") < 85


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "en",
            [
                "<b>Office of the Chief Architect</b>",
                "specialised guarantor of the project at Bratislava City Hall",
                "Part of: City of Bratislava",
                "City: Bratislava",
                "No e-mail, phone number or website is recorded.",
            ],
        ),
        (
            "sk",
            [
                "<b>Kancelária hlavného architekta</b>",
                "odborný garant projektu na Magistráte hlavného mesta SR Bratislavy",
                "Súčasť: hlavné mesto SR Bratislava",
                "Mesto: Bratislava",
                "E-mail, telefónne číslo ani webová stránka nie sú zaznamenané.",
            ],
        ),
        (
            "ja",
            [
                "<b>首席建築家室</b>",
                "ブラチスラバ市役所におけるプロジェクトの専門監修（専門面の責任部署）",
                "所属：ブラチスラバ市",
                "所在地：ブラチスラバ",
                "メールアドレス、電話番号、ウェブサイトは登録されていません。",
            ],
        ),
    ],
)
def test_a_card_says_plainly_that_nothing_is_recorded(
    book: ContactBook, kb: KnowledgeBase, lang: str, lines: list[str]
) -> None:
    card = card_html(Translator(lang), kb, kb.records["office-chief-architect"])
    assert card.split("\n") == lines


def test_a_card_shows_only_what_is_recorded_and_escapes_it(kb: KnowledgeBase) -> None:
    office = kb.records["office-chief-architect"]
    fields = dict(office.fields, email="arch@example.org", url="https://example.org/?a=1&b=<2>")
    recorded = type(office)(**{**office.__dict__, "fields": fields})
    card = card_html(Translator("en"), kb, recorded).split("\n")
    assert "E-mail: arch@example.org" in card
    assert "Website: https://example.org/?a=1&amp;b=&lt;2&gt;" in card
    assert not any(line.startswith("Phone") for line in card)
    assert "No e-mail, phone number or website is recorded." not in card


def test_the_book_is_built_once_per_knowledge_base(kb: KnowledgeBase) -> None:
    assert contact_book(kb) is contact_book(kb)
    assert contact_book(kb).records[0].collection == "organisations"
    assert {r.collection for r in contact_book(kb).records} == {"organisations", "people"}
