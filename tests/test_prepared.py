"""Prepared queries (graphql/prepared.py): a query document that passed validation before is
served again without Strawberry's per-request machinery. Every answer must be the full path's:
each case here sends the same request twice (the first takes the full path, which remembers the
document) and compares status, headers and body."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from graphql import parse
from httpx import ASGITransport, AsyncClient, Response

from graphql_api.engine import prepared
from graphql_api.engine.prepared import Prepared, PreparedQueries
from graphql_api.graphql.schema.build import build_schema
from graphql_api.graphql.transport import router
from graphql_api.main import create_app
from graphql_api.models import Role
from tests.conftest import make_settings
from tests.helpers import Api

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine

NESTED = """query Nested($first: Int, $after: String) {
  slots(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title startsAt remaining
      bookings(first: 5) { edges { node { id customerName status user { fullName } } } } } }
  }
}"""


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The operations served on the prepared path, in order."""
    served: list[str | None] = []
    original = prepared.run

    async def counting(schema: Any, found: Prepared, *args: Any) -> Any:
        served.append(found.operation_name)
        return await original(schema, found, *args)

    monkeypatch.setattr(router, "run_prepared", counting)
    return served


def _same(first: Response, second: Response) -> None:
    assert second.status_code == first.status_code
    assert second.json() == first.json()
    for header in ("content-type", "www-authenticate", "x-content-type-options"):
        assert second.headers.get(header) == first.headers.get(header), header


