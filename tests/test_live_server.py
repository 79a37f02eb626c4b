"""Transport behaviour against a real uvicorn process: GET, headers, WebSocket subscriptions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets

from tests.conftest import TEST_SECRET
from tests.live_server import create_users, running_server

pytestmark = pytest.mark.slow

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
    accessToken user { id } } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("live") / "live.db"
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "SECRET_KEY": TEST_SECRET,
        "REDIS_URL": "",
        "WS_CONNECTION_INIT_TIMEOUT_SECONDS": "1",
        "WS_MAX_SUBSCRIPTIONS": "2",
    }
    with running_server(env, log=path.with_suffix(".log")) as base:
        create_users(env, ("staff@example.com", "staff"), ("cust@example.com", "customer"))
        yield base


def _login(base: str, email: str) -> str:
    response = httpx.post(
        f"{base}/graphql", json={"query": LOGIN, "variables": {"e": email, "p": "long enough pw"}}
    )
    token: str = response.json()["data"]["login"]["accessToken"]
    return token


def test_post_and_get_over_the_wire(server: str) -> None:
    post = httpx.post(f"{server}/graphql", json={"query": "{ __typename }"})
    assert post.json() == {"data": {"__typename": "Query"}}
    get = httpx.get(
        f"{server}/graphql",
        params={"query": "{ slots { totalCount } }"},
        headers={"accept": "application/graphql-response+json"},
    )
    assert get.status_code == 200
    assert get.json()["data"]["slots"]["totalCount"] >= 0


def test_invalid_token_is_401_with_www_authenticate(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_public_operation_ignores_an_invalid_token(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        json={"query": "{ slots { totalCount } }"},
        headers={"Authorization": "Bearer expired.or.forged"},
    )
    assert response.status_code == 200
    assert "errors" not in response.json()


def test_oversized_body_is_413_over_the_wire(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_graphiql_page_loads(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def _connect(server: str, token: str | None) -> websockets.ClientConnection:
    url = server.replace("http", "ws") + "/graphql"
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def _subscribe(ws: websockets.ClientConnection, slot_id: str | None) -> None:
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": "subscription($slotId: ID) { slotChanged(slotId: $slotId) "
                    "{ id bookedCount remaining status } }",
                    "variables": {"slotId": slot_id} if slot_id else {},
                },
            }
        )
    )


async def _gql(
    http: httpx.AsyncClient, server: str, token: str, query: str, **variables: object
) -> dict[str, object]:
    response = await http.post(
        f"{server}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, object] = response.json()
    assert "errors" not in body, body
    return body


async def _next_event(ws: websockets.ClientConnection, timeout: float) -> dict[str, object] | None:
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    except TimeoutError:
        return None
    assert message["type"] == "next", message
    slot: dict[str, object] = message["payload"]["data"]["slotChanged"]
    return slot


def _create_slot(server: str, staff: str, capacity: int = 3) -> str:
    starts = datetime.now(UTC) + timedelta(days=2)
    response = httpx.post(
        f"{server}/graphql",
        json={
            "query": "mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }",
            "variables": {
                "i": {
                    "title": "Yoga",
                    "startsAt": starts.isoformat(),
                    "endsAt": (starts + timedelta(hours=1)).isoformat(),
                    "capacity": capacity,
                }
            },
        },
        headers={"Authorization": f"Bearer {staff}"},
    )
    slot_id: str = response.json()["data"]["createSlot"]["id"]
    return slot_id


async def test_subscription_receives_a_booking(server: str) -> None:
    staff, customer = _login(server, "staff@example.com"), _login(server, "cust@example.com")
    slot_id = _create_slot(server, staff, capacity=3)
    ws = await _connect(server, customer)
    try:
        await _subscribe(ws, slot_id)
        async with httpx.AsyncClient() as http:
            # The server registers the subscription asynchronously: change the slot until the
            # subscriber hears about it, instead of guessing a delay.
            update = (
                "mutation($s: ID!, $c: Int!) { updateSlot(id: $s, input: {capacity: $c}) { id } }"
            )
            for capacity in range(4, 40):
                await _gql(http, server, staff, update, s=slot_id, c=capacity)
                if await _next_event(ws, 0.5) is not None:
                    break
            else:
                pytest.fail("the subscription never received a slot change")
            while await _next_event(ws, 0.2) is not None:  # drain the warm-up events
                pass
            await _gql(
                http,
                server,
                customer,
                "mutation($s: ID!) { createBooking(input: {slotId: $s}) { id } }",
                s=slot_id,
            )
            event = await _next_event(ws, 1.0)  # the promise: within a second
        assert event is not None
        assert event["id"] == slot_id
        assert event["bookedCount"] == 1
        assert event["status"] == "OPEN"
    finally:
        await ws.close()


@pytest.mark.parametrize("token", [None, "forged.token.value"])
async def test_subscription_without_a_valid_token_is_closed(server: str, token: str | None) -> None:
    ws = await _connect(server, token)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_a_connection_that_never_initialises_is_closed(server: str) -> None:
    url = server.replace("http", "ws") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)  # hang guard; the server closes after 1 s
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4408


async def test_subscriptions_per_connection_are_limited(server: str) -> None:
    ws = await _connect(server, _login(server, "cust@example.com"))
    try:
        await _subscribe(ws, None)  # operation "1"
        for operation in ("2", "3"):
            await ws.send(
                json.dumps(
                    {
                        "id": operation,
                        "type": "subscribe",
                        "payload": {"query": "subscription { slotChanged { id } }"},
                    }
                )
            )
        refused = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert refused["type"] == "error" and refused["id"] == "3"
        assert "limit" in refused["payload"][0]["message"].lower()
    finally:
        await ws.close()


@pytest.mark.parametrize(
    ("query", "variables", "names"),
    [
        ("subscription($s: ID) { slotChanged(slotId: $s) { id } }", {"s": [1]}, "$s"),
        (
            "subscription($t: Boolean = true) { slotChanged { id bookedCount @skip(if: $t) } }",
            {"t": None},
            "$t",
        ),
        ("subscription($s: ID!) { slotChanged(slotId: $s) { id } }", {}, "$s"),
    ],
)
async def test_a_subscriptions_bad_variables_are_bad_user_input(
    server: str, query: str, variables: dict[str, object], names: str
) -> None:
    """Over graphql-transport-ws a bad variable is an `error` message with BAD_USER_INPUT
    (never INTERNAL_SERVER_ERROR), and the socket stays usable."""
    ws = await _connect(server, _login(server, "cust@example.com"))
    try:
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack"
        message = {"query": query, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": message}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer["type"] == "error", answer
        assert [e["extensions"]["code"] for e in answer["payload"]] == ["BAD_USER_INPUT"]
        assert names in answer["payload"][0]["message"]
        await ws.send(json.dumps({"id": "2", "type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"
    finally:
        await ws.close()
