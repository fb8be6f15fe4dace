""" "I don't know" is no dead end: it shows questions the bot answers and offers a coordinator
(in a group, where no button can bring the answer back, it names the unit to ask)."""

from __future__ import annotations

import pytest

from bot.db.models import QuestionLog
from tests.bot.harness import Harness, rows

OUT_OF_SCOPE = {
    "en": "what is the weather in Vienna tomorrow",
    "sk": "aké bude zajtra počasie vo Viedni",
    "ja": "明日のウィーンの天気は？",
}
HEAD = {
    "en": "I don't know the answer to that.",
    "sk": "Odpoveď na túto otázku nepoznám.",
    "ja": "そのご質問の答えはわかりかねます",
}
EXAMPLES = {
    "en": "I can answer questions like these:",
    "sk": "Viem odpovedať napríklad na takéto otázky:",
    "ja": "次のようなご質問にお答えできます",
}
HANDOFF = {
    "en": "If you would like a person to answer, press “Ask a coordinator”",
    "sk": "Ak chcete odpoveď od človeka, stlačte „Opýtať sa koordinátora“",
    "ja": "「コーディネーターに質問する」を押してください",
}
ASK = {
    "en": "Ask a coordinator",
    "sk": "Opýtať sa koordinátora",
    "ja": "コーディネーターに質問する",
}
UNIT = {
    "en": "please turn to the Department of Strategy and Projects of the City of Bratislava.",
    "sk": "obráťte sa, prosím, na Oddelenie stratégie a projektov (hlavné mesto SR Bratislava).",
    "ja": "ブラチスラバ市の戦略・プロジェクト部までご連絡ください。",
}


def example_questions(text: str) -> list[str]:
    """The bulleted example questions of a reply."""
    return [line.removeprefix("• ") for line in text.splitlines() if line.startswith("• ")]


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_dont_know_shows_answerable_examples_and_a_coordinator(
    bot: Harness, lang: str
) -> None:
    [reply] = await bot.send(7, OUT_OF_SCOPE[lang], lang=lang)
    assert HEAD[lang] in reply.plain
    assert EXAMPLES[lang] in reply.plain
    # A department without an address was a dead end: a coordinator answers through the bot.
    assert HANDOFF[lang] in reply.plain
    assert UNIT[lang] not in reply.plain
    assert [label for label, _ in bot.api.buttons(reply)] == ["🙋 " + ASK[lang]]
    assert "@" not in reply.plain  # the source withholds the e-mail addresses: none is promised
    examples = example_questions(reply.plain)
    assert len(examples) == 3
    # Each example is a question the bot answers, in the same language.
    for example in examples:
        [answer] = await bot.send(7, example, lang=lang)
        assert EXAMPLES[lang] not in answer.plain
    logs = await rows(bot, QuestionLog)
    assert [log.outcome for log in logs] == ["unknown", "answered", "answered", "answered"]
    assert {log.lang for log in logs} == {lang}


# Vague questions; the matcher is tuned over time, so the test asks which one it is unsure of.
VAGUE = {
    "en": ["agreement date", "date", "when", "meeting tokorozawa"],
    "sk": ["dohoda datum", "datum", "kedy", "stretnutie tokorozawa"],
    "ja": ["協定 日付", "日付", "いつ", "会議 所沢"],
}
NONE_OF_THESE = {"en": "None of these", "sk": "Žiadna z nich", "ja": "該当なし"}


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_none_of_these_also_shows_examples_and_a_coordinator(
    bot: Harness, lang: str
) -> None:
    qa = bot.app.bot_data["services"].qa
    vague = [q for q in VAGUE[lang] if qa.ask(q, lang).outcome == "suggest"]
    assert vague, f"none of {VAGUE[lang]} gets suggestions any more: add one that does"
    [reply] = await bot.send(7, vague[0], lang=lang)
    await bot.press(7, reply, NONE_OF_THESE[lang], lang=lang)
    edited = bot.api.messages(7)[-1]
    assert HANDOFF[lang] in edited.plain
    assert "I have noted" not in edited.plain  # noted where no person read it
    assert len(example_questions(edited.plain)) == 3
    assert [label for label, _ in bot.api.buttons(edited)] == ["🙋 " + ASK[lang]]


async def test_in_a_group_the_unit_is_named_and_no_hand_off_offered(bot: Harness) -> None:
    # The answer of a hand-off comes back to the asker's chat: groups get the unit instead.
    group = -100123
    [reply] = await bot.send(
        7, f"@{bot.app.bot.username} {OUT_OF_SCOPE['en']}", chat_id=group, chat_type="group"
    )
    assert UNIT["en"] in reply.plain
    assert bot.api.buttons(reply) == []
