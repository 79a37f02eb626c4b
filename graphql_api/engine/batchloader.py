"""A DataLoader with one future per batch instead of one per key.

Strawberry's DataLoader gives every key its own future, cache entry, task record and done
callback; the executor asks for a whole level at once (`load_many` of every parent's key), so
one future per batch is all it needs.

Here a batch is the keys asked for while it was gathering and one future for all their values
(`load_many` waits on it; `load` gives each caller a future of its own, for gathering);
the cache maps each key to its batch and place. The rest is what the DataLoader does, as the
schema relies on it:
- batching window: the first key of a batch schedules its dispatch with `call_soon`, which
  starts it as a task, so every key asked for until that task's first step (about two turns
  of the event loop) joins it (the viewer and a slot list's staff, say, are one statement);
- every key is loaded at most once per loader (a request), a failure included: a batch that
  raised raises again for each of its keys;
- `load_fn` gets distinct keys in the order first asked and returns one value per key.

- a caller cancelled while it waits leaves the batch to the others; a batch itself cut off
  (cancelled) is asked for again by the next caller of its keys.

Unlike Strawberry's there is no per-key exception value, no `prime` and no `max_batch_size`
(nothing here uses them), and a batch whose callers were all cancelled still runs (it is one
read; its values are cached for the rest of the request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import partial
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class WrongNumberOfValues(Exception):
    def __init__(self, expected: int, received: int) -> None:
        super().__init__(f"load_fn returned {received} values for {expected} keys")


class _Batch(Generic[K, T]):
    __slots__ = ("future", "keys")

    def __init__(self, future: asyncio.Future[list[T]]) -> None:
        self.keys: list[K] = []
        self.future = future


def _settle(answer: asyncio.Future[T], place: int, source: asyncio.Future[list[T]]) -> None:
    """One key's future from its batch's."""
    if answer.cancelled():
        return
    if source.cancelled():
        answer.cancel()
    elif (error := source.exception()) is not None:
        answer.set_exception(error)
        answer.exception()  # retrieved: a key's future no one awaits logs no warning
    else:
        answer.set_result(source.result()[place])


async def _values(batch: _Batch[K, T]) -> list[T]:
    """The batch's values, once loaded. Shielded: a caller that is cancelled while it waits
    must not cancel the batch the other callers wait for too."""
    future = batch.future
    return future.result() if future.done() else await asyncio.shield(future)


class BatchLoader(Generic[K, T]):
    """`load(key)` and `load_many(keys)`, batched and cached per key as described above."""

    __slots__ = ("_cache", "_gathering", "_load_fn", "_tasks")

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[T]]]) -> None:
        self._load_fn = load_fn
        self._cache: dict[K, tuple[_Batch[K, T], int]] = {}
        self._gathering: _Batch[K, T] | None = None
        # Dispatch tasks, kept until done (the event loop holds only weak references).
        self._tasks: set[asyncio.Task[None]] = set()

    def load(self, key: K) -> asyncio.Future[T]:
        """The key's value, as a future of its own (not a coroutine): gathering many of them
        (each connection's `totalCount`, say) makes no task per key, and a cancelled caller
        cancels only its own future."""
        batch, place = self._place(key)
        source = batch.future
        answer: asyncio.Future[T] = source.get_loop().create_future()
        if source.done():
            _settle(answer, place, source)
        else:
            source.add_done_callback(partial(_settle, answer, place))
        return answer

    async def load_many(self, keys: Sequence[K]) -> list[T]:
        found: list[T] = []
        waited: _Batch[K, T] | None = None
        values: list[T] = []
        for batch, place in [self._place(key) for key in keys]:  # all asked before waiting
            if batch is not waited:  # (keys come in runs of one batch)
                values = await _values(batch)
                waited = batch
            found.append(values[place])
        return found

    def _place(self, key: K) -> tuple[_Batch[K, T], int]:
        place = self._cache.get(key)
        if place is None or place[0].future.cancelled():  # (a batch cut off: asked again)
            batch = self._gathering
            if batch is None:
                loop = asyncio.get_running_loop()
                batch = self._gathering = _Batch(loop.create_future())
                loop.call_soon(self._start, batch)
            place = self._cache[key] = (batch, len(batch.keys))
            batch.keys.append(key)
        return place

    def _start(self, batch: _Batch[K, T]) -> None:
        task = asyncio.ensure_future(self._dispatch(batch))
        self._tasks.add(task)
        task.add_done_callback(partial(self._ended, batch))

    def _ended(self, batch: _Batch[K, T], task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # (a BaseException _dispatch let through: it reached the callers)
        # Cut off before its first step (cancelled): its callers are cancelled, and its keys
        # are asked for again by the next caller (_place).
        if not batch.future.done():
            batch.future.cancel()
        if self._gathering is batch:
            self._gathering = None

    async def _dispatch(self, batch: _Batch[K, T]) -> None:
        if self._gathering is batch:
            self._gathering = None  # keys asked for from now on start the next batch
        future = batch.future
        try:
            values = list(await self._load_fn(batch.keys))
            if len(values) != len(batch.keys):
                raise WrongNumberOfValues(len(batch.keys), len(values))
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: a batch no one awaits again logs no warning
        except BaseException:
            # Cancelled (or worse): cancel the callers now, before anyone else joins this
            # batch; the next caller of its keys starts a new one (_place).
            future.cancel()
            raise
        else:
            future.set_result(values)

    def clear(self) -> None:
        """Forget every key and the batch gathering (the request is answered)."""
        self._cache.clear()
        self._gathering = None
