"""Document limits, HTTP limits and production mode, through HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from graphql_api.config import Settings
from graphql_api.main import create_app
from graphql_api.models import Role
from tests.conftest import make_settings
from tests.helpers import Api


async def _client_for(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client
    await app.state.db.dispose()


@pytest.fixture
async def production(database_url: str) -> AsyncIterator[AsyncClient]:
    settings = make_settings(database_url, environment="production", secret_key="p" * 64)
    async for client in _client_for(settings):
        yield client


async def test_depth_limit(api: Api) -> None:
    result = await api.gql(
        "{ slots { edges { node { staff { bookings { edges { node { slot { staff { bookings "
        "{ edges { node { slot { title } } } } } } } } } } } } } }"
    )
    assert result.code == "QUERY_TOO_COMPLEX"
    assert "limit of 12" in result.errors[0]["message"]
    assert result.data is None


async def test_deepest_contract_query_fits_the_depth_limit(api: Api) -> None:
    # The deepest legitimate shape: a connection's node, its relation, a nested connection's node.
    staff = await api.user(Role.STAFF)
    query = """{ slots(first: 1) { edges { node { bookings(first: 1) { edges { node {
        records(first: 1) { edges { node { toSlot { staff { fullName } } } } } } } } } } } }"""
    assert (await api.gql(query, token=staff.token)).errors == []


async def test_alias_limit(api: Api) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(16))
    result = await api.gql(f"{{ {aliases} }}")
    assert result.code == "QUERY_TOO_COMPLEX"
    assert "limit is 15" in result.errors[0]["message"]


async def test_directive_limit(api: Api) -> None:
    fields = " ".join("__typename @include(if: true)" for _ in range(11))
    result = await api.gql(f"{{ {fields} }}")
    assert result.code == "QUERY_TOO_COMPLEX"


async def test_token_limit(api: Api) -> None:
    result = await api.gql("{ " + "__typename " * 2100 + "}")
    assert result.code == "QUERY_TOO_COMPLEX"


async def test_cost_limit_multiplies_nested_pages(api: Api) -> None:
    query = """query($n: Int) { slots(first: 100) { edges { node {
        bookings(first: $n) { edges { node {
            records(first: 100) { edges { node { id } } } } } } } } } }"""
    result = await api.gql(query, {"n": 100})
    assert result.code == "QUERY_TOO_COMPLEX"
    assert "cost" in result.errors[0]["message"]
    small = await api.gql("{ slots(first: 10) { edges { node { id } } } }")
    assert small.errors == []


async def test_the_same_document_is_measured_with_each_requests_variables(api: Api) -> None:
    """Measures are kept per parsed document, but not those that read variables."""
    staff = await api.user(Role.STAFF)
    query = """query($n: Int) { slots(first: 100) { edges { node {
        bookings(first: $n) { edges { node {
            records(first: 10) { edges { node { id } } } } } } } } } }"""
    assert (await api.gql(query, {"n": 1}, token=staff.token)).errors == []
    assert (await api.gql(query, {"n": 100}, token=staff.token)).code == "QUERY_TOO_COMPLEX"
    assert (await api.gql(query, {"n": 1}, token=staff.token)).errors == []
    literal = """{ slots(first: 100) { edges { node {
        bookings(first: 100) { edges { node { id } } } } } } }"""
    for _ in range(2):  # the second answer comes from the kept measure
        assert (await api.gql(literal)).code == "QUERY_TOO_COMPLEX"


async def test_nul_is_refused_in_a_repeated_document_and_in_its_variables(api: Api) -> None:
    query = "query($s: String) { slots(filter: {search: $s}) { edges { node { id } } } }"
    for _ in range(2):
        assert (await api.gql(query, {"s": "yoga"})).errors == []
        assert (await api.gql(query, {"s": "yo\x00ga"})).code == "BAD_USER_INPUT"
    inline = '{ slots(filter: {search: "yo\\u0000ga"}) { edges { node { id } } } }'
    for _ in range(2):
        assert (await api.gql(inline)).code == "BAD_USER_INPUT"


async def test_body_over_one_mebibyte_is_413(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b'{"query": "{ __typename }", "variables": {"x": "' + b"a" * (1024 * 1024) + b'"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


async def test_mutation_over_get_is_refused(api: Api) -> None:
    response = await api.client.get(
        "/graphql",
        params={"query": 'mutation { logout(refreshToken: "x") }'},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 405


@pytest.mark.parametrize("method", ["HEAD", "PUT", "PATCH", "DELETE"])
async def test_other_methods_are_405_with_allow(api: Api, method: str) -> None:
    response = await api.client.request(method, "/graphql")
    assert response.status_code == 405
    assert sorted(part.strip() for part in response.headers["allow"].split(",")) == [
        "GET",
        "POST",
    ]


async def test_each_request_has_its_own_status_and_headers(api: Api) -> None:
    """An invalid token's 401 and WWW-Authenticate belong to that request only, however many
    run at once: the status travels on a sub-response made per request (a guard for
    BookingRouter._serve_http; the router once held one on itself)."""
    account = await api.user()
    query = {"query": "{ me { id } }"}

    async def ask(token: str) -> tuple[str, int, str | None]:
        response = await api.client.post(
            "/graphql", json=query, headers={"authorization": f"Bearer {token}"}
        )
        return token, response.status_code, response.headers.get("www-authenticate")

    answers = await asyncio.gather(*(ask(account.token if i % 2 else "bad") for i in range(40)))
    for token, status, challenge in answers:
        if token == "bad":
            assert (status, challenge) == (401, 'Bearer error="invalid_token"')
        else:
            assert (status, challenge) == (200, None)


async def test_query_over_get_works(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_non_json_posts_are_refused(api: Api, content_type: str) -> None:
    response = await api.client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={"content-type": content_type}
    )
    assert response.status_code in (400, 415)


async def test_batches_are_off_by_default(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    )
    assert response.status_code == 400


async def test_security_headers(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": "{ __typename }"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-request-id"]


async def test_graphiql_in_development(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_production_has_no_graphiql_introspection_or_suggestions(
    production: AsyncClient,
) -> None:
    page = await production.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 404
    introspection = (
        await production.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    ).json()
    assert introspection.get("data") is None
    assert introspection["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    typo = (await production.post("/graphql", json={"query": "{ slotz { totalCount } }"})).json()
    assert "Did you mean" not in typo["errors"][0]["message"]
    for document in (
        "{ slots(frist: 1) { totalCount } }",  # argument
        "{ slots(filter: {status: OPN}) { totalCount } }",  # enum value
        "query($f: SlotFiltr) { slots(filter: $f) { totalCount } }",  # type
    ):
        body = (await production.post("/graphql", json={"query": document})).json()
        assert body["errors"], document
        assert all("Did you mean" not in e["message"] for e in body["errors"]), body


async def test_development_suggests_fields(api: Api) -> None:
    result = await api.gql("{ slotz { totalCount } }")
    assert result.code == "BAD_USER_INPUT"
    assert "Did you mean" in result.errors[0]["message"]


def test_production_refuses_a_weak_or_default_secret() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="short", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production", _env_file=None)  # type: ignore[call-arg]
    assert Settings(environment="production", secret_key="k" * 32, _env_file=None).is_production  # type: ignore[call-arg]


def test_development_works_without_any_setting() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.graphiql_enabled and settings.introspection_enabled


async def test_generated_request_ids_are_random_and_distinct(api: Api) -> None:
    """Without an X-Request-Id, each response gets a fresh 128-bit id (drawn 256 at a time,
    graphql_api.http.RequestIds): 600 requests cross two draws and repeat none."""
    seen = set()
    for _ in range(600):
        response = await api.client.post("/graphql", json={"query": "{ __typename }"})
        request_id = response.headers["x-request-id"]
        assert len(request_id) == 32 and int(request_id, 16) >= 0
        seen.add(request_id)
    assert len(seen) == 600
    given = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "abc-1"}
    )
    assert given.headers["x-request-id"] == "abc-1"
