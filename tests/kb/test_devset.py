"""The development question set holds the accuracy bar in every language."""

from __future__ import annotations

import pytest

from bot.kb.answer import QuestionAnswerer
from tests.kb.devset import evaluate, load_devset, report


@pytest.fixture(scope="module")
def score(kb):
    return evaluate(QuestionAnswerer(kb), load_devset())


def test_devset_is_big_and_varied() -> None:
    items = load_devset()
    assert len([i for i in items if i["expect"]]) >= 150
    for lang in ("en", "sk", "ja"):
        assert len([i for i in items if i["lang"] == lang and not i["expect"]]) >= 15


def test_every_expected_entry_exists(kb) -> None:
    unknown = {i["expect"] for i in load_devset() if i["expect"]} - set(kb.facts)
    assert not unknown


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_in_scope_accuracy(score, lang: str) -> None:
    assert score.rate(lang, "right", "in") >= 0.95, report(score) + "\n" + "\n".join(score.misses)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_wrong_answers_are_rare(score, lang: str) -> None:
    assert score.rate(lang, "wrong", "in") <= 0.02, report(score) + "\n" + "\n".join(score.misses)


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
def test_out_of_scope_is_refused(score, lang: str) -> None:
    assert score.rate(lang, "refused", "out") >= 0.90, (
        report(score) + "\n" + "\n".join(score.misses)
    )
