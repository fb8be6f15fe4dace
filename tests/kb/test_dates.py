"""Dates in questions name the events they fall on."""

from __future__ import annotations

import pytest

from bot.kb.analyze import Analyzer
from bot.kb.answer import QuestionAnswerer
from bot.kb.dates import dates_in
from bot.kb.model import KnowledgeBase
from bot.kb.text import normalize


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("na stretnutí 15.–17. 10. 2018", [(2018, 10, 15)]),
        ("20.-22.05.2019", [(2019, 5, 20)]),
        ("the meeting on 17 May 2019", [(2019, 5, 17)]),
        ("October 15, 2018", [(2018, 10, 15)]),
        ("15. októbra 2018", [(2018, 10, 15)]),
        ("v máji 2019", [(2019, 5, None)]),
        ("2018-10-15", [(2018, 10, 15)]),
        ("2018年10月15日の会議", [(2018, 10, 15)]),
        ("2019年5月の会合", [(2019, 5, None)]),
        # A day the month does not have leaves the month.
        ("31.4.2019", [(2019, 4, None)]),
        # Not dates: a year alone, "may" the verb.
        ("was it signed in 2018?", []),
        ("may I come in 2019?", []),
    ],
)
def test_dates_are_read_in_every_usual_format(text: str, dates: list[tuple]) -> None:
    assert dates_in(normalize(text)) == dates


def test_a_date_names_the_one_event_it_falls_on(kb: KnowledgeBase) -> None:
    analyzer = Analyzer(kb)
    assert "#meeting-2018-bratislava" in analyzer.analyze("what happened on 16.10.2018?")
    # May 2019 holds two events (Tokyo, Tokorozawa): the month alone names neither.
    tokens = analyzer.analyze("what happened in May 2019?")
    assert not {"#iuc-meeting-2019-tokyo", "#meeting-2019-tokorozawa"} & set(tokens)


@pytest.mark.parametrize(
    "question",
    [
        "what was discussed at the meeting of 15.–17. 10. 2018?",
        "o čom sa rokovalo 16. októbra 2018?",
        "2018年10月16日の会議では何を話し合いましたか",
    ],
)
def test_the_agenda_of_a_meeting_named_by_its_date(kb: KnowledgeBase, question: str) -> None:
    answer = QuestionAnswerer(kb).ask(question, "en")
    assert answer.entry == "meeting-2018-bratislava.agenda"
