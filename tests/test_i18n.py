"""The gettext catalogs: complete for every string in bot/, and the formatting they drive."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALE_DIR, Translator, _translations
from bot.menus import commands, description, short_description

ROOT = Path(__file__).resolve().parent.parent
# The date patterns may use any of the fields Translator.period fills in, in any order:
# Japanese writes "2018年10月15日～17日", i.e. {start}～{end_day}日.
PERIOD_FIELDS = {"start", "end", "start_day", "end_day"}
FREE_FIELDS = {
    ("date range in one month", "{start_day}–{end}"): PERIOD_FIELDS,
    ("date range", "{start} – {end}"): PERIOD_FIELDS,
}
REPRESENTATIVES = (
    "{count} representative of the {organisation}",
    "{count} representatives of the {organisation}",
)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """A .po or .pot file as a Babel catalog."""
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    """The catalog's messages without the header."""
    return [m for m in catalog if m.id]


def label(message: Message) -> str:
    """A message as a reader finds it in the .po file."""
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"[{message.context}] {msgid!r}" if message.context else repr(msgid)


def forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple of its forms (one unless it has plurals)."""
    return value if isinstance(value, tuple) else (value,)


def placeholders(text: str) -> set[str]:
    """The names of the {placeholders} that str.format fills in."""
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


@pytest.fixture(scope="session")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The messages in bot/ now, extracted exactly as locales/README.md says."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = [sys.executable, "-m", "babel.messages.frontend", "--quiet"]
    options = ["-F", "babel.cfg", "-c", "Translators:", "--no-location", "--sort-output"]
    done = subprocess.run(
        [*pybabel, "extract", *options, "-o", str(pot), "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return read_catalog(pot)


@pytest.fixture(scope="session")
def catalogs() -> dict[str, Catalog]:
    """The committed catalog of every interface language."""
    return {
        lang: read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", lang)
        for lang in LANGUAGES
    }


def test_extraction_finds_the_interface_strings(extracted: Catalog) -> None:
    ids = {(m.context, forms(m.id)[0]) for m in messages(extracted)}
    assert ("feedback button", "Helpful") in ids
    assert ("command menu", "What I can do") in ids
    assert (None, REPRESENTATIVES[0]) in ids
    assert ("date range in one month", "{start_day}–{end}") in ids


def test_committed_template_is_up_to_date(extracted: Catalog) -> None:
    committed = read_catalog(LOCALE_DIR / "messages.pot")
    now = {(m.context, m.id) for m in messages(extracted)}
    before = {(m.context, m.id) for m in messages(committed)}
    assert now == before, (
        "locales/messages.pot is stale; re-extract (see locales/README.md). "
        f"New: {sorted(map(str, now - before))}; gone: {sorted(map(str, before - now))}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated(
    lang: str, extracted: Catalog, catalogs: dict[str, Catalog]
) -> None:
    catalog = catalogs[lang]
    problems = []
    for source in messages(extracted):
        entry = catalog.get(source.id, context=source.context)
        if entry is None:
            problems.append(f"missing: {label(source)}")
        elif entry.id != source.id:
            problems.append(f"plural differs: {label(source)}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {label(source)}")
        elif len(forms(entry.string)) != (catalog.num_plurals if entry.pluralizable else 1):
            problems.append(f"wrong number of plural forms: {label(source)}")
        elif not all(forms(entry.string)):
            problems.append(f"untranslated: {label(source)}")
    assert not problems, f"locales/{lang}/LC_MESSAGES/messages.po:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str, catalogs: dict[str, Catalog]) -> None:
    wrong = []
    for message in messages(catalogs[lang]):
        expected = set().union(*map(placeholders, forms(message.id)))
        allowed = FREE_FIELDS.get((message.context, message.id))
        for text in forms(message.string):
            used = placeholders(text)
            if text and (used != expected if allowed is None else not used <= allowed):
                wrong.append(f"{label(message)} -> {text!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_are_plain_text(lang: str, catalogs: dict[str, Catalog]) -> None:
    # Replies are sent as HTML, so markup characters in a translation would break them.
    marked = [
        label(m)
        for m in messages(catalogs[lang])
        if any(c in text for text in forms(m.string) for c in "<>&")
    ]
    assert not marked


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "From now on I will answer in English."),
        ("sk", "Odteraz vám budem odpovedať po slovensky."),
        ("ja", "これからは日本語でお答えします。"),
    ],
)
def test_each_catalog_names_its_own_language(lang: str, expected: str) -> None:
    assert Translator(lang).gettext("From now on I will answer in English.") == expected


def test_slovak_has_three_plural_forms(catalogs: dict[str, Catalog]) -> None:
    assert catalogs["sk"].num_plurals == 3
    t = Translator("sk")
    rendered = {n: t.ngettext(*REPRESENTATIVES, n) for n in (0, 1, 2, 3, 4, 5, 11, 22)}
    assert len({rendered[1], rendered[3], rendered[5]}) == 3
    assert rendered[2] == rendered[3] == rendered[4]
    assert rendered[0] == rendered[5] == rendered[11] == rendered[22]
    assert rendered[3].format(count=3, organisation="mesto Tokorozawa") == (
        "3 zástupcovia za mesto Tokorozawa"
    )


@pytest.mark.parametrize(
    ("lang", "one", "three"),
    [
        (
            "en",
            "1 representative of the City of Tokorozawa",
            "3 representatives of the City of Tokorozawa",
        ),
        ("sk", "1 zástupca za mesto Tokorozawa", "3 zástupcovia za mesto Tokorozawa"),
        ("ja", "所沢市の代表者1名", "所沢市の代表者3名"),
    ],
    ids=["en", "sk", "ja"],
)
def test_representatives(lang: str, one: str, three: str) -> None:
    t = Translator(lang)
    organisation = {"en": "City of Tokorozawa", "sk": "mesto Tokorozawa", "ja": "所沢市"}[lang]
    assert t.ngettext(*REPRESENTATIVES, 1).format(count=1, organisation=organisation) == one
    assert t.ngettext(*REPRESENTATIVES, 3).format(count=3, organisation=organisation) == three
    if lang == "en":
        assert t.ngettext(*REPRESENTATIVES, 1) != t.ngettext(*REPRESENTATIVES, 2)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "15 October 2018"), ("sk", "15. októbra 2018"), ("ja", "2018年10月15日")],
)
def test_date(lang: str, expected: str) -> None:
    assert Translator(lang).date(date(2018, 10, 15)) == expected


@pytest.mark.parametrize(
    ("lang", "start", "end", "expected"),
    [
        ("en", date(2018, 10, 15), date(2018, 10, 17), "15–17 October 2018"),
        ("sk", date(2018, 10, 15), date(2018, 10, 17), "15. – 17. októbra 2018"),
        ("ja", date(2018, 10, 15), date(2018, 10, 17), "2018年10月15日～17日"),
        ("en", date(2019, 10, 30), date(2019, 11, 2), "30 October 2019 – 2 November 2019"),
        ("sk", date(2019, 10, 30), date(2019, 11, 2), "30. októbra 2019 – 2. novembra 2019"),
        ("ja", date(2019, 10, 30), date(2019, 11, 2), "2019年10月30日～2019年11月2日"),
        ("sk", date(2018, 10, 15), None, "15. októbra 2018"),
        ("ja", date(2018, 10, 15), date(2018, 10, 15), "2018年10月15日"),
    ],
    ids=[
        "en-one-month",
        "sk-one-month",
        "ja-one-month",
        "en-two-months",
        "sk-two-months",
        "ja-two-months",
        "sk-open-ended",
        "ja-one-day",
    ],
)
def test_period(lang: str, start: date, end: date | None, expected: str) -> None:
    assert Translator(lang).period(start, end) == expected


def test_catalogs_are_compiled_once_per_language() -> None:
    sk = _translations("sk", LOCALE_DIR)
    before = _translations.cache_info()
    for _ in range(3):
        Translator("sk").gettext("today")
        Translator("sk").ngettext(*REPRESENTATIVES, 2)
    assert _translations("sk", LOCALE_DIR) is sk
    assert _translations.cache_info().misses == before.misses
    assert _translations("ja", LOCALE_DIR) is not sk


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menus_fit_telegram_limits(lang: str) -> None:
    # Telegram rejects longer texts in setMyCommands, setMyDescription, setMyShortDescription.
    t = Translator(lang)
    assert all(1 <= len(c.description) <= 256 for c in commands(t))
    assert len(description(t)) <= 512
    assert len(short_description(t)) <= 120
