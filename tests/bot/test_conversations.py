"""Every command and button, in all three languages, through the real Application."""

from __future__ import annotations

import pytest

from bot.db.models import QuestionLog, User
from tests.bot.harness import Harness, rows

GREETING = {"en": "Hello, Ann!", "sk": "Dobrý deň, Ann!", "ja": "Annさん、こんにちは！"}
SIGNED = {
    "en": ("When was the partnership agreement signed?", "15 October 2018"),
    "sk": ("kedy bola podpisana zmluva", "15. októbra 2018"),
    "ja": ("協定はいつ署名されましたか", "2018年10月15日"),
}


UNSURE = {
    "en": ["meeting tokorozawa", "agreement date", "tokorozawa visit", "date", "when"],
    "sk": ["stretnutie tokorozawa", "tokorozawa stretnutie program", "dohoda datum", "kedy"],
}


def unsure(bot: Harness, lang: str) -> str:
    """A question the shipped knowledge answers with suggestions only (it changes as it grows)."""
    qa = bot.app.bot_data["services"].qa
    found = [q for q in UNSURE[lang] if qa.ask(q, lang).outcome == "suggest"]
    assert found, f"none of {UNSURE[lang]} gets suggestions any more: add one that does"
    return found[0]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_start_greets_in_the_users_language(bot: Harness, lang: str) -> None:
    [reply] = await bot.send(7, "/start", lang=lang, first_name="Ann")
    assert GREETING[lang] in reply.plain
    assert "/language" in reply.plain
    [user] = await rows(bot, User)
    assert (user.telegram_id, user.telegram_language) == (7, lang)


async def test_start_with_an_unknown_payload_still_greets(bot: Harness) -> None:
    [reply] = await bot.send(7, "/start visit_999", lang="sk", first_name="Ann")
    assert "Tento odkaz (už) nie je platný" in reply.plain
    assert GREETING["sk"] in reply.plain


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_help_lists_example_questions_in_the_language(bot: Harness, lang: str) -> None:
    [reply] = await bot.send(7, "/help", lang=lang)
    examples = bot.app.bot_data["services"].qa.examples(lang)
    assert len(examples) == 3
    assert all(example in reply.plain for example in examples)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_question_is_answered_in_its_language_with_feedback_buttons(
    bot: Harness, lang: str
) -> None:
    question, date = SIGNED[lang]
    [reply] = await bot.send(7, question, lang="en")
    assert date in reply.plain
    assert reply.parse_mode == "HTML"
    assert len(bot.api.buttons(reply)) == 2
    [log] = await rows(bot, QuestionLog)
    assert (log.entry_id, log.outcome, log.lang) == (
        "bratislava-tokorozawa-agreement.signed",
        "answered",
        lang,
    )


async def test_feedback_is_stored_and_buttons_removed(bot: Harness) -> None:
    [reply] = await bot.send(7, SIGNED["en"][0])
    await bot.press(7, reply, "Not helpful")
    [log] = await rows(bot, QuestionLog)
    assert log.feedback == "not_helpful"
    assert bot.api.buttons(bot.api.messages(7)[-1]) == []
    assert bot.api.callback_answers[-1]["text"] == "Thank you for your feedback!"


async def test_unsure_question_offers_suggestions_and_a_pick_answers(bot: Harness) -> None:
    [reply] = await bot.send(7, unsure(bot, "en"), lang="en")
    labels = [text for text, _ in bot.api.buttons(reply)]
    assert labels[-1] == "None of these"
    assert len(labels) >= 3
    [answer] = await bot.press(7, reply, labels[0])
    assert answer.plain == bot.app.bot_data["services"].qa.ask(labels[0], "en").text
    [log] = await rows(bot, QuestionLog)
    assert log.outcome == "answered"
    assert log.entry_id is not None


async def test_none_of_these_records_the_miss_and_offers_a_coordinator(bot: Harness) -> None:
    [reply] = await bot.send(7, unsure(bot, "sk"), lang="sk")
    await bot.press(7, reply, "Žiadna z nich", lang="sk")
    edited = bot.api.messages(7)[-1]
    assert "stlačte „Opýtať sa koordinátora“" in edited.plain
    assert [text for text, _ in bot.api.buttons(edited)] == ["🙋 Opýtať sa koordinátora"]
    [log] = await rows(bot, QuestionLog)
    assert log.outcome == "none_of_these"


@pytest.mark.parametrize(
    ("lang", "question", "phrase"),
    [
        ("en", "what is the weather in Vienna tomorrow", "Ask a coordinator"),
        ("sk", "aké bude zajtra počasie vo Viedni", "Opýtať sa koordinátora"),
        ("ja", "明日のウィーンの天気は？", "コーディネーターに質問する"),
    ],
)
async def test_out_of_scope_gets_an_honest_answer(
    bot: Harness, lang: str, question: str, phrase: str
) -> None:
    [reply] = await bot.send(7, question, lang=lang)
    assert phrase in reply.plain  # a person can answer it: no dead end
    assert [text for text, _ in bot.api.buttons(reply)] == ["🙋 " + phrase]
    [log] = await rows(bot, QuestionLog)
    assert log.outcome == "unknown"


@pytest.mark.parametrize(
    ("choice", "confirm"),
    [
        ("Slovenčina", "po slovensky"),
        ("日本語", "日本語"),
        ("English", "English"),
    ],
)
async def test_language_choice_is_stored_and_overrides_telegram(
    bot: Harness, choice: str, confirm: str
) -> None:
    [menu] = await bot.send(7, "/language", lang="en")
    assert [t for t, _ in bot.api.buttons(menu)] == ["English", "Slovenčina", "日本語"]
    await bot.press(7, menu, choice)
    assert confirm in bot.api.messages(7)[-1].plain
    [user] = await rows(bot, User)
    assert user.language == {"Slovenčina": "sk", "日本語": "ja", "English": "en"}[choice]
    # Telegram still says English; the stored choice wins for interface text.
    [reply] = await bot.send(7, "/help", lang="en")
    examples = bot.app.bot_data["services"].qa.examples(user.language)
    assert examples[0] in reply.plain


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Cancelled."),
        ("sk", "Zrušené."),
        ("ja", "キャンセルしました。"),
    ],
)
async def test_cancel_confirms(bot: Harness, lang: str, text: str) -> None:
    [reply] = await bot.send(7, "/cancel", lang=lang)
    assert reply.plain.startswith(text)


async def test_missing_language_code_falls_back_to_the_default(bot: Harness) -> None:
    [reply] = await bot.send(7, "/help", lang=None)
    assert "For example" in reply.plain


async def test_menus_and_descriptions_are_set_per_language(bot: Harness) -> None:
    for lang, word in (("en", "Choose your language"), ("sk", "jazyk"), ("ja", "言語")):
        commands = dict(bot.api.commands(language_code=lang))
        assert set(commands) == {
            *("start", "help", "language", "cancel"),
            *("register", "myvisits", "mydata", "forget_me"),
            *("subscribe", "unsubscribe"),
        }
        assert word in commands["language"]
        assert bot.api.description(lang)
        assert bot.api.short_description(lang)
    assert dict(bot.api.commands())["help"] == "What I can do"
    assert "Bratislavy a Tokorozawy" in bot.api.description("sk")
    assert bot.api.description("ja") != bot.api.description("en")
