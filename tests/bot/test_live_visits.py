""" "When is the next visit?" is answered from the visits in the database, with their buttons."""

from __future__ import annotations

from typing import Any

import pytest

from bot.db.models import QuestionLog
from bot.i18n import Translator
from bot.kb.render import question_text, render_fact
from tests.bot.harness import NOW, Harness, rows, unreachable
from tests.bot.visiting import QUESTION, open_visit
from tests.visits.factory import END, START, TITLES, register

LIVE_FACT = "visits.open"
PLACES_LEFT = {
    "en": "10 places left of 10.",
    "sk": "Zostáva 10 voľných miest z 10.",
    "ja": "残りの枠は10名分です（定員10名）。",
}
FULL = {
    "en": "The visit is full: if you register, you go on the waiting list.",
    "sk": "Návšteva je obsadená: ak sa prihlásite, zaradíme vás na zoznam čakateľov.",
    "ja": "この訪問は満員です。お申し込みいただくと、キャンセル待ちとなります。",
}
DEADLINE = {  # the day's last minute in the host city, and in the partner city
    "en": "Registration is open until 1 May 2027 (23:59 in Tokyo / 16:59 in Bratislava).",
    "sk": "Prihlásiť sa môžete do 1. mája 2027 (23:59 v Tokiu, 16:59 v Bratislave).",
    "ja": "申込締切は2027年5月1日（東京 23:59、ブラチスラバ 16:59）です。",
}
REGISTER = {"en": "Register: ", "sk": "Prihlásiť sa: ", "ja": "申し込む："}
WAITING = {"en": "Waiting list: ", "sk": "Zoznam čakateľov: ", "ja": "キャンセル待ち："}
NONE_OPEN = {
    "en": "No visit is open for registration right now.",
    "sk": "Momentálne nie je otvorená registrácia na žiadnu návštevu.",
    "ja": "現在、登録を受け付けている訪問はありません。",
}


def ask_next_visit(bot: Harness, lang: str) -> str:
    """A question the knowledge base answers with the live fact, in the language."""
    kb = bot.app.bot_data["services"].qa.kb
    return question_text(kb.facts[LIVE_FACT], lang)


async def live_reply(bot: Harness, lang: str) -> Any:
    """Asks for the next visit; the bot's one reply."""
    [reply] = await bot.send(7, ask_next_visit(bot, lang), lang=lang)
    [log] = await rows(bot, QuestionLog)
    assert (log.entry_id, log.outcome) == (LIVE_FACT, "answered")
    return reply


def labels(bot: Harness, reply: Any) -> list[str]:
    """The reply's button labels."""
    return [text for text, _ in bot.api.buttons(reply)]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_an_open_visit_is_listed_with_a_button_that_registers(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot)
    reply = await live_reply(bot, lang)
    assert TITLES[lang] in reply.plain
    assert Translator(lang).period(START, END) in reply.plain
    assert PLACES_LEFT[lang] in reply.plain
    assert DEADLINE[lang] in reply.plain
    assert labels(bot, reply)[0] == REGISTER[lang] + TITLES[lang]
    assert bot.api.buttons(reply)[0][1] == f"rv:{visit.id}"
    assert len(labels(bot, reply)) == 3  # and the two feedback buttons
    # The button starts the registration for that visit, as its link would.
    replies = await bot.press(7, reply, REGISTER[lang], lang=lang)
    assert QUESTION["full_name"][lang] in replies[-1].plain


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_full_visit_says_registering_joins_the_waiting_list(
    bot: Harness, lang: str
) -> None:
    visit = await open_visit(bot, capacity=1)
    await register(bot.app.bot_data["services"].sessions, visit.id, 100, NOW)
    reply = await live_reply(bot, lang)
    assert TITLES[lang] in reply.plain
    assert FULL[lang] in reply.plain
    assert PLACES_LEFT[lang] not in reply.plain
    assert labels(bot, reply)[0] == WAITING[lang] + TITLES[lang]
    replies = await bot.press(7, reply, WAITING[lang], lang=lang)
    assert QUESTION["full_name"][lang] in replies[-1].plain


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_no_open_visit_says_so_and_offers_the_past_meetings(bot: Harness, lang: str) -> None:
    await open_visit(bot, registration_deadline=NOW.date().replace(day=28))  # closed yesterday
    reply = await live_reply(bot, lang)
    assert NONE_OPEN[lang] in reply.plain
    kb = bot.app.bot_data["services"].qa.kb
    meetings = render_fact(kb, kb.facts["meetings.overview"], Translator(lang), NOW.date())
    assert meetings in reply.plain
    assert TITLES[lang] not in reply.plain
    assert not any(label.startswith(REGISTER[lang]) for label in labels(bot, reply))


