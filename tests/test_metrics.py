"""GET /metrics: Prometheus text that parses, and counters that move as people book."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from graphql_api.models import Role
from tests.helpers import Api


async def _samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_metrics_parse_and_move_with_bookings(api: Api) -> None:
    staff, customer = await api.user(Role.STAFF), await api.user()
    slot = await api.create_slot(staff, capacity=1)
    before = await _samples(api)

    booking = (await api.book(customer, slot["id"])).ok()["createBooking"]
    full = await api.book(await api.user(), slot["id"])
    assert full.code == "SLOT_FULL"
    await api.gql(
        "mutation Cancel($id: ID!) { cancelBooking(id: $id) { id } }",
        {"id": booking["id"]},
        token=customer.token,
    )
    after = await _samples(api)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("graphql_api_bookings_created_total") == 1
    assert delta("graphql_api_bookings_cancelled_total") == 1
    assert delta("graphql_api_records_written_total", kind="BOOKING_CREATED") == 1
    assert delta("graphql_api_errors_total", code="SLOT_FULL") == 1
    assert delta("graphql_api_requests_total", operation="Cancel", outcome="OK") == 1
    assert delta("graphql_api_request_duration_seconds_count", operation="Cancel") == 1
    assert ("graphql_api_db_connections_in_use", ()) in after


async def test_operation_names_cannot_explode_the_label_set(api: Api) -> None:
    for i in range(3):
        await api.gql(f"query Q{'x' * 70}{i} {{ __typename }}")
    samples = await _samples(api)
    operations = {
        dict(labels).get("operation")
        for (name, labels) in samples
        if name == "graphql_api_requests_total"
    }
    assert "invalid" in operations
    assert not any(op and len(op) > 64 for op in operations)
