"""Attempt budgets (fixed windows): failed logins per email and per address, registrations per
address. In memory by default; in Redis when configured, so several processes share one budget."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Protocol

from graphql_api.config import Settings
from graphql_api.errors import RateLimited


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> tuple[int, float]:
        """Count one attempt; return the count in the current window and seconds left in it."""

    async def peek(self, key: str, window: int) -> tuple[int, float]: ...


class MemoryCounter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._max_keys = max_keys

    def _current(self, key: str, window: int) -> tuple[float, int]:
        now = time.monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        return started, count

    async def hit(self, key: str, window: int) -> tuple[int, float]:
        if len(self._windows) >= self._max_keys:
            self._prune(window)
        started, count = self._current(key, window)
        self._windows[key] = (started, count + 1)
        return count + 1, window - (time.monotonic() - started)

    async def peek(self, key: str, window: int) -> tuple[int, float]:
        started, count = self._current(key, window)
        return count, window - (time.monotonic() - started)

    def _prune(self, window: int) -> None:
        now = time.monotonic()
        self._windows = {k: v for k, v in self._windows.items() if now - v[0] < window}
        if len(self._windows) >= self._max_keys:  # still full: drop the oldest half
            ordered = sorted(self._windows.items(), key=lambda kv: kv[1][0])
            self._windows = dict(ordered[len(ordered) // 2 :])


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis  # optional dependency

        self._redis = redis.from_url(url)

    async def hit(self, key: str, window: int) -> tuple[int, float]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            pipe.pttl(key)
            count, _, ttl = await pipe.execute()
        return int(count), max(int(ttl), 0) / 1000

    async def peek(self, key: str, window: int) -> tuple[int, float]:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            count, ttl = await pipe.execute()
        return int(count or 0), max(int(ttl), 0) / 1000

    async def close(self) -> None:
        await self._redis.aclose()


def _key(kind: str, value: str) -> str:
    # Hash: keys must not carry email addresses into Redis or logs.
    return f"graphql_api:rl:{kind}:" + hashlib.sha256(value.encode()).hexdigest()[:32]


class Limits:
    def __init__(self, settings: Settings, counter: Counter) -> None:
        self.settings = settings
        self.counter = counter

    async def _refuse_if_spent(self, key: str, limit: int, window: int) -> None:
        count, left = await self.counter.peek(key, window)
        if count >= limit:
            raise RateLimited(retry_after=math.ceil(left))

    async def check_login(self, email: str, ip: str | None) -> None:
        s = self.settings
        await self._refuse_if_spent(
            _key("login-email", email.strip().lower()),
            s.login_attempts_per_email,
            s.login_window_seconds,
        )
        if ip:
            await self._refuse_if_spent(
                _key("login-ip", ip), s.login_attempts_per_ip, s.login_window_seconds
            )

    async def record_login_failure(self, email: str, ip: str | None) -> None:
        s = self.settings
        await self.counter.hit(_key("login-email", email.strip().lower()), s.login_window_seconds)
        if ip:
            await self.counter.hit(_key("login-ip", ip), s.login_window_seconds)

    async def check_register(self, ip: str | None) -> None:
        if not ip:
            return
        s = self.settings
        count, left = await self.counter.hit(_key("register-ip", ip), s.register_window_seconds)
        if count > s.register_attempts_per_ip:
            raise RateLimited(retry_after=math.ceil(left))


def create_limits(settings: Settings) -> Limits:
    counter: Counter = RedisCounter(settings.redis_url) if settings.redis_url else MemoryCounter()
    return Limits(settings, counter)
