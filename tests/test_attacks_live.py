"""Attacks against a real server process (uvicorn, `python -m graphql_api serve`), one server per
configuration:

- development with batching on (BATCHING=true MAX_BATCH_SIZE=5) and a CORS allow-list
  (CORS_ORIGINS='["https://app.example.com"]'): document bombs, oversized bodies, batch floods,
  CSRF-style content types, mutations over GET, CORS (HTTP and WebSocket);
- production (ENVIRONMENT=production, a 64-character SECRET_KEY, no CORS_ORIGINS, batching at its
  default): no introspection, no GraphiQL, no "Did you mean", masked unexpected errors, no CORS.

In-process versions of some checks live in test_hardening.py; these prove them over the wire."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import TEST_SECRET
from tests.live_server import running_server

pytestmark = pytest.mark.slow

APP_ORIGIN = "https://app.example.com"
EVIL_ORIGIN = "https://evil.example"
MIB = 1024 * 1024
LEAKS = ("Traceback", "sqlalchemy", "sqlite", "SELECT ", "booking_slots", "no such table")


@dataclass
class Server:
    base: str
    database: Path
    log: Path

    @property
    def url(self) -> str:
        return f"{self.base}/graphql"

    def post(self, body: Any, **headers: str) -> httpx.Response:
        return httpx.post(self.url, json=body, headers=headers, timeout=30)

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.post({"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def _start(tmp: Path, **env: str) -> Iterator[Server]:
    database = tmp / "attacks.db"
    log = tmp / "server.log"
    full_env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "REDIS_URL": "",
        "CORS_ORIGINS": "",
        **env,
    }
    with running_server(full_env, log=log) as base:
        yield Server(base, database, log)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _start(
        tmp_path_factory.mktemp("attacks-dev"),
        ENVIRONMENT="development",
        SECRET_KEY=TEST_SECRET,
        BATCHING="true",
        MAX_BATCH_SIZE="5",
        CORS_ORIGINS=json.dumps([APP_ORIGIN]),
    )


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    secret = secrets.token_urlsafe(48)
    assert len(secret) == 64
    yield from _start(
        tmp_path_factory.mktemp("attacks-prod"), ENVIRONMENT="production", SECRET_KEY=secret
    )


def _too_complex(body: dict[str, Any], *fragments: str) -> str:
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", body
    for fragment in fragments:
        assert fragment in error["message"], error
    message: str = error["message"]
    return message


def _still_serving(server: Server) -> None:
    assert server.gql("{ slots(first: 1) { totalCount } }") == {
        "data": {"slots": {"totalCount": 0}}
    }


# --- document bombs --------------------------------------------------------------------------


def test_depth_bomb(dev: Server) -> None:
    level = "staff { bookings { edges { node { slot { "
    query = "{ slots { edges { node { " + level * 8 + "title" + " } } } } }" * 8 + " } } } }"
    _too_complex(dev.gql(query), "depth", "limit of 12")
    _still_serving(dev)


def test_depth_bomb_through_fragments(dev: Server) -> None:
    """Depth hidden in a chain of fragments counts the same."""
    fragments = "".join(
        f"fragment F{i} on User {{ bookings {{ edges {{ node {{ user {{ ...F{i + 1} }} }} }} }} }} "
        for i in range(6)
    )
    query = "{ me { ...F0 } } " + fragments + "fragment F6 on User { fullName }"
    _too_complex(dev.gql(query), "depth")


def test_alias_bomb(dev: Server) -> None:
    just_over = " ".join(f"a{i}: __typename" for i in range(16))
    _too_complex(dev.gql(f"{{ {just_over} }}"), "aliases", "limit is 15")
    # The classic amplification: one expensive field repeated under hundreds of aliases.
    # 150 x 11 tokens stays under the token limit: the alias limit is what stops it.
    bomb = " ".join(f"a{i}: slots(first: 100) {{ totalCount }}" for i in range(150))
    _too_complex(dev.gql(f"{{ {bomb} }}"), "150 aliases", "limit is 15")
    _still_serving(dev)


def test_token_bomb(dev: Server) -> None:
    # About 110 kB, far under the body limit: refused by the parser's token budget.
    _too_complex(dev.gql("{ " + "__typename " * 10_000 + "}"), "tokens")
    _still_serving(dev)


def test_directive_bomb(dev: Server) -> None:
    fields = " ".join("__typename @include(if: true)" for _ in range(11))
    _too_complex(dev.gql(f"{{ {fields} }}"), "directives", "limit is 10")
    # Stacked on one field (7 tokens each, under the token limit): counted before validation.
    stacked = "__typename" + " @skip(if: false)" * 200
    _too_complex(dev.gql(f"{{ {stacked} }}"), "200 directives")
    _still_serving(dev)


def test_cost_bomb(dev: Server) -> None:
    query = """{ slots(first: 100) { edges { node {
        bookings(first: 100) { edges { node {
            records(first: 100) { edges { node { id } } } } } } } } } }"""
    _too_complex(dev.gql(query), "cost", "limit of 10000")
    # Page sizes passed as variables are multiplied the same way.
    with_variables = """query($a: Int, $b: Int) { slots(first: $a) { edges { node {
        bookings(first: $b) { edges { node { id } } } } } } }"""
    _too_complex(dev.gql(with_variables, a=100, b=100), "cost")
    assert "errors" not in dev.gql(with_variables, a=10, b=10)


def test_field_duplication_bomb(dev: Server) -> None:
    # graphql-core's OverlappingFieldsCanBeMerged rule is quadratic in same-named fields: 330 x
    # `slots { totalCount }` (about 1,650 tokens, cost 6,930, under the other limits) would cost
    # over a second of event-loop CPU in validation. MAX_FIELD_REPEATS refuses it first.
    _too_complex(dev.gql("{ " + "slots { totalCount } " * 330 + "}"))
    _too_complex(
        dev.gql(
            "{ ...A ...B } fragment A on Query { "
            + "slots { totalCount } " * 11
            + "} fragment B on Query { "
            + "slots { totalCount } " * 10
            + "}"
        )
    )
    assert "errors" not in dev.gql("{ " + "slots { totalCount } " * 20 + "}")


# --- HTTP limits -------------------------------------------------------------------------------


def test_oversized_chunked_body_is_413(dev: Server) -> None:
    """No Content-Length (chunked): the limit applies while reading. The declared-length case is
    test_live_server.py's."""

    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"x": "'
        for _ in range(160):
            yield b"a" * 8192
        yield b'"}}'

    chunked = httpx.post(dev.url, content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    # Just under the limit is an ordinary request.
    fits = b'{"query": "{ __typename }", "variables": {"x": "' + b"a" * (MIB - 200) + b'"}}'
    ok = httpx.post(dev.url, content=fits, headers={"content-type": "application/json"})
    assert ok.status_code == 200
    assert ok.json() == {"data": {"__typename": "Query"}}


def test_batch_flood(dev: Server) -> None:
    operation = {"query": "{ __typename }"}
    refused = dev.post([operation] * 6)
    assert refused.status_code == 400
    assert "Too many operations" in refused.text
    accepted = dev.post([operation] * 5)
    assert accepted.status_code == 200
    assert accepted.json() == [{"data": {"__typename": "Query"}}] * 5


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        [{"query": "{ __typename }"}, None],
        [{"query": 1}],
        [{"query": "{ a }", "variables": 3}],
        [{"query": "{ __typename }", "extensions": 5}],
        5,
        "x",
        None,
    ],
)
def test_malformed_bodies_are_400_not_500(dev: Server, body: Any) -> None:
    assert dev.post(body).status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b'{"query": "{ __typename }", "variables": {"x": "\xff\xfe"}}',  # not UTF-8
        b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}",
    ],
    ids=["invalid-utf8", "nested-json"],
)
def test_undecodable_json_is_400_not_500(dev: Server, raw: bytes) -> None:
    response = httpx.post(dev.url, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400


def _register(email: str) -> dict[str, Any]:
    return {
        "query": "mutation($i: RegisterInput!) { register(input: $i) { user { email } } }",
        "variables": {"i": {"email": email, "password": "long enough pw", "fullName": "Mallory"}},
    }


def _email_is_free(server: Server, email: str) -> bool:
    body = server.post(_register(email)).json()
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body
        return False
    assert body["data"]["register"]["user"]["email"] == email
    return True


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        ("text/plain", lambda body: json.dumps(body).encode()),
        ("text/plain;charset=UTF-8", lambda body: json.dumps(body).encode()),
        (
            "application/x-www-form-urlencoded",
            lambda body: (
                httpx.QueryParams(
                    {"query": body["query"], "variables": json.dumps(body["variables"])}
                )
                .__str__()
                .encode()
            ),
        ),
        (
            "multipart/form-data; boundary=x",
            lambda body: (
                b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
                + json.dumps(body).encode()
                + b"\r\n--x--\r\n"
            ),
        ),
    ],
    ids=["text-plain", "text-plain-charset", "form-urlencoded", "multipart"],
)
def test_csrf_content_types_are_refused_and_not_executed(
    dev: Server, content_type: str, encode: Any
) -> None:
    """A cross-site form or fetch without preflight can only send these: none may run."""
    email = f"csrf-{uuid.uuid4().hex[:8]}@example.com"
    response = httpx.post(
        dev.url, content=encode(_register(email)), headers={"content-type": content_type}
    )
    assert 400 <= response.status_code < 500
    assert _email_is_free(dev, email)


