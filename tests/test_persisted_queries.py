"""Automatic persisted queries (Apollo APQ) and allow-list mode, through HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from graphql_api.graphql.transport.apq import sha256_of
from graphql_api.main import create_app
from tests.conftest import make_settings
from tests.helpers import Api

QUERY = "query Slots { slots(first: 3) { totalCount } }"
HASH = sha256_of(QUERY)


def _ext(sha: str = HASH) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def test_miss_then_register_then_hit(api: Api) -> None:
    response = await api.client.post("/graphql", json={"extensions": _ext()})
    assert response.status_code == 200
    miss = response.json()
    # Apollo Server's message and code: Apollo clients and CDNs key on them to send the document.
    assert miss["errors"][0]["message"] == "PersistedQueryNotFound"
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = (
        await api.client.post("/graphql", json={"query": QUERY, "extensions": _ext()})
    ).json()
    assert registered == {"data": {"slots": {"totalCount": 0}}}

    hit = (await api.client.post("/graphql", json={"extensions": _ext()})).json()
    assert hit == registered


async def test_an_empty_document_with_a_hash_is_a_hash_only_request(api: Api) -> None:
    """graphql-ws clients must send a string `query`: "" stands for none."""
    await api.client.post("/graphql", json={"query": QUERY, "extensions": _ext()})
    hit = (await api.client.post("/graphql", json={"query": "", "extensions": _ext()})).json()
    assert hit == {"data": {"slots": {"totalCount": 0}}}


async def test_hash_must_match_the_document(api: Api) -> None:
    wrong = (
        await api.client.post("/graphql", json={"query": QUERY, "extensions": _ext("0" * 64)})
    ).json()
    assert wrong["errors"][0]["message"] == "provided sha does not match query"
    # Nothing was stored under the wrong hash.
    again = (await api.client.post("/graphql", json={"extensions": _ext("0" * 64)})).json()
    assert again["errors"][0]["message"] == "PersistedQueryNotFound"
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unsupported_version_and_bad_hash(api: Api) -> None:
    v2 = {"persistedQuery": {"version": 2, "sha256Hash": HASH}}
    body = (await api.client.post("/graphql", json={"extensions": v2})).json()
    assert body["errors"][0]["message"] == "PersistedQueryNotSupported"
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    short = {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}
    body = (await api.client.post("/graphql", json={"extensions": short})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_hash_over_get_is_persisted_query_not_found(api: Api) -> None:
    """Apollo's link sends hash-only queries over GET first (CDN-cacheable)."""
    response = await api.client.get(
        "/graphql",
        params={"extensions": json.dumps(_ext()), "operationName": "Slots"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert (error["message"], error["extensions"]["code"]) == (
        "PersistedQueryNotFound",
        "PERSISTED_QUERY_NOT_FOUND",
    )


async def test_hash_only_over_get_for_cacheable_slot_queries(api: Api) -> None:
    await api.client.post("/graphql", json={"query": QUERY, "extensions": _ext()})
    response = await api.client.get(
        "/graphql",
        params={"extensions": json.dumps(_ext()), "operationName": "Slots"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"slots": {"totalCount": 0}}}


async def test_a_persisted_mutation_still_cannot_run_over_get(api: Api) -> None:
    mutation = 'mutation { logout(refreshToken: "x") }'
    await api.client.post(
        "/graphql", json={"query": mutation, "extensions": _ext(sha256_of(mutation))}
    )
    response = await api.client.get(
        "/graphql",
        params={"extensions": json.dumps(_ext(sha256_of(mutation)))},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 405


@pytest.fixture
async def allow_list_client(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    manifest = tmp_path / "persisted.json"
    manifest.write_text(json.dumps({HASH: QUERY}))
    settings = make_settings(
        database_url, persisted_queries_only=True, persisted_queries_file=str(manifest)
    )
    app = create_app(settings)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client
    await app.state.db.dispose()


async def test_allow_list_mode_runs_only_registered_documents(
    allow_list_client: AsyncClient,
) -> None:
    by_hash = (await allow_list_client.post("/graphql", json={"extensions": _ext()})).json()
    assert by_hash == {"data": {"slots": {"totalCount": 0}}}
    by_text = (await allow_list_client.post("/graphql", json={"query": QUERY})).json()
    assert by_text == by_hash

    other = "{ slots { totalCount } }"
    refused = (await allow_list_client.post("/graphql", json={"query": other})).json()
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    registering = (
        await allow_list_client.post(
            "/graphql", json={"query": other, "extensions": _ext(sha256_of(other))}
        )
    ).json()
    assert registering["errors"][0]["message"] == "PersistedQueryNotFound"
    assert registering["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_allow_list_mode_needs_a_manifest() -> None:
    with pytest.raises(ValueError, match="PERSISTED_QUERIES_FILE"):
        make_settings("sqlite+aiosqlite:///x.db", persisted_queries_only=True)
