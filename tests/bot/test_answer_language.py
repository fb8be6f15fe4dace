"""The language of an answer: the question's when it can be told, else the asker's own."""

from __future__ import annotations

import pytest

from bot.db.models import QuestionLog
from bot.i18n import Translator
from bot.kb.render import render_fact
from tests.bot.harness import NOW, Harness, rows

# Short questions whose language cannot be told: names, or words typed alike in English and
# Slovak ("partner", "program").
UNTOLD = {
    "kamakura partner": "umea-kamakura.about",
    "Imura": "imura.who",
    "Schreurs": "schreurs.who",
    "program IUC": "iuc.what",
}
# Short questions that are clearly in one language, answered in it whatever the interface.
TOLD = {
    "who is imura": ("en", "imura.who"),
    "kto je imura": ("sk", "imura.who"),
    "イムラ教授は誰": ("ja", "imura.who"),
    "kedy bola podpisana zmluva": ("sk", "bratislava-tokorozawa-agreement.signed"),
    "agreement signed when": ("en", "bratislava-tokorozawa-agreement.signed"),
}


def rendered(bot: Harness, entry: str, lang: str) -> str:
    """The fact's answer as the bot renders it in a language."""
    kb = bot.app.bot_data["services"].qa.kb
    return render_fact(kb, kb.facts[entry], Translator(lang), NOW.date())


@pytest.mark.parametrize("ui", ["en", "sk", "ja"])
async def test_a_question_of_no_clear_language_is_answered_in_the_interface_language(
    bot: Harness, ui: str
) -> None:
    for question, entry in UNTOLD.items():
        [reply] = await bot.send(7, question, lang=ui)
        assert reply.plain == rendered(bot, entry, ui), question
    logs = await rows(bot, QuestionLog)
    assert [(log.entry_id, log.lang) for log in logs] == [(e, ui) for e in UNTOLD.values()]


@pytest.mark.parametrize("ui", ["en", "sk", "ja"])
async def test_a_question_of_clear_language_is_answered_in_it(bot: Harness, ui: str) -> None:
    for question, (lang, entry) in TOLD.items():
        [reply] = await bot.send(7, question, lang=ui)
        assert reply.plain == rendered(bot, entry, lang), (question, ui)


@pytest.mark.parametrize(("telegram", "chosen"), [("en", "sk"), ("sk", "ja"), ("ja", "en")])
async def test_after_language_untold_questions_follow_the_choice(
    bot: Harness, telegram: str, chosen: str
) -> None:
    [menu] = await bot.send(7, "/language", lang=telegram)
    label = {"en": "English", "sk": "Slovenčina", "ja": "日本語"}[chosen]
    await bot.press(7, menu, label, lang=telegram)
    [reply] = await bot.send(7, "kamakura partner", lang=telegram)
    assert reply.plain == rendered(bot, "umea-kamakura.about", chosen)
    # A question clearly in another language is still answered in that language.
    [reply] = await bot.send(7, "kto je imura", lang=telegram)
    assert reply.plain == rendered(bot, "imura.who", "sk")