def test_post_without_content_type_is_refused(dev: Server) -> None:
    response = httpx.post(dev.url, content=json.dumps({"query": "{ __typename }"}).encode())
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json", "*/*"])
def test_mutation_over_get_is_405_and_not_executed(dev: Server, accept: str) -> None:
    email = f"get-{uuid.uuid4().hex[:8]}@example.com"
    body = _register(email)
    response = httpx.get(
        dev.url,
        params={"query": body["query"], "variables": json.dumps(body["variables"])},
        headers={"accept": accept},
    )
    assert response.status_code == 405
    assert _email_is_free(dev, email)


# --- CORS ----------------------------------------------------------------------------------------


def _preflight(server: Server, origin: str) -> httpx.Response:
    return httpx.options(
        server.url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_cors_allows_the_listed_origin(dev: Server) -> None:
    preflight = _preflight(dev, APP_ORIGIN)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers  # bearer tokens, no cookies
    actual = dev.post({"query": "{ __typename }"}, Origin=APP_ORIGIN)
    assert actual.headers["access-control-allow-origin"] == APP_ORIGIN


def test_cors_refuses_other_origins(dev: Server) -> None:
    preflight = _preflight(dev, EVIL_ORIGIN)
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers
    actual = dev.post({"query": "{ __typename }"}, Origin=EVIL_ORIGIN)
    assert "access-control-allow-origin" not in actual.headers


def test_cors_allows_nothing_without_an_allow_list(prod: Server) -> None:
    for origin in (APP_ORIGIN, EVIL_ORIGIN):
        preflight = _preflight(prod, origin)
        assert "access-control-allow-origin" not in preflight.headers
        actual = prod.post({"query": "{ __typename }"}, Origin=origin)
        assert "access-control-allow-origin" not in actual.headers


async def _websocket_accepted(server: Server, origin: str) -> bool:
    url = server.url.replace("http", "ws", 1)
    try:
        ws = await websockets.connect(
            url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            origin=origin,  # type: ignore[arg-type]
            open_timeout=10,
        )
    except websockets.InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False
    await ws.close()
    return True


def test_websocket_origin_follows_the_cors_allow_list(dev: Server, prod: Server) -> None:
    """Cross-site WebSocket hijacking: browsers send Origin but no preflight on handshakes."""

    async def check() -> None:
        assert await _websocket_accepted(dev, APP_ORIGIN)
        assert not await _websocket_accepted(dev, EVIL_ORIGIN)
        assert not await _websocket_accepted(prod, APP_ORIGIN)
        assert await _websocket_accepted(prod, prod.base)  # same origin: always

    asyncio.run(check())


# --- production mode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "User") { fields { name } } }',
        "query IntrospectionQuery { __schema { queryType { name } } }",
    ],
)
def test_production_has_no_introspection(prod: Server, query: str) -> None:
    body = prod.gql(query)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert prod.gql("{ __typename }") == {"data": {"__typename": "Query"}}


def test_development_has_introspection(dev: Server) -> None:
    assert dev.gql("{ __schema { queryType { name } } }")["data"]["__schema"]["queryType"]


def test_production_has_no_graphiql(prod: Server) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    assert httpx.get(prod.url, headers=browser).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "{ slotz { totalCount } }",  # field
        "{ slots(frist: 1) { totalCount } }",  # argument
        "{ bookings(filter: {statsu: CONFIRMED}) { totalCount } }",  # input field
        "{ bookings(filter: {status: CONFIRMD}) { totalCount } }",  # enum value
        "{ node(id: 1) { ... on BookingSlott { id } } }",  # type
        "{ slots { edges { node { titel } } } }",  # nested field
    ],
)
def test_production_gives_no_suggestions(prod: Server, dev: Server, query: str) -> None:
    body = prod.gql(query)
    assert body["errors"], body
    for error in body["errors"]:
        assert "Did you mean" not in error["message"], error
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert any("Did you mean" in e["message"] for e in dev.gql(query)["errors"])


def test_production_masks_unexpected_errors_but_keeps_domain_ones(prod: Server) -> None:
    domain = prod.gql('{ slot(id: "not-an-id") { id } }')
    assert domain["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert domain["errors"][0]["message"] == "`id` is not a valid id."

    # An unexpected failure inside a real process: the slots table disappears under the server.
    with sqlite3.connect(prod.database) as db:
        db.execute("ALTER TABLE booking_slots RENAME TO booking_slots_gone")
    try:
        response = prod.post({"query": "{ slots { totalCount } }"})
    finally:
        with sqlite3.connect(prod.database) as db:
            db.execute("ALTER TABLE booking_slots_gone RENAME TO booking_slots")
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    for leak in LEAKS:
        assert leak not in response.text
    log = prod.log.read_text(errors="replace")
    assert "unexpected error at slots" in log  # the detail goes to the log
    assert "booking_slots" in log
    _still_serving(prod)


def test_production_refuses_batches_by_default(prod: Server) -> None:
    response = prod.post([{"query": "{ __typename }"}] * 2)
    assert response.status_code == 400
