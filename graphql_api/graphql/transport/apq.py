"""Automatic persisted queries (Apollo's APQ protocol) and the production allow-list.

A client sends `extensions.persistedQuery = {version: 1, sha256Hash}`. Without the document, a
known hash runs the stored document and an unknown one answers `PersistedQueryNotFound`, after
which the client sends hash and document together: the hash is verified and the document stored.
In allow-list mode only documents of the configured manifest run, and nothing new is stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from graphql import GraphQLError

from graphql_api.lru import LRU

NOT_FOUND = "PersistedQueryNotFound"
NOT_SUPPORTED = "PersistedQueryNotSupported"
NOT_REGISTERED = "Only registered (persisted) documents are accepted."


def refused(message: str) -> GraphQLError:
    """A document refused by persisted queries, as HTTP and both WebSocket protocols answer it:
    an unknown hash is `PERSISTED_QUERY_NOT_FOUND` (Apollo's code, which its clients and CDNs
    key on to send the document), anything else (not registered, hash mismatch, ...)
    `BAD_USER_INPUT`."""
    code = "PERSISTED_QUERY_NOT_FOUND" if message == NOT_FOUND else "BAD_USER_INPUT"
    return GraphQLError(message, extensions={"code": code})


_REDIS_PREFIX = "graphql_api:apq:"


class QueryStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...


class MemoryQueryStore:
    """A bounded LRU: an attacker registering documents evicts old ones, never grows memory."""

    def __init__(self, max_entries: int) -> None:
        self._entries: LRU[str, str] = LRU(max_entries)

    async def get(self, sha256: str) -> str | None:
        return self._entries.get(sha256)

    async def put(self, sha256: str, query: str) -> None:
        self._entries.put(sha256, query)


class RedisQueryStore:
    """Shared by every process; entries expire when unused (Redis evicts, TTL bounds growth)."""

    def __init__(self, url: str, ttl_seconds: int) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._ttl = ttl_seconds

    async def get(self, sha256: str) -> str | None:
        value = await self._redis.getex(_REDIS_PREFIX + sha256, ex=self._ttl)
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def put(self, sha256: str, query: str) -> None:
        await self._redis.set(_REDIS_PREFIX + sha256, query, ex=self._ttl)

    async def close(self) -> None:
        await self._redis.aclose()


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """An allow-list file: a JSON object `{sha256: document}` or a list of documents."""
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    documents = data.values() if isinstance(data, dict) else data
    manifest = {sha256_of(doc): doc for doc in documents}
    if isinstance(data, dict) and any(sha256_of(doc) != key for key, doc in data.items()):
        raise ValueError(f"{path}: a key is not the SHA-256 of its document")
    return manifest


@dataclass(frozen=True, slots=True)
class Resolution:
    query: str | None
    error: str | None = None


class PersistedQueries:
    def __init__(self, store: QueryStore, *, allow_list: dict[str, str] | None = None) -> None:
        self.store = store
        self.allow_list = allow_list

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> Resolution:
        """The document to run, or the error message to answer with."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.allow_list is not None and (
                query is None or sha256_of(query) not in self.allow_list
            ):
                return Resolution(None, NOT_REGISTERED)
            return Resolution(query)
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            return Resolution(None, NOT_SUPPORTED)
        if query == "":
            query = None  # graphql-ws clients must send a string: "" for a persisted operation
        sha = persisted.get("sha256Hash")
        if not isinstance(sha, str) or len(sha) != 64:
            return Resolution(None, "persistedQuery.sha256Hash must be a SHA-256 hex digest.")
        sha = sha.lower()
        if self.allow_list is not None:
            known = self.allow_list.get(sha)
            return Resolution(known) if known is not None else Resolution(None, NOT_FOUND)
        if query is None:
            stored = await self.store.get(sha)
            return Resolution(stored) if stored is not None else Resolution(None, NOT_FOUND)
        if sha256_of(query) != sha:
            return Resolution(None, "provided sha does not match query")
        await self.store.put(sha, query)
        return Resolution(query)
