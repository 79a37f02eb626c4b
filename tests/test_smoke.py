from tests.helpers import Api


async def test_typename(api: Api) -> None:
    result = await api.gql("{ __typename }")
    assert result.ok() == {"__typename": "Query"}


async def test_health_and_ready(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] is True
