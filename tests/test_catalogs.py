"""What a reader of the catalogs and the knowledge base gets: the whole catalog translated, no
English left in the Slovak and Japanese text, and no raw time-zone ids anywhere a user reads.

tests/test_i18n.py checks the catalogs against `pybabel extract` of the sources (every string
extracted is in every catalog, translated, with the msgid's placeholders); this module checks
the catalogs' own entries and the text itself.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.catalog import Catalog

from bot.i18n import LANGUAGES, LOCALE_DIR, Translator
from bot.kb.model import KnowledgeBase
from bot.kb.render import render_fact
from tests.test_i18n import forms, label, messages, read_catalog

# A time-zone id as the tz database spells it ("Europe/Bratislava"): users read city names.
TZ_ID = re.compile(
    r"\b(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)"
    r"/[A-Za-z_]+"
)
# English words that are not Slovak words too ("to", "on", "a", "by" are Slovak).
ENGLISH = frozenset(
    {"the", "and", "your", "please", "you", "is", "are", "for", "with", "this", "that", "will"}
    | {"visit", "visits", "registration", "registrations", "name", "day", "days", "place"}
    | {"places", "what", "which", "when", "where", "who", "have", "has", "been", "can", "not"}
    | {"from", "of", "or", "at", "any"}
)
# Latin-script words a Japanese translation may keep: names and technical terms.
LATIN_IN_JA = frozenset({"IUC", "EU", "CSV", "JSON", "Telegram", "ID"})
# Slovak translations that are the msgid itself on purpose.
SAME_IN_SK = frozenset(
    {
        "E-mail",
        "{start} – {end}",
        "{date} ({times})",
        "{title} ({dates})",
        "{name} ({organisation})",
    }
)
# What is not words of the text: {placeholders}, /commands, e-mail addresses.
NOT_WORDS = re.compile(r"\{[^}]*\}|/[a-z_]+|\S+@\S+")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {
        lang: read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", lang)
        for lang in LANGUAGES
    }


def words(text: str) -> list[str]:
    """The Latin-script words of a translation, without placeholders, commands or addresses."""
    return WORD.findall(NOT_WORDS.sub(" ", text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_holds_the_template_and_nothing_else(
    lang: str, catalogs: dict[str, Catalog]
) -> None:
    # The template is the extraction (tests/test_i18n.py); an entry the sources no longer use
    # would be translated and reviewed for nothing, one they use and the catalog lacks is
    # English in the middle of the interface.
    template = read_catalog(LOCALE_DIR / "messages.pot")
    expected = {(m.context, m.id) for m in messages(template)}
    have = {(m.context, m.id) for m in messages(catalogs[lang])}
    assert not have - expected, f"not in messages.pot: {sorted(map(str, have - expected))}"
    assert not expected - have, f"missing: {sorted(map(str, expected - have))}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated(lang: str, catalogs: dict[str, Catalog]) -> None:
    empty = [
        label(m)
        for m in messages(catalogs[lang])
        if m.fuzzy or not all(s.strip() for s in forms(m.string))
    ]
    assert not empty, f"locales/{lang}: untranslated or fuzzy:\n" + "\n".join(empty)


def test_no_english_left_in_slovak(catalogs: dict[str, Catalog]) -> None:
    left = []
    for m in messages(catalogs["sk"]):
        for source, text in zip(forms(m.id) * 3, forms(m.string), strict=False):
            english = [w for w in words(text) if w.lower() in ENGLISH]
            if english or (text == source and text not in SAME_IN_SK):
                left.append(f"{label(m)} -> {text!r} {english}")
    assert not left, "\n".join(left)


def test_no_english_left_in_japanese(catalogs: dict[str, Catalog]) -> None:
    left = [
        f"{label(m)} -> {text!r}"
        for m in messages(catalogs["ja"])
        for text in forms(m.string)
        if set(words(text)) - LATIN_IN_JA
    ]
    assert not left, "\n".join(left)


def test_the_detectors_catch_what_they_look_for() -> None:
    # The checks of this module must be able to fail.
    assert TZ_ID.search("(Europe/Bratislava: 20. mája 2027, 2:00 / Asia/Tokyo: …)")
    assert not TZ_ID.search("Bratislava: 20. mája 2027 / Tokio: 21. mája")
    assert [w for w in words("Napíšte, prosím, your name.") if w.lower() in ENGLISH]
    assert set(words("{name}さん、Please choose（IUC）")) - LATIN_IN_JA == {"Please", "choose"}
    assert not words("{name}: /help jane@example.com")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_time_zone_ids_in_translations(lang: str, catalogs: dict[str, Catalog]) -> None:
    raw = [
        f"{label(m)} -> {text!r}"
        for m in messages(catalogs[lang])
        for text in forms(m.string)
        if TZ_ID.search(text)
    ]
    assert not raw, "\n".join(raw)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_time_zone_ids_in_knowledge_answers(lang: str, kb: KnowledgeBase) -> None:
    t = Translator(lang)
    raw = [
        fact.id
        for fact in kb.facts.values()
        if TZ_ID.search(fact.text[lang]) or TZ_ID.search(render_fact(kb, fact, t, date.today()))
    ]
    raw += [r.id for r in kb.records.values() if TZ_ID.search(r.name[lang])]
    assert not raw, f"{lang}: time-zone ids in {raw}"