async def _twice(
    api: Api, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[Response, Response]:
    api.app.state.schema.prepared.clear()  # the first takes the full path
    first = await api.client.post("/graphql", json=payload, headers=headers)
    second = await api.client.post("/graphql", json=payload, headers=headers)
    _same(first, second)
    return first, second


async def _booked_slot(api: Api) -> tuple[Any, Any]:
    staff = await api.user(Role.STAFF)
    customer = await api.user(Role.CUSTOMER)
    slot = await api.create_slot(staff)
    assert not (await api.book(customer, slot["id"])).errors
    return staff, customer


async def test_a_repeated_query_is_prepared_and_answers_the_same(
    api: Api, runs: list[str | None]
) -> None:
    staff, _customer = await _booked_slot(api)
    auth = {"Authorization": f"Bearer {staff.token}"}
    payload = {"query": NESTED, "variables": {"first": 2}}
    first, _ = await _twice(api, payload, auth)
    assert runs == ["Nested"]
    assert first.json()["data"]["slots"]["edges"][0]["node"]["bookings"]["edges"]
    # Other variables, the same document: prepared too, and the answer follows the variables.
    cursor = first.json()["data"]["slots"]["pageInfo"]["endCursor"]
    after = await api.client.post(
        "/graphql", json={"query": NESTED, "variables": {"first": 2, "after": cursor}}, headers=auth
    )
    assert after.json() == {
        "data": {
            "slots": {
                "totalCount": 1,
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "edges": [],
            }
        }
    }
    assert runs == ["Nested", "Nested"]


async def test_errors_are_the_full_paths(api: Api, runs: list[str | None]) -> None:
    _staff, customer = await _booked_slot(api)
    mine = {"Authorization": f"Bearer {customer.token}"}
    # A field error: customers do not see who booked (FORBIDDEN, with its path, partial data).
    forbidden, _ = await _twice(api, {"query": NESTED}, mine)
    assert [e["extensions"]["code"] for e in forbidden.json()["errors"]] == ["FORBIDDEN"]
    assert forbidden.json()["errors"][0]["path"][:4] == ["slots", "edges", 0, "node"]
    # A token that is not valid: 401 with WWW-Authenticate on both paths.
    bad = {"Authorization": "Bearer not-a-token"}
    me = {"query": "query Me { me { id } }"}
    unauthorized, _ = await _twice(api, me, bad)
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # A variable of the wrong type: a request error (BAD_USER_INPUT) ...
    wrong = {"query": NESTED, "variables": {"first": "ten"}}
    refused, _ = await _twice(api, wrong, mine)
    assert refused.json()["data"] is None
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["BAD_USER_INPUT"]
    # ... which application/graphql-response+json answers with 400 and no `data`.
    strict = {**mine, "Accept": "application/graphql-response+json"}
    as_400, _ = await _twice(api, wrong, strict)
    assert as_400.status_code == 400
    assert "data" not in as_400.json()
    assert runs == ["Nested", "Me", "Nested", "Nested"]


async def test_limits_and_nul_are_checked_per_request(
    database_url: str, runs: list[str | None]
) -> None:
    app = create_app(make_settings(database_url, max_query_cost=500, fast_executor=True))
    async with _client(app) as client:
        query = """query Page($first: Int, $after: String) {
          slots(first: $first, after: $after) {
            edges { node { id bookings(first: 50) { edges { node { id } } } } } } }"""
        small = {"query": query, "variables": {"first": 2}}
        for _ in range(2):
            answer = (await client.post("/graphql", json=small)).json()
            assert answer == {"data": {"slots": {"edges": []}}}
        assert runs == ["Page"]
        # The same document over the cost limit: the full path refuses it, nothing runs.
        large = {"query": query, "variables": {"first": 50}}
        body = (await client.post("/graphql", json=large)).json()
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        nul = {"query": query, "variables": {"first": 1, "after": "a\x00b"}}
        body = (await client.post("/graphql", json=nul)).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert runs == ["Page"]
    await app.state.db.dispose()


async def test_only_plain_json_query_posts_are_prepared(api: Api, runs: list[str | None]) -> None:
    query = "query Count { slots(first: 1) { totalCount } }"
    await api.client.post("/graphql", json={"query": query})  # remembered
    store = api.app.state.schema.prepared
    assert store.get((query, None)) is not None
    answers = [
        await api.client.get("/graphql", params={"query": query}),
        await api.client.post("/graphql", json=[{"query": query}]),
        await api.client.post("/graphql", json={"query": query, "extensions": {"tracing": True}}),
        await api.client.post("/graphql", json={"query": query, "operationName": "Other"}),
    ]
    # (400s: batching is off by default; the document has no operation named Other.)
    assert [a.status_code for a in answers] == [200, 400, 200, 400]
    assert runs == []
    # A mutation is never remembered, however often it is sent.
    mutation = {"query": 'mutation Out { logout(refreshToken: "x") }'}
    for _ in range(2):
        await api.client.post("/graphql", json=mutation)
    assert store.get((mutation["query"], None)) is None
    assert runs == []


async def test_the_access_log_names_prepared_operations(
    api: Api, runs: list[str | None], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="graphql_api.access")
    await _twice(api, {"query": "query Me { me { id } }"}, {"Authorization": "Bearer bad"})
    entries = [json.loads(r.getMessage()) for r in caplog.records if r.name == "graphql_api.access"]
    assert [(e["operation"], e["outcome"], e["status"]) for e in entries] == [
        ("Me", "UNAUTHENTICATED", 401),
        ("Me", "UNAUTHENTICATED", 401),
    ]
    assert runs == ["Me"]


async def test_tracing_and_allow_lists_take_the_full_path(
    database_url: str, tmp_path: Path, runs: list[str | None]
) -> None:
    assert build_schema(make_settings(database_url, tracing=True)).prepared is None
    query = "query Count { slots(first: 1) { totalCount } }"
    manifest = tmp_path / "allowed.json"
    manifest.write_text(json.dumps([query]))
    app = create_app(
        make_settings(
            database_url,
            persisted_queries_only=True,
            persisted_queries_file=str(manifest),
            fast_executor=True,
        )
    )
    async with _client(app) as client:
        for _ in range(2):
            answer = await client.post("/graphql", json={"query": query})
            assert answer.json() == {"data": {"slots": {"totalCount": 0}}}
        refused = await client.post("/graphql", json={"query": "{ __typename }"})
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert runs == []
    await app.state.db.dispose()


def test_the_least_recently_used_document_goes_first() -> None:
    store = PreparedQueries(lambda document, operation, variables: False, maxsize=2)

    def entry(text: str) -> Prepared:
        return Prepared(parse(text), None)

    store.put(("{ a }", None), entry("{ a }"))
    store.put(("{ b }", None), entry("{ b }"))
    assert store.get(("{ a }", None)) is not None  # now the most recent
    store.put(("{ c }", None), entry("{ c }"))
    assert len(store) == 2
    assert store.get(("{ b }", None)) is None
    assert store.get(("{ a }", None)) is not None
    assert store.get(("{ a }", "A")) is None  # the provided operationName is part of the key


def _client(app: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://test")


async def _without_prepared(api: Api, payload: dict[str, Any]) -> Response:
    schema = api.app.state.schema
    store, schema.prepared = schema.prepared, None
    try:
        return await api.client.post("/graphql", json=payload)
    finally:
        schema.prepared = store


async def test_variables_too_deep_to_measure_take_the_full_path(
    api: Api, runs: list[str | None]
) -> None:
    """Variables nested past Python's recursion limit (orjson accepts 1,024 levels) break the
    NUL search: the full path turns that into an error result, so the prepared one declines."""
    query = "query Page($after: String) { slots(first: 1, after: $after) { totalCount } }"
    await api.client.post("/graphql", json={"query": query})  # remembered
    deep: Any = "x"
    for _ in range(900):
        deep = [deep]
    payload = {"query": query, "variables": {"after": deep}}
    answer = await api.client.post("/graphql", json=payload)
    assert runs == []
    full = await _without_prepared(api, payload)
    assert (answer.status_code, answer.json()) == (full.status_code, full.json())
    assert answer.status_code == 200 and answer.json()["errors"]


async def test_an_empty_allow_list_still_turns_prepared_queries_off(
    database_url: str, tmp_path: Path, runs: list[str | None]
) -> None:
    manifest = tmp_path / "allowed.json"
    manifest.write_text("[]")
    app = create_app(
        make_settings(
            database_url,
            persisted_queries_only=True,
            persisted_queries_file=str(manifest),
            fast_executor=True,
        )
    )
    query = "query Count { slots(first: 1) { totalCount } }"
    app.state.schema.prepared.put((query, None), Prepared(parse(query), "Count"))
    async with _client(app) as client:
        refused = await client.post("/graphql", json={"query": query})
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert runs == []
    await app.state.db.dispose()


async def test_production_refuses_introspection_on_every_request(
    database_url: str, runs: list[str | None]
) -> None:
    app = create_app(make_settings(database_url, environment="production"))
    assert not app.state.settings.introspection_enabled
    async with _client(app) as client:
        for _ in range(2):
            answer = await client.post(
                "/graphql", json={"query": "{ __schema { types { name } } }"}
            )
            assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert runs == []
    await app.state.db.dispose()
