"""Slot change announcements: in-process fan-out by default, Redis pub/sub across processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

log = logging.getLogger(__name__)
CHANNEL = "graphql_api:slot_changed"
_QUEUE_SIZE = 1_000


class Broker(Protocol):
    async def publish(self, slot_ids: set[int]) -> None: ...

    def subscribe(self) -> AsyncIterator[int]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def healthy(self) -> bool: ...


class LocalBroker:
    """Fan-out to subscribers of this process. A slow subscriber loses old events, never blocks."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[int]] = set()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._queues.clear()

    async def healthy(self) -> bool:
        return True

    def deliver(self, slot_id: int) -> None:
        for queue in list(self._queues):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(slot_id)

    async def publish(self, slot_ids: set[int]) -> None:
        for slot_id in sorted(slot_ids):
            self.deliver(slot_id)

    async def subscribe(self) -> AsyncIterator[int]:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)
