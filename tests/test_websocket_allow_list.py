"""Allow-list mode (PERSISTED_QUERIES_ONLY) over WebSocket, on a live server: only the
documents in the file run, on both subscription protocols (graphql/websocket.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from graphql_api.graphql.transport.apq import NOT_REGISTERED as REFUSED
from graphql_api.graphql.transport.apq import sha256_of
from tests.conftest import TEST_SECRET
from tests.live_server import LIVE_PASSWORD, create_users, running_server

pytestmark = pytest.mark.slow

LOGIN = """mutation Login($e: String!, $p: String!) {
  login(input: {email: $e, password: $p}) { accessToken } }"""
COUNT = "query Count { slots(first: 1) { totalCount } }"
UNLISTED = "query Other { slots(first: 2) { totalCount } }"
HASH = sha256_of(COUNT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("allow-list")
    manifest = folder / "persisted.json"
    manifest.write_text(json.dumps([LOGIN, COUNT]))
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'live.db'}",
        "SECRET_KEY": TEST_SECRET,
        "REDIS_URL": "",
        "PERSISTED_QUERIES_ONLY": "true",
        "PERSISTED_QUERIES_FILE": str(manifest),
    }
    with running_server(env, log=Path(folder / "live.log")) as base:
        create_users(env, ("cust@example.com", "customer"))
        yield base


def _token(base: str) -> str:
    answer = httpx.post(
        f"{base}/graphql",
        json={"query": LOGIN, "variables": {"e": "cust@example.com", "p": LIVE_PASSWORD}},
    ).json()
    token: str = answer["data"]["login"]["accessToken"]
    return token


async def _messages(
    server: str, protocol: str, start: str, query: str | None, *, by_hash: str | None = None
) -> list[dict[str, Any]]:
    """Everything the server sends for one operation, until its end or error; `by_hash` sends
    the operation as Apollo's persisted-query link does (the hash, no document)."""
    url = server.replace("http", "ws") + "/graphql"
    payload = {"Authorization": f"Bearer {_token(server)}"}
    async with websockets.connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack"
        operation: dict[str, Any] = {"query": query} if query is not None else {}
        if by_hash is not None:
            operation["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": by_hash}}
        await ws.send(json.dumps({"id": "1", "type": start, "payload": operation}))
        received: list[dict[str, Any]] = []
        while not received or received[-1]["type"] not in ("complete", "error"):
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message["type"] not in ("ka", "ping", "pong"):
                received.append(message)
        return received


async def test_graphql_transport_ws_runs_only_listed_documents(server: str) -> None:
    listed = await _messages(server, "graphql-transport-ws", "subscribe", COUNT)
    assert [m["type"] for m in listed] == ["next", "complete"]
    assert listed[0]["payload"] == {"data": {"slots": {"totalCount": 0}}}
    refused = await _messages(server, "graphql-transport-ws", "subscribe", UNLISTED)
    assert [m["type"] for m in refused] == ["error"]
    assert refused[0]["payload"][0]["message"] == REFUSED
    assert refused[0]["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_graphql_transport_ws_runs_listed_documents_by_hash(server: str) -> None:
    listed = await _messages(server, "graphql-transport-ws", "subscribe", None, by_hash=HASH)
    assert [m["type"] for m in listed] == ["next", "complete"]
    assert listed[0]["payload"] == {"data": {"slots": {"totalCount": 0}}}
    unknown = await _messages(
        server, "graphql-transport-ws", "subscribe", None, by_hash=sha256_of(UNLISTED)
    )
    assert [m["type"] for m in unknown] == ["error"]
    assert unknown[0]["payload"][0]["message"] == "PersistedQueryNotFound"
    assert unknown[0]["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # A document sent with a listed hash it does not match runs the listed one, not itself.
    swapped = await _messages(server, "graphql-transport-ws", "subscribe", UNLISTED, by_hash=HASH)
    assert swapped[0]["payload"] == {"data": {"slots": {"totalCount": 0}}}


async def test_graphql_ws_runs_only_listed_documents(server: str) -> None:
    # A listed document passes the list and reaches Strawberry, which runs only subscriptions
    # over this legacy protocol; an unlisted one is refused before that.
    listed = await _messages(server, "graphql-ws", "start", COUNT)
    assert listed == [
        {
            "type": "error",
            "id": "1",
            "payload": {
                "message": "queries are not allowed",
                "extensions": {"code": "BAD_USER_INPUT"},
            },
        }
    ]
    refused = await _messages(server, "graphql-ws", "start", UNLISTED)
    assert [m["type"] for m in refused] == ["error"]
    assert refused[0]["payload"]["message"] == REFUSED


def test_http_refuses_the_same_document(server: str) -> None:
    answer = httpx.post(f"{server}/graphql", json={"query": UNLISTED}).json()
    assert answer["errors"][0]["message"] == REFUSED
