"""The per-chat memory of what the last answer was about: bounded in time and size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.chat_topics import ChatTopics

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_topics_are_kept_per_chat_for_the_window() -> None:
    topics = ChatTopics(window=timedelta(minutes=5))
    topics.remember(1, ("meeting-2018-bratislava",), T0)
    topics.remember(2, ("iuc",), T0)
    assert topics.get(1, T0 + timedelta(minutes=5)) == ("meeting-2018-bratislava",)
    assert topics.get(2, T0 + timedelta(minutes=5, seconds=1)) == ()
    assert topics.get(3, T0) == ()
    assert len(topics) == 1  # the expired chat is dropped when read


def test_an_answer_about_nothing_forgets_the_chat() -> None:
    topics = ChatTopics()
    topics.remember(1, ("iuc",), T0)
    topics.remember(1, (), T0)
    assert topics.get(1, T0) == ()
    assert len(topics) == 0


def test_the_chats_answered_longest_ago_are_dropped_first() -> None:
    topics = ChatTopics(limit=2)
    topics.remember(1, ("a",), T0)
    topics.remember(2, ("b",), T0 + timedelta(seconds=1))
    topics.remember(1, ("c",), T0 + timedelta(seconds=2))  # chat 1 is the most recent now
    topics.remember(3, ("d",), T0 + timedelta(seconds=3))
    assert len(topics) == 2
    assert topics.get(2, T0 + timedelta(seconds=3)) == ()
    assert topics.get(1, T0 + timedelta(seconds=3)) == ("c",)
    assert topics.get(3, T0 + timedelta(seconds=3)) == ("d",)