async def test_two_open_visits_are_listed_soonest_first(bot: Harness) -> None:
    later = await open_visit(bot, titles={"en": "Later visit"}, start_date=END, end_date=END)
    sooner = await open_visit(bot)
    reply = await live_reply(bot, "en")
    assert "2 visits are open for registration:" in reply.plain
    assert reply.plain.index(TITLES["en"]) < reply.plain.index("Later visit")
    data = [d for _, d in bot.api.buttons(reply)]
    assert data[:2] == [f"rv:{sooner.id}", f"rv:{later.id}"]


async def test_a_visit_button_of_a_visit_gone_says_so(bot: Harness) -> None:
    visit = await open_visit(bot)
    reply = await live_reply(bot, "en")
    async with bot.app.bot_data["services"].sessions.begin() as session:
        from bot.visits import service

        await service.set_visit_status(session, visit.id, "closed", NOW)
    replies = await bot.press(7, reply, REGISTER["en"])
    assert "Registration for this visit is closed." in replies[-1].plain


async def test_in_a_group_the_live_answer_has_no_registration_buttons(bot: Harness) -> None:
    await open_visit(bot)
    question = ask_next_visit(bot, "en")
    username = bot.app.bot.username
    replies = await bot.send(
        7, f"@{username} {question}", chat_id=-100, chat_type="group", title="Delegates"
    )
    [reply] = replies
    assert TITLES["en"] in reply.plain
    assert "send /register" in reply.plain
    assert not any(d.startswith("rv:") for _, d in bot.api.buttons(reply) if d)


async def test_without_the_database_the_live_question_gets_the_facts_own_text(
    bot: Harness,
) -> None:
    await open_visit(bot)
    question = ask_next_visit(bot, "sk")
    async with unreachable(bot):
        [reply] = await bot.send(7, question, lang="sk")
    kb = bot.app.bot_data["services"].qa.kb
    assert reply.plain == render_fact(kb, kb.facts[LIVE_FACT], Translator("sk"), NOW.date())
    assert "/register" in reply.plain


async def test_the_live_fact_picked_among_suggestions_lists_the_visits(bot: Harness) -> None:
    visit = await open_visit(bot)
    qa = bot.app.bot_data["services"].qa
    vague = [q for q in ("date", "when", "meeting") if qa.ask(q, "en").outcome == "suggest"]
    assert vague, "none of the vague questions gets suggestions any more: add one that does"
    [offer] = await bot.send(7, vague[0])
    question_id = bot.api.buttons(offer)[0][1].split(":")[1]  # qp:<question>:<fact>
    # As if the live fact had been among the suggestions (which ones are offered changes as
    # the matcher is tuned): its button carries the question's message id and the fact's id.
    await bot.feed(bot.api.callback_update(7, offer.message_id, f"qp:{question_id}:{LIVE_FACT}"))
    reply = bot.api.messages(7)[-1]
    assert TITLES["en"] in reply.plain
    assert PLACES_LEFT["en"] in reply.plain
    assert bot.api.buttons(reply)[0] == (REGISTER["en"] + TITLES["en"], f"rv:{visit.id}")
