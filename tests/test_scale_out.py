"""Several processes, one truth: rate limits and slot events shared through Redis, two real server
processes on PostgreSQL. Needs TEST_REDIS_URL (and TEST_DATABASE_URL for the process test)."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from graphql_api.main import create_app
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SECRET, make_settings
from tests.live_server import create_users, running_server

needs_redis = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="Redis tests: set TEST_REDIS_URL (CI sets it in .ci/run)"
)
pytestmark = needs_redis

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
    accessToken } }"""


@pytest.fixture
async def two_apps(database_url: str) -> AsyncIterator[tuple[AsyncClient, AsyncClient]]:
    apps: list[FastAPI] = [
        create_app(make_settings(database_url, redis_url=TEST_REDIS_URL)) for _ in range(2)
    ]
    async with (
        AsyncClient(transport=ASGITransport(app=apps[0]), base_url="http://a") as first,
        AsyncClient(transport=ASGITransport(app=apps[1]), base_url="http://b") as second,
    ):
        yield first, second
    for app in apps:
        await app.state.limits.counter.close()
        await app.state.broker.stop()
        await app.state.db.dispose()


async def test_failed_logins_share_one_budget_across_processes(
    two_apps: tuple[AsyncClient, AsyncClient],
) -> None:
    first, second = two_apps
    email = f"victim-{secrets.token_hex(4)}@example.com"
    for attempt in range(5):
        client = first if attempt % 2 else second
        body = (
            await client.post(
                "/graphql", json={"query": LOGIN, "variables": {"e": email, "p": "wrong-pass-1"}}
            )
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for client in (first, second):
        body = (
            await client.post(
                "/graphql", json={"query": LOGIN, "variables": {"e": email, "p": "wrong-pass-1"}}
            )
        ).json()
        error = body["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert 0 < error["extensions"]["retryAfter"] <= 15 * 60


@pytest.mark.slow
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_booking_in_one_process_reaches_a_subscriber_of_another(
    postgres_migrated: str,
) -> None:
    env = {
        "DATABASE_URL": postgres_migrated,
        "REDIS_URL": str(TEST_REDIS_URL),
        "SECRET_KEY": TEST_SECRET,
    }
    suffix = secrets.token_hex(4)
    staff_email, customer_email = f"staff-{suffix}@example.com", f"cust-{suffix}@example.com"
    create_users(env, (staff_email, "staff"), (customer_email, "customer"))
    with running_server(env) as server_a, running_server(env) as server_b:
        async with httpx.AsyncClient() as http:

            async def gql(
                base: str, query: str, token: str | None = None, **variables: object
            ) -> dict:  # type: ignore[type-arg]
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = await http.post(
                    f"{base}/graphql",
                    json={"query": query, "variables": variables},
                    headers=headers,
                )
                body = response.json()
                assert "errors" not in body, body
                return body["data"]  # type: ignore[no-any-return]

            staff = (await gql(server_a, LOGIN, e=staff_email, p="long enough pw"))["login"][
                "accessToken"
            ]
            customer = (await gql(server_b, LOGIN, e=customer_email, p="long enough pw"))["login"][
                "accessToken"
            ]
            starts = datetime.now(UTC) + timedelta(days=3)
            slot = (
                await gql(
                    server_a,
                    "mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }",
                    staff,
                    i={
                        "title": "Scale-out",
                        "startsAt": starts.isoformat(),
                        "endsAt": (starts + timedelta(hours=1)).isoformat(),
                        "capacity": 50,
                    },
                )
            )["createSlot"]["id"]

            ws = await websockets.connect(
                server_a.replace("http", "ws") + "/graphql",
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            )
            try:
                await ws.send(
                    json.dumps(
                        {
                            "type": "connection_init",
                            "payload": {"Authorization": f"Bearer {customer}"},
                        }
                    )
                )
                assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
                await ws.send(
                    json.dumps(
                        {
                            "id": "1",
                            "type": "subscribe",
                            "payload": {
                                "query": "subscription($s: ID) "
                                "{ slotChanged(slotId: $s) { id bookedCount } }",
                                "variables": {"s": slot},
                            },
                        }
                    )
                )
                # Warm up: change the slot through process B until A's subscriber hears it.
                update = (
                    "mutation($s: ID!, $c: Int!) "
                    "{ updateSlot(id: $s, input: {capacity: $c}) { id } }"
                )
                for capacity in range(51, 90):
                    await gql(server_b, update, staff, s=slot, c=capacity)
                    try:
                        await asyncio.wait_for(ws.recv(), 0.5)
                        break
                    except TimeoutError:
                        continue
                else:
                    pytest.fail("no event crossed processes")
                while True:  # drain warm-up events
                    try:
                        await asyncio.wait_for(ws.recv(), 0.3)
                    except TimeoutError:
                        break
                await gql(
                    server_b,
                    "mutation($s: ID!) { createBooking(input: {slotId: $s}) { id } }",
                    customer,
                    s=slot,
                )
                event = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                assert event["payload"]["data"]["slotChanged"] == {"id": slot, "bookedCount": 1}
            finally:
                await ws.close()
