"""/broadcast through the real Application: composing per language, audiences, previews."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from bot.db.models import Draft
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.localapi import SentMessage
from tests.bot.harness import NOW, Harness, rows, run_bot
from tests.visits.factory import open_visit, register

COORDINATOR = 42
READERS = {"en": 101, "sk": 102, "ja": 103}  # one delegate per language
TEXTS = {
    "en": "Dear partners, the <b>next visit</b> is open.",
    "sk": "Milí partneri, <b>ďalšia návšteva</b> je otvorená.",
    "ja": "パートナーの皆様、<b>次回の訪問</b>の受付を開始しました。",
}


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator and three delegates who wrote to it."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        for lang, who in READERS.items():
            await harness.send(who, "/start", lang=lang)
        yield harness


def sessions(bot: Harness):
    """The bot's own session factory."""
    return bot.app.bot_data["services"].sessions


def bold(text: str) -> tuple[str, list[dict]]:
    """The text as a Telegram client sends it: <b>…</b> becomes a bold entity."""
    start = text.index("<b>")
    inner = text[start + 3 : text.index("</b>")]
    plain = text.replace("<b>", "").replace("</b>", "")
    offset = len(plain[:start].encode("utf-16-le")) // 2
    length = len(inner.encode("utf-16-le")) // 2
    return plain, [{"type": "bold", "offset": offset, "length": length}]


async def write(bot: Harness, text: str, lang: str) -> SentMessage:
    """The coordinator sends one formatted text; returns the composer shown after it."""
    plain, entities = bold(text)
    [composer] = await bot.send(COORDINATOR, plain, lang=lang, entities=entities)
    return composer


def button(lang: str, msgid: str, context: str = "broadcast button") -> str:
    """A button's label in a language."""
    return Translator(lang).pgettext(context, msgid)


async def choose(bot: Harness, lang: str, *labels: str) -> list[SentMessage]:
    """Presses buttons one after another, each on the latest message; returns the last reply."""
    replies: list[SentMessage] = []
    for label in labels:
        replies = await bot.press(COORDINATOR, bot.api.last_message(COORDINATOR), label, lang=lang)
    return replies


def previews(replies: list[SentMessage]) -> dict[str, SentMessage]:
    """The preview messages after their headers, by the language their header names."""
    names = {"English": "en", "Slovenčina": "sk", "日本語": "ja"}
    found = {}
    for header, shown in itertools.pairwise(replies):
        if header.text and header.text.startswith("<i>") and len(header.plain) < 200:
            first = header.plain.split("\n")[0]
            lang = next(code for name, code in names.items() if name in first)
            found[lang] = shown
    return found


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_broadcast_is_written_in_three_languages_and_previewed(
    bot: Harness, lang: str
) -> None:
    t = Translator(lang)
    [composer] = await bot.send(COORDINATOR, "/broadcast", lang=lang)
    assert t.gettext("New broadcast") in composer.plain
    assert "English, Slovenčina" in composer.plain or "English、Slovenčina" in composer.plain
    # The coordinator's own language comes first, then the missing ones in order.
    order = [lang, *[x for x in ("en", "sk", "ja") if x != lang]]
    for written in order:
        composer = await write(bot, TEXTS[written], lang)
    assert t.gettext("Missing: {languages}").split(":")[0] not in composer.plain
    [menu] = await choose(bot, lang, button(lang, "Next ▶"))
    assert menu.plain == t.gettext("Who should receive the broadcast?")
    replies = await choose(bot, lang, button(lang, "All subscribers", "audience"))
    shown = previews(replies)
    assert set(shown) == {"en", "sk", "ja"}
    for reader, message in shown.items():
        assert message.text == TEXTS[reader]  # the formatting as the coordinator wrote it
    summary = replies[-1]
    # Three delegates and the coordinator, who reads the conversation's language.
    counts = {reader: 1 + (reader == lang) for reader in READERS}
    names = {"en": "English", "sk": "Slovenčina", "ja": "日本語"}
    languages = ", ".join(f"{names[reader]}: {n}" for reader, n in counts.items())
    expected = t.ngettext("{n} recipient ({languages}).", "{n} recipients ({languages}).", 4)
    assert expected.format(n=4, languages=languages) in summary.plain
    assert any(button(lang, "Send") in label for label, _ in bot.api.buttons(summary))


