"""graphql/batchloader.py: the batching window, the per-key cache, failures and cancellation.
(What the schema gets from it, one statement per level, is in test_statement_counts.py.)"""

from __future__ import annotations

import asyncio

import pytest

from graphql_api.engine.batchloader import BatchLoader, WrongNumberOfValues


class Recorder:
    """A load function that records each batch of keys it is given."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.fail: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def __call__(self, keys: list[int]) -> list[str]:
        self.batches.append(list(keys))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return [f"v{key}" for key in keys]


async def test_keys_asked_for_in_the_same_turns_are_one_batch_in_first_asked_order() -> None:
    load = Recorder()
    loader = BatchLoader(load)

    async def later() -> list[str]:  # a task's first step: the next turn, still this batch
        return await loader.load_many([5, 1])

    one, many, other = await asyncio.gather(loader.load(3), loader.load_many([1, 2, 3]), later())
    assert (one, many, other) == ("v3", ["v1", "v2", "v3"], ["v5", "v1"])
    assert load.batches == [[3, 1, 2, 5]]
    # Asked again: from the cache, no batch. A new key: a batch of its own.
    assert await loader.load_many([2, 3]) == ["v2", "v3"]
    assert await loader.load_many([2, 4]) == ["v2", "v4"]
    assert load.batches == [[3, 1, 2, 5], [4]]
    assert await loader.load_many([]) == []


async def test_a_failed_batch_fails_each_key_once_loaded() -> None:
    load = Recorder()
    load.fail = LookupError("gone")
    loader = BatchLoader(load)
    results = await asyncio.gather(loader.load(1), loader.load_many([2]), return_exceptions=True)
    assert [type(r) for r in results] == [LookupError, LookupError]
    load.fail = None
    with pytest.raises(LookupError):  # the failure is cached for the request, as a value is
        await loader.load(1)
    assert load.batches == [[1, 2]]
    loader.clear()  # the request is answered: nothing kept
    assert await loader.load(1) == "v1"


async def test_one_value_per_key_or_an_error() -> None:
    async def short(keys: list[int]) -> list[str]:
        return ["only one"]

    loader: BatchLoader[int, str] = BatchLoader(short)
    with pytest.raises(WrongNumberOfValues):
        await loader.load_many([1, 2])


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    load = Recorder()
    load.gate = asyncio.Event()
    loader = BatchLoader(load)
    impatient = asyncio.ensure_future(loader.load(1))
    patient = asyncio.ensure_future(loader.load_many([1, 2]))
    while not load.batches:  # the batch has started and waits at the gate
        await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    load.gate.set()
    assert await patient == ["v1", "v2"]
    assert await loader.load(1) == "v1"  # cached despite the cancelled caller
    assert load.batches == [[1, 2]]


async def test_keys_of_a_batch_cut_off_are_asked_for_again() -> None:
    load = Recorder()
    load.gate = asyncio.Event()
    loader = BatchLoader(load)
    waiting = asyncio.ensure_future(loader.load(7))
    while not load.batches:
        await asyncio.sleep(0)
    (dispatch,) = loader._tasks
    dispatch.cancel()  # as at shutdown
    with pytest.raises(asyncio.CancelledError):
        await waiting
    load.gate.set()
    assert await loader.load(7) == "v7"
    assert load.batches == [[7], [7]]


async def test_a_batch_cut_off_before_it_started_does_not_hang_its_keys() -> None:
    load = Recorder()
    loader = BatchLoader(load)
    waiting = loader.load(3)
    await asyncio.sleep(0)  # the dispatch task exists but has not taken its first step
    (dispatch,) = loader._tasks
    dispatch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert load.batches == []  # it never ran
    assert await loader.load_many([3, 4]) == ["v3", "v4"]  # a new batch, not the dead one
    assert load.batches == [[3, 4]]


async def test_single_loads_are_futures_gathered_without_a_task_each() -> None:
    """`load` hands out futures (each connection's totalCount gathers one per parent)."""
    load = Recorder()
    loader = BatchLoader(load)
    before = len(asyncio.all_tasks())
    pending = [loader.load(key) for key in range(50)]
    assert all(isinstance(item, asyncio.Future) for item in pending)
    gathered = asyncio.gather(*pending)
    assert len(asyncio.all_tasks()) == before  # (the dispatch task comes a turn later)
    assert await gathered == [f"v{key}" for key in range(50)]
    assert load.batches == [list(range(50))]
