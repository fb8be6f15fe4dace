"""The hand-off loop through the real Application: an asker hands a question to the
coordinators, a coordinator answers it in chat, and turns it into knowledge."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import roles
from bot.config import DEFAULT_KNOWLEDGE_DIR as KNOWLEDGE
from bot.db.models import Draft, Handoff, KbChange, QuestionLog
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.matcher import DECISION
from bot.kb.render import question_text, render_fact
from bot.roles import Role
from tests.bot.harness import NOW, Harness, rows, run_bot

COORDINATOR, ASKER, NEXT = 42, 501, 502
OUT_OF_SCOPE = {
    "en": "is there a bicycle rental near the city hall",
    "sk": "je pri radnici požičovňa bicyklov",
    "ja": "明日のウィーンの天気は？",
}
ASK = {
    "en": "Ask a coordinator",
    "sk": "Opýtať sa koordinátora",
    "ja": "コーディネーターに質問する",
}
PASSED = {
    "en": "Thank you. I have passed your question to the programme coordinators",
    "sk": "Ďakujem. Vašu otázku som odovzdal koordinátorom programu",
    "ja": "ご質問をプログラムのコーディネーターにお伝えしました",
}
ANSWERED = {
    "en": "A coordinator answered your question:",
    "sk": "Koordinátor odpovedal na vašu otázku:",
    "ja": "コーディネーターがご質問に回答しました。",
}
FOUND = {
    "en": "A coordinator found the answer to your question:",
    "sk": "Koordinátor našiel odpoveď na vašu otázku:",
    "ja": "コーディネーターがご質問の答えを見つけました。",
}
REFUSAL = "Sorry, only the programme coordinators can do this."


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot with user 42 as its coordinator, who has written to it in English."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        await harness.send(COORDINATOR, "/start", lang="en")
        yield harness


async def hand_off(bot: Harness, user: int, lang: str) -> None:
    """The user asks what the bot does not know and presses "Ask a coordinator"."""
    [reply] = await bot.send(user, OUT_OF_SCOPE[lang], lang=lang)
    passed = await bot.press(user, reply, ASK[lang], lang=lang)
    assert PASSED[lang] in passed[-1].plain


def services(bot: Harness):
    return bot.app.bot_data["services"]


async def test_a_slovak_question_answered_in_english_reaches_the_asker(bot: Harness) -> None:
    before = len(bot.api.messages(COORDINATOR))
    [reply] = await bot.send(ASKER, OUT_OF_SCOPE["sk"], lang="sk")
    # The "I don't know" offers a coordinator, not a department without an address.
    assert "stlačte „Opýtať sa koordinátora“" in reply.plain
    assert "Oddelenie stratégie" not in reply.plain
    [passed] = await bot.press(ASKER, reply, ASK["sk"], lang="sk")
    assert "koordinátor vám odpovie tu" in passed.plain
    assert bot.api.buttons(bot.api.messages(ASKER)[0]) == []  # pressed once, then gone
    # The coordinator is told at once, in English, with the question and its language.
    [notice] = bot.api.messages(COORDINATOR)[before:]
    [handoff] = await rows(bot, Handoff)
    head = f"New question for the coordinators (#{handoff.id}), asked in Slovak:"
    assert notice.plain.startswith(head)
    assert OUT_OF_SCOPE["sk"] in notice.plain
    [prompt] = await bot.press(COORDINATOR, notice, "Answer")
    assert f"answer to question #{handoff.id}" in prompt.plain
    answer = "Yes: <Bikes> & more at Primaciálne nám. 1"
    [done] = await bot.send(COORDINATOR, answer)
    assert f"Your answer to #{handoff.id} was sent" in done.plain
    delivered = bot.api.messages(ASKER)[-1]
    assert delivered.plain == f"{ANSWERED['sk']}\n{OUT_OF_SCOPE['sk']}\n{answer}"
    assert [e["type"] for e in delivered.entities] == ["blockquote"]
    [stored] = await rows(bot, Handoff)
    assert (stored.status, stored.answer, stored.answered_by) == ("answered", answer, COORDINATOR)
    assert await rows(bot, Draft) == []
    # Others see it answered: no longer in /review, and Answer refuses.
    [listing] = await bot.send(COORDINATOR, "/review")
    assert listing.plain == "There are no open questions. Thank you!"
    await bot.press(COORDINATOR, notice, "Answer")
    assert bot.api.callback_answers[-1]["text"] == "This question has been answered already."


async def test_an_alternate_answers_the_next_asker_directly(bot: Harness) -> None:
    question = "what day did the two mayors autograph the pact"
    [reply] = await bot.send(ASKER, question)
    assert ASK["en"] in str(bot.api.buttons(reply)), reply.plain
    await bot.press(ASKER, reply, ASK["en"])
    notice = bot.api.messages(COORDINATOR)[-1]
    [offer] = await bot.press(COORDINATOR, notice, "Phrasing of a fact")
    labels = [label for label, _ in bot.api.buttons(offer)]
    signed = next(label for label in labels if "signed" in label)
    [done] = await bot.press(COORDINATOR, offer, signed)
    assert done.plain.startswith(f"From now on the bot answers “{question}”")
    assert "The asker has been sent this answer." in done.plain
    found = bot.api.messages(ASKER)[-1]
    assert found.plain.startswith(FOUND["en"] + "\n" + question + "\n")
    [change] = await rows(bot, KbChange)
    assert (change.kind, change.lang, change.question) == ("alternate", "en", question)
    # The next person asking it gets the answer itself, with no hand-off.
    [direct] = await bot.send(NEXT, question)
    assert direct.plain == found.plain.split("\n", 2)[2]
    [logged] = [q for q in await rows(bot, QuestionLog) if q.telegram_id == NEXT]
    assert (logged.outcome, logged.entry_id) == ("answered", change.entry_id)


async def test_a_new_fact_with_languages_left_out(bot: Harness) -> None:
    await hand_off(bot, ASKER, "ja")
    notice = bot.api.messages(COORDINATOR)[-1]
    assert "asked in Japanese" in notice.plain
    [first] = await bot.press(COORDINATOR, notice, "New fact")
    assert "please type its answer in Japanese" in first.plain  # the asker's language first
    [second] = await bot.press(COORDINATOR, first, "Skip this language")
    assert "in English" in second.plain
    text = "There is no bicycle rental {near} the city hall that we know of."
    [third] = await bot.send(COORDINATOR, text)
    assert "in Slovak" in third.plain
    [done] = await bot.press(COORDINATOR, third, "Skip this language")
    assert f"from now on the bot answers “{OUT_OF_SCOPE['ja']}” with it" in done.plain
    assert "Left out: Slovak and Japanese. Readers of those get the text in English" in done.plain
    assert "The asker has been sent this answer." in done.plain
    # The Japanese asker: a Japanese frame, the English text (braces typed stay braces).
    found = bot.api.messages(ASKER)[-1]
    assert found.plain == f"{FOUND['ja']}\n{OUT_OF_SCOPE['ja']}\n{text}"
    [change] = await rows(bot, KbChange)
    template = text.replace("{", "{{").replace("}", "}}")
    assert (change.kind, change.lang, change.texts) == ("fact", "ja", {"en": template})
    [direct] = await bot.send(NEXT, OUT_OF_SCOPE["ja"], lang="ja")
    assert direct.plain == text
    # Made a fact once only.
    await bot.press(COORDINATOR, notice, "New fact")
    handoff = (await rows(bot, Handoff))[0]
    assert bot.api.callback_answers[-1]["text"] == f"Question #{handoff.id} is a fact already."


async def test_a_fact_needs_one_language_at_least(bot: Harness) -> None:
    await hand_off(bot, ASKER, "en")
    prompt = await bot.press(COORDINATOR, bot.api.messages(COORDINATOR)[-1], "New fact")
    for _ in range(3):
        prompt = await bot.press(COORDINATOR, prompt[-1], "Skip this language")
    assert "A new fact needs its answer in at least one language." in prompt[0].plain
    assert "please type its answer in English" in prompt[-1].plain
    assert await rows(bot, KbChange) == []


async def test_two_processes_on_one_database_see_a_new_fact(
    bot: Harness, database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa) as other:
        [before] = await other.send(NEXT, OUT_OF_SCOPE["en"])
        assert ASK["en"] in str(other.api.buttons(before))
        await hand_off(bot, ASKER, "en")
        await bot.press(COORDINATOR, bot.api.messages(COORDINATOR)[-1], "New fact")
        prompt = await bot.send(COORDINATOR, "No rental is known near the city hall.")
        for _ in range(2):  # no Slovak, no Japanese
            prompt = await bot.press(COORDINATOR, prompt[-1], "Skip this language")
        # The other process checks the knowledge version every few seconds; here at once.
        other_services = other.app.bot_data["services"]
        await other_services.knowledge.refresh(other_services.sessions)
        [after] = await other.send(NEXT + 1, OUT_OF_SCOPE["en"])
        assert after.plain == "No rental is known near the city hall."
        # Nothing changed since: no rebuild.
        assert not await other_services.knowledge.refresh(other_services.sessions)


async def test_review_groups_similar_questions_oldest_first(bot: Harness) -> None:
    await hand_off(bot, ASKER, "en")
    await hand_off(bot, 601, "sk")
    [reply] = await bot.send(602, "Is there a bicycle rental near the city hall?")
    await bot.press(602, reply, ASK["en"])
    [listing] = await bot.send(COORDINATOR, "/review")
    ids = [h.id for h in await rows(bot, Handoff)]
    assert listing.plain.startswith("3 open questions, oldest first")
    first, second = listing.plain.split("\n\n")[1:]
    assert f"#{ids[0]}" in first
    assert f"#{ids[2]}" in first
    assert f"#{ids[1]}" in second
    labels = [label for label, _ in bot.api.buttons(listing)]
    assert [label.split(":")[0] for label in labels] == [f"#{ids[0]}", f"#{ids[2]}", f"#{ids[1]}"]
    [card] = await bot.press(COORDINATOR, listing, f"#{ids[1]}")
    assert card.plain.startswith(f"Question #{ids[1]}, asked in Slovak on ")
    assert [label for label, _ in bot.api.buttons(card)] == [
        "Answer",
        "Phrasing of a fact",
        "New fact",
    ]


async def test_cancel_while_answering_sends_nothing(bot: Harness) -> None:
    await hand_off(bot, ASKER, "en")
    await bot.press(COORDINATOR, bot.api.messages(COORDINATOR)[-1], "Answer")
    [cancelled] = await bot.send(COORDINATOR, "/cancel")
    assert cancelled.plain == "Cancelled: nothing was sent or saved."
    asker_before = len(bot.api.messages(ASKER))
    [reply] = await bot.send(COORDINATOR, "when was the agreement signed")
    assert "signed" in reply.plain  # a question again, not an answer
    assert len(bot.api.messages(ASKER)) == asker_before
    [handoff] = await rows(bot, Handoff)
    assert handoff.status == "open"


async def test_pressing_twice_hands_off_once(bot: Harness) -> None:
    [reply] = await bot.send(ASKER, OUT_OF_SCOPE["en"])
    [(_, data)] = bot.api.buttons(reply)
    await bot.press(ASKER, reply, ASK["en"])
    # A second tap (another device, or before the button went away) queues nothing more.
    await bot.feed(bot.api.callback_update(ASKER, reply.message_id, data))
    assert "You have passed this question on already" in bot.api.messages(ASKER)[-1].plain
    assert len(await rows(bot, Handoff)) == 1


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_delegates_are_refused_review_reload_and_the_buttons(
    bot: Harness, lang: str
) -> None:
    await hand_off(bot, ASKER, "en")
    refusal = {
        "en": REFUSAL,
        "sk": "Prepáčte, toto môžu robiť len koordinátori programu.",
        "ja": "申し訳ありませんが、この操作はプログラムのコーディネーターのみが行えます。",
    }[lang]
    for command in ("/review", "/reload"):
        [reply] = await bot.send(NEXT, command, lang=lang)
        assert reply.plain == refusal
    [handoff] = await rows(bot, Handoff)
    [menu] = await bot.send(NEXT, "/language", lang=lang)
    for forged in ("a", "l", "f", "s", "c", "p"):
        data = f"hq:{forged}:{handoff.id}" + (":0" if forged == "p" else "")
        await bot.feed(bot.api.callback_update(NEXT, menu.message_id, data, language_code=lang))
        assert bot.api.callback_answers[-1]["text"] == refusal
    [stored] = await rows(bot, Handoff)
    assert stored.status == "open"
    assert await rows(bot, KbChange) == []
    assert await rows(bot, Draft) == []


async def test_reload_keeps_the_old_knowledge_when_a_file_is_broken(
    database_url: str, qa: QuestionAnswerer, tmp_path: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    faq = knowledge / "faq.yaml"
    good = faq.read_text(encoding="utf-8")
    new_phrasing = "did the partner cities ever sit at one table"
    settings = {"coordinator_ids": frozenset({COORDINATOR}), "knowledge_dir": knowledge}
    async with run_bot(database_url, qa, **settings) as bot:
        [unknown] = await bot.send(ASKER, new_phrasing)
        assert "Ask a coordinator" in unknown.plain
        # A curator adds the phrasing, and breaks the file (the mapping opened on line 3 is
        # found unclosed on line 4).
        lines = good.splitlines(keepends=True)
        lines[2] = "    name: [unclosed\n"
        fixed = good.replace(
            "            - What meetings have taken place?\n",
            f"            - What meetings have taken place?\n            - {new_phrasing}\n",
        )
        faq.write_text("".join(lines), encoding="utf-8")
        [refused] = await bot.send(COORDINATOR, "/reload")
        assert refused.plain.startswith("The knowledge files have 2 problems; the bot keeps")
        assert "\nfaq.yaml:4: The YAML syntax is invalid" in refused.plain
        [still] = await bot.send(ASKER, "When was the agreement signed?")
        assert "signed" in still.plain
        faq.write_text(fixed, encoding="utf-8")
        [reloaded] = await bot.send(COORDINATOR, "/reload")
        assert reloaded.plain.startswith("Knowledge reloaded: ")
        [answered] = await bot.send(NEXT, new_phrasing)
        assert "Ask a coordinator" not in answered.plain
        assert answered.plain == (await bot.send(NEXT, "What meetings have taken place?"))[0].plain


async def test_a_coordinator_granted_in_the_bot_is_told_and_answers(bot: Harness) -> None:
    granted = 77  # not in COORDINATOR_IDS
    await bot.send(granted, "/start")
    services = bot.app.bot_data["services"]
    async with services.sessions.begin() as session:
        await roles.grant(
            session,
            granted,
            Role.COORDINATOR,
            by=COORDINATOR,
            now=NOW,
            configured=roles.Configured(frozenset({COORDINATOR})),
        )
    await hand_off(bot, ASKER, "en")
    notice = bot.api.messages(granted)[-1]
    assert notice.plain.startswith("New question for the coordinators")
    # /cancel while answering sends nothing, and what follows is a question again.
    await bot.press(granted, notice, "Answer")
    [cancelled] = await bot.send(granted, "/cancel")
    assert cancelled.plain == "Cancelled: nothing was sent or saved."
    [question] = await bot.send(granted, "When was the agreement signed?")
    assert "signed" in question.plain
    await bot.press(granted, notice, "Answer")
    [done] = await bot.send(granted, "We will look into bicycles.")
    assert "was sent" in done.plain
    assert bot.api.messages(ASKER)[-1].plain.endswith("\nWe will look into bicycles.")


MYDATA = {
    "en": [
        "Roles given in the bot\nYour role: staff\nGiven on: ",
        "1 question you passed to the coordinators\n• ",
        "Answer: Yes: <Bikes> & more",
    ],
    "sk": [
        "Roly pridelené v bote\nVaša rola: pracovník programu\nPridelená: ",
        "1 otázka, ktorú ste odovzdali koordinátorom\n• ",
        "Odpoveď: Yes: <Bikes> & more",
    ],
    "ja": [
        "ボットで付与された役割\nお客様の役割: スタッフ\n付与日: ",
        "コーディネーターにお送りいただいたご質問（1件）\n• ",
        "回答: Yes: <Bikes> & more",
    ],
}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_mydata_shows_the_role_and_the_questions_passed_on(bot: Harness, lang: str) -> None:
    await hand_off(bot, ASKER, lang)
    notice = bot.api.messages(COORDINATOR)[-1]
    await bot.press(COORDINATOR, notice, "Answer")
    await bot.send(COORDINATOR, "Yes: <Bikes> & more")
    [question] = await bot.send(COORDINATOR, f"/grant {ASKER}")
    await bot.press(COORDINATOR, question, "Staff")
    *texts, _ = await bot.send(ASKER, "/mydata", lang=lang)
    shown = "\n".join(m.plain for m in texts)
    for expected in MYDATA[lang]:
        assert expected in shown
    assert OUT_OF_SCOPE[lang] in shown.split(MYDATA[lang][1], 1)[1]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_what_the_source_does_not_record_is_said_and_a_coordinator_offered(
    bot: Harness, qa: QuestionAnswerer, lang: str
) -> None:
    # "Who were the four?": the source does not name them. The reply says so (the fact's own
    # text), counts as not answered, and a coordinator, who may know, is one press away.
    fact = qa.kb.facts["meeting-2019-tokorozawa.names"]
    [reply] = await bot.send(ASKER, question_text(fact, lang), lang=lang)
    assert reply.plain == render_fact(qa.kb, fact, Translator(lang), NOW.date())
    assert [label for label, _ in bot.api.buttons(reply)] == [f"🙋 {ASK[lang]}"]
    [logged] = await rows(bot, QuestionLog)
    assert (logged.outcome, logged.entry_id) == ("unknown", fact.id)
    assert logged.confidence < DECISION.answer_at
    [passed] = await bot.press(ASKER, reply, ASK[lang], lang=lang)
    assert PASSED[lang] in passed.plain
    [handoff] = await rows(bot, Handoff)
    assert handoff.text == question_text(fact, lang)