async def test_a_missing_language_needs_a_fallback_chosen(bot: Harness) -> None:
    await bot.send(COORDINATOR, "/broadcast", lang="sk")
    await write(bot, TEXTS["sk"], "sk")
    [question] = await choose(bot, "sk", button("sk", "Next ▶"))
    assert "English a 日本語" in question.plain.replace("\xa0", " ")
    # Only the written language can be chosen.
    assert bot.api.buttons(question)[0][0] == "Slovenčina"
    assert "English" not in [label for label, _ in bot.api.buttons(question)]
    await choose(bot, "sk", "Slovenčina")
    replies = await choose(
        bot, "sk", button("sk", "Readers of one language", "audience"), "日本語"
    )
    shown = previews(replies)
    assert list(shown) == ["ja"]
    assert shown["ja"].text == TEXTS["sk"]
    assert "Slovenčina" in replies[0].plain  # "they get the text in Slovak"


async def test_the_draft_survives_a_restart_and_cancel_ends_it(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as bot:
        await bot.send(COORDINATOR, "/broadcast")
        await write(bot, TEXTS["en"], "en")
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as bot:
        [composer] = await bot.send(COORDINATOR, "/broadcast")
        assert "Written: English" in composer.plain
        [done] = await bot.send(COORDINATOR, "/cancel")
        assert done.plain == "Cancelled: the broadcast was not sent."
        assert await rows(bot, Draft) == []
        # The text after it is a question again.
        [answer] = await bot.send(COORDINATOR, "When was the agreement signed?")
        assert "New broadcast" not in answer.plain


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_delegate_is_refused(bot: Harness, lang: str) -> None:
    who = READERS[lang]
    [reply] = await bot.send(who, "/broadcast", lang=lang)
    assert reply.plain == Translator(lang).gettext(
        "Sorry, only the programme coordinators can do this."
    )
    [menu] = await bot.send(who, "/language", lang=lang)
    for forged in ("bc:next", "bc:a:all", "bc:send", "bc:w:sk"):
        await bot.feed(bot.api.callback_update(who, menu.message_id, forged, language_code=lang))
        assert bot.api.callback_answers[-1]["text"] == reply.plain
    assert await rows(bot, Draft) == []
    # What they type is still a question, not a broadcast text.
    [answer] = await bot.send(who, "Hello <b>all</b>", lang=lang)
    assert "broadcast" not in answer.plain.lower()


async def test_html_looking_and_huge_input(bot: Harness) -> None:
    await bot.send(COORDINATOR, "/broadcast")
    typed = "Use <b>tags</b> & <script>x</script> freely"
    await bot.send(COORDINATOR, typed)  # no entities: the tags are text
    huge = "長" * 4096  # the longest message Telegram delivers
    await bot.send(
        COORDINATOR, huge, lang="en", entities=[{"type": "italic", "offset": 0, "length": 4096}]
    )
    await bot.send(COORDINATOR, "Krátky text.")  # now Japanese is written last
    await choose(bot, "en", "Next ▶")
    replies = await choose(bot, "en", "All subscribers")
    shown = previews(replies)
    assert shown["en"].plain == typed
    assert shown["sk"].plain == huge
    assert shown["sk"].entities == [{"type": "italic", "offset": 0, "length": 4096}]
    assert shown["ja"].plain == "Krátky text."
    # A photo's caption holds 1,024 characters: Next explains, nothing is lost.
    await bot.feed(bot.api.photo_update(COORDINATOR, language_code="en"))
    composer = bot.api.last_message(COORDINATOR)
    assert "at most 1,024 fit" in composer.plain
    await bot.press(COORDINATOR, composer, "Next ▶")
    assert "at most 1,024 fit" in bot.api.callback_answers[-1]["text"]
    await bot.press(COORDINATOR, composer, "Remove the attachment")
    await choose(bot, "en", "Next ▶")
    replies = await choose(bot, "en", "All subscribers")
    assert previews(replies)["sk"].plain == huge


async def test_photo_document_and_registration_button(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW)
    await bot.send(COORDINATOR, "/broadcast")
    await bot.feed(bot.api.photo_update(COORDINATOR, caption="See you in Tokorozawa!"))
    composer = bot.api.last_message(COORDINATOR)
    assert "Attachment: a photo" in composer.plain
    assert "Written: English" in composer.plain
    [visits] = await bot.press(COORDINATOR, composer, "Add a registration button")
    await bot.press(COORDINATOR, visits, "Study visit to Tokorozawa")
    await bot.send(COORDINATOR, "Vidíme sa v Tokorozawe!")
    await bot.send(COORDINATOR, "所沢でお会いしましょう！")
    await choose(bot, "en", "Next ▶")
    shown = previews(await choose(bot, "en", "All subscribers"))
    photo = shown["sk"]
    assert photo.photo
    assert photo.plain == "Vidíme sa v Tokorozawe!"
    [(label, data)] = bot.api.buttons(photo)
    assert label.startswith(Translator("sk").pgettext("button", "Register: {title}")[:5])
    assert data == f"rv:{visit.id}"  # the live answers' button: it starts the registration
    # A document replaces the photo; a caption-less one keeps the texts.
    await bot.feed(bot.api.document_update(COORDINATOR, "programme.pdf", b"%PDF-1.4"))
    assert "Attachment: a document" in bot.api.last_message(COORDINATOR).plain
    await choose(bot, "en", "Next ▶")
    shown = previews(await choose(bot, "en", "All subscribers"))
    assert shown["ja"].is_document
    assert shown["ja"].filename == "programme.pdf"
    assert shown["ja"].plain == "所沢でお会いしましょう！"


async def test_audiences_chosen_by_buttons(bot: Harness) -> None:
    visit = await open_visit(sessions(bot), NOW, capacity=1)
    await register(sessions(bot), visit.id, READERS["sk"], NOW, lang="sk")
    await register(sessions(bot), visit.id, READERS["ja"], NOW, lang="ja")  # waits
    # Unsubscribed: no announcements, but still the news of the visit registered for.
    [reply] = await bot.send(READERS["ja"], "/unsubscribe", lang="ja")
    assert "/subscribe" in reply.plain
    await bot.send(COORDINATOR, "/broadcast")
    await write(bot, TEXTS["en"], "en")
    await choose(bot, "en", "Next ▶", "English")

    async def reached(*labels: str) -> set[str]:
        await choose(bot, "en", "◀ Back", "Next ▶")  # the fallback stays chosen
        return set(previews(await choose(bot, "en", *labels)))

    assert await reached("All subscribers") == {"en", "sk"}
    assert await reached("Registrants of a visit", "Study visit", "Everybody registered") == {
        "sk",
        "ja",
    }
    assert await reached("Registrants of a visit", "Study visit", "Confirmed") == {"sk"}
    assert await reached("Waiting list of a visit", "Study visit") == {"ja"}
    assert await reached("Readers of one language", "Slovenčina") == {"sk"}
    # Nobody offered a place: the coordinator chooses again.
    await choose(bot, "en", "◀ Back", "Next ▶")
    replies = await choose(bot, "en", "Registrants of a visit", "Study visit", "Offered a place")
    assert replies[-1].plain == "Nobody is in this audience. Please choose another."
    await bot.send(READERS["ja"], "/subscribe", lang="ja")
    assert await reached("All subscribers") == {"en", "sk", "ja"}


async def test_one_role_as_the_audience(database_url: str, qa: QuestionAnswerer) -> None:
    staff = READERS["sk"]
    async with run_bot(
        database_url, qa, coordinator_ids=frozenset({COORDINATOR}), staff_ids=frozenset({staff})
    ) as bot:
        for lang, who in READERS.items():
            await bot.send(who, "/start", lang=lang)
        await bot.send(COORDINATOR, "/broadcast")
        await write(bot, TEXTS["en"], "en")
        await choose(bot, "en", "Next ▶", "English", "People with one role")
        assert [label for label, _ in bot.api.buttons(bot.api.last_message(COORDINATOR))][:3] == [
            "Delegates",
            "Staff",
            "Coordinators",
        ]
        shown = previews(await choose(bot, "en", "Staff"))
        assert list(shown) == ["sk"]
        assert "Subscribers with the role: Staff" in bot.api.last_message(COORDINATOR).plain
        await choose(bot, "en", "◀ Back", "Next ▶", "People with one role")
        assert set(previews(await choose(bot, "en", "Delegates"))) == {"en", "ja"}
