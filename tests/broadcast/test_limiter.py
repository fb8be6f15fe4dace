"""The limiter's schedule, on a clock the test moves (no real time involved)."""

from __future__ import annotations

from bot.broadcast.limiter import Limiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_spaced_at_the_rate_and_one_chat_waits_its_interval() -> None:
    clock = Clock()
    limiter = Limiter(10, 1.0, clock=clock)
    slots = [round(limiter.reserve(chat), 6) for chat in (1, 2, 3, 1)]
    assert slots == [100.0, 100.1, 100.2, 101.0]  # chat 1 again only a second later


def test_a_sender_that_fell_behind_catches_up_by_the_burst_and_no_more() -> None:
    clock = Clock()
    limiter = Limiter(10, 0.0, burst=3, clock=clock)
    assert limiter.reserve(1) == 100.0
    clock.now = 100.35  # a slow moment: slots 100.1 and 100.2 and 100.3 went unused
    assert [round(limiter.reserve(c), 2) for c in (2, 3, 4, 5)] == [100.1, 100.2, 100.3, 100.4]
    clock.now = 200.0  # idle: no credit at all
    assert limiter.reserve(6) == 200.0
    assert round(limiter.reserve(7), 6) == 200.1


def test_a_pause_moves_every_slot_after_it() -> None:
    clock = Clock()
    limiter = Limiter(10, 0.0, clock=clock)
    limiter.pause(5)
    assert limiter.reserve(1) == 105.0


def test_only_recent_chats_are_remembered() -> None:
    clock = Clock()
    limiter = Limiter(1000, 1.0, clock=clock)
    for chat in range(5000):
        clock.now += 0.001
        limiter.reserve(chat)
    assert limiter.tracked_chats <= 1001
