"""The console over the real bot (issue #13 point 5): numbers typed where the bot asks for one."""

from __future__ import annotations

import io

import pytest

from bot.app import build_application
from bot.console import run_console
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.localapi import LocalBotApi, local_bot_request
from tests.bot.harness import make_settings

COORDINATOR = 42
TITLES = ("Study visit", "Študijná návšteva", "所沢市視察訪問")


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_a_number_answers_a_question_that_asks_for_one(
    database_url: str, qa: QuestionAnswerer, lang: str
) -> None:
    # A new visit: its places are a number typed while the question shows a Cancel button;
    # the city is a choice, pressed by its number.
    api = LocalBotApi()
    settings = make_settings(database_url, coordinator_ids=frozenset({COORDINATOR}))
    app = build_application(
        settings, qa, request=local_bot_request(api), updates_request=local_bot_request(api)
    )
    lines = ["/visits", "1", *TITLES, "2", "City Hall", "20.5.2027", "23.5.2027", "12", ":quit"]
    out = io.StringIO()
    await run_console(
        app,
        api,
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
        user_id=COORDINATOR,
        lang=lang,
    )
    transcript = out.getvalue()
    t = Translator(lang)
    assert "(no button" not in transcript
    after = transcript.split(f"{COORDINATOR}> 12\n", 1)[1]
    # The places were taken: the next question is the last day to register.
    deadline = t.gettext(
        "What is the last day to register? Or press Skip: registration then closes "
        "when the visit starts."
    )
    assert deadline[:12] in after
    assert t.gettext("Please send a whole number from {low} to {high}.")[:8] not in after
