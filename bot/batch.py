"""Work that messages arriving together need, done together: one turn of the event loop later.

Telegram hands a busy bot its updates in bursts (getUpdates returns up to a hundred at once,
and a webhook's requests pile up the same way), and the Application answers them concurrently.
Each answer alternates between python-telegram-bot's objects and our own work, and done one
message at a time each evicts the other from the CPU's caches: in the benchmark a question took
the matcher about twice as long right after a reply as right after another question. A
`Batcher` lets every message of the burst queue its item, then does all of them back to back.
A lone message waits one turn of the loop (microseconds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Calls `run` once per burst, with every item submitted until the batch starts.

    The batch starts one turn of the event loop after its first item, so the rest of the burst
    (already waiting in the loop) joins it; items submitted while `run` is busy form the next
    batch. `run` returns one result per item, in order. A result that is an Exception is raised
    to the caller of that item alone; an exception raised by `run` itself reaches every caller
    of the batch. Nobody waits forever: every future is settled.
    """

    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R | Exception]]]) -> None:
        self._run = run
        self._items: list[T] = []
        self._futures: list[asyncio.Future[R]] = []
        self._tasks: set[asyncio.Task[None]] = set()  # referenced until done

    async def __call__(self, item: T) -> R:
        """The item's result, computed together with the others of its burst."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        if not self._items:  # the first of a burst starts the batch; the rest join it
            task = loop.create_task(self._flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._items.append(item)
        self._futures.append(future)
        return await future

    async def _flush(self) -> None:
        items, futures = self._items, self._futures
        self._items, self._futures = [], []
        try:
            results = await self._run(items)
            if len(results) != len(items):
                raise RuntimeError(f"{len(results)} results for {len(items)} items")
        except Exception as exc:  # every caller gets the error, none hangs
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        except asyncio.CancelledError:  # shutting down: the callers are cancelled with it
            for future in futures:
                future.cancel()
            raise
        for future, result in zip(futures, results, strict=True):  # lengths checked above
            if future.done():  # its handler was cancelled meanwhile
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
