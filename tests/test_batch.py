"""The Batcher: what arrives in one turn of the event loop is done in one call, each its own."""

from __future__ import annotations

import asyncio

import pytest

from bot.batch import Batcher


class Recorder:
    """A batch function that remembers every batch it was called with."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, items: list[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        return [ValueError(f"no {i}") if i < 0 else i * 10 for i in items]


async def test_what_arrives_together_is_done_in_one_call_in_order() -> None:
    run = Recorder()
    batch = Batcher(run)
    results = await asyncio.gather(*(batch(i) for i in (3, 1, 2)))
    assert results == [30, 10, 20]
    assert run.batches == [[3, 1, 2]]


async def test_a_later_item_starts_a_new_batch() -> None:
    run = Recorder()
    batch = Batcher(run)
    assert await batch(1) == 10
    assert await asyncio.gather(batch(2), batch(3)) == [20, 30]
    assert await batch(4) == 40
    assert run.batches == [[1], [2, 3], [4]]


async def test_items_arriving_while_a_batch_runs_form_the_next_batch() -> None:
    batches: list[list[int]] = []
    release = asyncio.Event()

    async def run(items: list[int]) -> list[int | Exception]:
        batches.append(list(items))
        await release.wait()  # a database round trip, say
        return list(items)

    batch: Batcher[int, int] = Batcher(run)
    first = asyncio.gather(batch(1), batch(2))
    await asyncio.sleep(0.01)  # the first batch is running now
    second = asyncio.gather(batch(3), batch(4))
    await asyncio.sleep(0.01)
    release.set()
    assert await first == [1, 2]
    assert await second == [3, 4]
    assert batches == [[1, 2], [3, 4]]


async def test_an_exception_result_reaches_its_caller_alone() -> None:
    batch = Batcher(Recorder())
    results = await asyncio.gather(batch(1), batch(-1), batch(2), return_exceptions=True)
    assert results[0] == 10
    assert results[2] == 20
    assert isinstance(results[1], ValueError)
    assert str(results[1]) == "no -1"


async def test_a_failing_batch_fails_every_caller_and_the_next_batch_runs() -> None:
    calls: list[list[int]] = []

    async def run(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        if len(calls) == 1:
            raise OSError("the disk is gone")
        return items

    batch = Batcher(run)
    results = await asyncio.gather(batch(1), batch(2), return_exceptions=True)
    assert [type(r) for r in results] == [OSError, OSError]
    assert await batch(3) == 3


async def test_a_wrong_number_of_results_fails_every_caller_instead_of_hanging() -> None:
    async def run(items: list[int]) -> list[int | Exception]:
        return list(items[:1])

    batch: Batcher[int, int] = Batcher(run)
    results = await asyncio.gather(batch(1), batch(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert "1 results for 2 items" in str(results[0])


async def test_a_cancelled_caller_does_not_disturb_the_others() -> None:
    run = Recorder()
    batch = Batcher(run)
    first = asyncio.ensure_future(batch(1))
    second = asyncio.ensure_future(batch(2))
    await asyncio.sleep(0)  # both have queued their items; the batch has not run yet
    first.cancel()
    assert await second == 20
    with pytest.raises(asyncio.CancelledError):
        await first
    assert run.batches == [[1, 2]]


async def test_a_cancelled_batch_cancels_its_callers_instead_of_leaving_them_waiting() -> None:
    started = asyncio.Event()

    async def run(items: list[int]) -> list[int | Exception]:
        started.set()
        await asyncio.Event().wait()  # a database that never answers, until shutdown
        return list(items)

    batch: Batcher[int, int] = Batcher(run)
    before = asyncio.all_tasks()
    caller = asyncio.ensure_future(batch(1))
    await started.wait()
    [running] = asyncio.all_tasks() - before - {caller}
    running.cancel()  # what the event loop does to every task when it shuts down
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(5):  # a caller left waiting would fail with TimeoutError
            await caller
