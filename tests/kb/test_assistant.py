"""The bot's own records (knowledge/assistant.yaml) name real commands and answer small talk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.kb.answer import QuestionAnswerer
from bot.kb.model import KnowledgeBase

APP = (Path(__file__).resolve().parents[2] / "bot" / "app.py").read_text(encoding="utf-8")
# Commands registered in bot/app.py: CommandHandler("x", …) and the ("x", handler) tables.
COMMANDS = set(re.findall(r'CommandHandler\(\s*"(\w+)"', APP)) | set(
    re.findall(r'\(\s*"(\w+)",\s*\w+\.\w+\s*\)', APP)
)


def test_the_commands_were_found() -> None:
    assert {"help", "language", "register", "myvisits", "mydata", "forget_me"} <= COMMANDS


def test_every_command_named_exists(kb: KnowledgeBase) -> None:
    for fact in kb.facts.values():
        if kb.records[fact.record].collection != "assistant":
            continue
        for lang, text in fact.text.items():
            named = set(re.findall(r"/(\w+)", text))
            assert named, f"{fact.id} ({lang}) names no command"
            assert named <= COMMANDS, f"{fact.id} ({lang}): {named - COMMANDS}"
            # The command shown beside the fact as a suggestion is one its answer names.
            assert fact.command in named, f"{fact.id} ({lang}): command {fact.command}"


@pytest.mark.parametrize(
    ("question", "asker", "lang", "entry"),
    [
        # Asked by an English user, in another language: the reply is in the question's.
        ("hey", "en", "en", "assistant.hello"),
        ("Dobrý deň", "en", "sk", "assistant.hello"),
        ("こんばんは", "en", "ja", "assistant.hello"),
        ("thank you!", "en", "en", "assistant.thanks"),
        ("ďakujeme", "en", "sk", "assistant.thanks"),
        ("どうもありがとう", "en", "ja", "assistant.thanks"),
        # どうも alone is a casual hello; with ありがとう, thanks.
        ("どうも！", "en", "ja", "assistant.hello"),
        ("goodbye", "en", "en", "assistant.bye"),
        ("dovidenia", "en", "sk", "assistant.bye"),
        # "good" alone is not "goodbye" (a prefix that Slovak inflection reads as the word).
        ("how are you", "en", "en", "assistant.hello"),
        ("how is it going, bot?", "en", "en", "assistant.hello"),
        ("ako sa darí?", "en", "sk", "assistant.hello"),
        ("さようなら", "en", "ja", "assistant.bye"),
        # Asked in the asker's own language (some too short to tell it: "ok", "great").
        # A greeting with an introduction is a greeting.
        ("Good morning, I'm Eva from the mayor's office", "en", "en", "assistant.hello"),
        ("Ahoj, volám sa Eva a pracujem na magistráte", "sk", "sk", "assistant.hello"),
        ("こんにちは、国際課の佐藤です", "ja", "ja", "assistant.hello"),
        # An acknowledgement gets a short reply.
        ("alright", "en", "en", "assistant.okay"),
        ("great", "en", "en", "assistant.okay"),
        ("rozumiem", "sk", "sk", "assistant.okay"),
        ("わかった", "ja", "ja", "assistant.okay"),
        ("すごい", "ja", "ja", "assistant.okay"),
        ("ok", "sk", "sk", "assistant.okay"),
        # The help asked for by name.
        ("ヘルプを見せて", "ja", "ja", "assistant.help"),
        ("ukáž mi nápovedu", "sk", "sk", "assistant.help"),
        ("help menu", "en", "en", "assistant.help"),
    ],
)
def test_small_talk_gets_a_friendly_reply(
    kb: KnowledgeBase, question: str, asker: str, lang: str, entry: str
) -> None:
    answer = QuestionAnswerer(kb).ask(question, asker)
    assert (answer.entry, answer.lang) == (entry, lang)
    assert "/help" in answer.text


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("who are you?", "assistant.who"),
        ("kto si ty", "assistant.who"),
        ("あなたはどなたですか", "assistant.who"),
        ("kto si?", "assistant.who"),
        # The bot addressed and named: about the bot, not the main fact of its name (/help).
        ("are you a bot?", "assistant.who"),
        ("あなたはボットですか", "assistant.who"),
        # "you" counts only when nothing else is asked: these are about other things.
        (
            "can you tell me when the agreement was signed",
            "bratislava-tokorozawa-agreement.signed",
        ),
        ("do you know who prof imura is", "imura.who"),
    ],
)
def test_the_bot_addressed_is_asked_about_only_when_nothing_else_is(
    kb: KnowledgeBase, question: str, entry: str
) -> None:
    assert QuestionAnswerer(kb).ask(question, "en").entry == entry


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("hi, how do I register for a visit?", "assistant.register"),
        ("hello, when was the agreement signed", "bratislava-tokorozawa-agreement.signed"),
        ("ahoj, kedy bola podpísaná zmluva?", "bratislava-tokorozawa-agreement.signed"),
        ("こんにちは、協定はいつ署名されましたか", "bratislava-tokorozawa-agreement.signed"),
        ("thanks! and who is prof. Imura?", "imura.who"),
        # Small talk alone, or with the bot's name, is still small talk.
        ("hi bot", "assistant.hello"),
        ("thanks, that helped a lot", "assistant.thanks"),
        ("how are you", "assistant.hello"),
    ],
)
def test_a_greeting_before_a_question_does_not_hide_it(
    kb: KnowledgeBase, question: str, entry: str
) -> None:
    assert QuestionAnswerer(kb).ask(question, "en").entry == entry


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("please unsubscribe me from the news", "en"),
        ("chcem zrušiť odber oznámení", "sk"),
        # "連絡" is being contacted here, not a contact asked for.
        ("配信停止してください。もう連絡いらないです", "ja"),
    ],
)
def test_stopping_the_announcements_names_unsubscribe_and_forget_me(
    kb: KnowledgeBase, question: str, lang: str
) -> None:
    answer = QuestionAnswerer(kb).ask(question, "en")
    assert (answer.entry, answer.lang) == ("assistant.announcements", lang)
    assert "/unsubscribe" in answer.text
    assert "/forget_me" in answer.text


def test_a_kanji_bigram_across_two_known_words_is_no_word(kb: KnowledgeBase) -> None:
    # 登録一覧 is 登録 and 一覧; its middle bigram 録一 is no word that weighs against a fact.
    assert QuestionAnswerer(kb).ask("登録一覧みたい", "ja").entry == "assistant.myvisits"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # Not coming after all is a registration to withdraw, however it is said.
        ("sorry, I cannot attend after all", "assistant.myvisits"),
        ("nestihnem prísť na návštevu", "assistant.myvisits"),
        # A short or misspelt word for the language.
        ("lang settings", "assistant.language"),
        ("ako zmenit jazik?", "assistant.language"),
        ("元気？", "assistant.hello"),
    ],
)
def test_the_bot_is_asked_in_everyday_words(kb: KnowledgeBase, question: str, entry: str) -> None:
    assert QuestionAnswerer(kb).ask(question, "en").entry == entry


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("I forgot which date I registered for", "en"),
        ("zabudol som, na ktorý termín som sa prihlásil", "sk"),
    ],
)
def test_having_forgotten_is_not_asking_to_be_forgotten(
    kb: KnowledgeBase, question: str, lang: str
) -> None:
    # "Forget me" erases one's data; "I forgot which date" asks for one's registrations.
    assert QuestionAnswerer(kb).ask(question, lang).entry == "assistant.myvisits"


def test_forget_me_asks_to_be_forgotten(kb: KnowledgeBase) -> None:
    assert QuestionAnswerer(kb).ask("forget me, please", "en").entry == "assistant.forget"
