"""Redis pub/sub fan-out: a change committed in one process reaches subscribers in every process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import redis.asyncio as redis

from graphql_api.pubsub import CHANNEL, LocalBroker

log = logging.getLogger(__name__)


class RedisBroker:
    def __init__(self, url: str) -> None:
        self._redis = redis.from_url(url, socket_connect_timeout=2, socket_timeout=None)
        self._local = LocalBroker()
        self._listener: asyncio.Task[None] | None = None
        self._connected = False

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="redis-slot-listener")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._local.stop()
        await self._redis.aclose()

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(1):
                return bool(await self._redis.ping()) and self._connected
        except Exception:
            return False

    async def publish(self, slot_ids: set[int]) -> None:
        try:
            await self._redis.publish(CHANNEL, json.dumps(sorted(slot_ids)))
        except Exception:
            log.warning("could not publish slot changes to Redis", exc_info=True)

    def subscribe(self) -> AsyncIterator[int]:
        return self._local.subscribe()

    async def _listen(self) -> None:
        """Keep one subscription open, reconnecting with backoff when Redis goes away."""
        delay = 0.1
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._connected = True
                    delay = 0.1
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        for slot_id in json.loads(message["data"]):
                            self._local.deliver(int(slot_id))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; reconnecting", exc_info=True)
            self._connected = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
