"""Visible fallbacks (graphql_api/engine/fallbacks.py): each field that leaves the planned fast
path is a DEBUG line on `graphql_api.engine` and a `graphql_engine_fallbacks_total{reason}`
increment, on every request (plans are kept across requests, their fallbacks with them); and
the documented hot shapes run fully planned (tests/engine_helpers.py).

Reasons the API's schema produces are checked on the app over HTTP; the others on a small
schema made for them, served by the same executor."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import pytest
import strawberry
from prometheus_client.parser import text_string_to_metric_families
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from bench.queries import Q_LARGE, Q_SMALL
from graphql_api.db import Database
from graphql_api.engine import FallbackReason, FastExecutor, FieldFallback, batched
from graphql_api.metrics import Metrics
from graphql_api.models import Role
from tests.engine_helpers import assert_fully_planned, fallbacks_of
from tests.helpers import Account, Api

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine

ENGINE_LOGGER = "graphql_api.engine"


async def _metric_samples(api: Api) -> dict[str, float]:
    """`graphql_engine_fallbacks_total` by reason, as GET /metrics serves it."""
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    return _fallback_samples(response.text)


def _fallback_samples(text: str) -> dict[str, float]:
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "graphql_engine_fallbacks_total"
    }


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == ENGINE_LOGGER and record.levelno == logging.DEBUG
    ]


# -- the API's schema --------------------------------------------------------------------------


class World:
    def __init__(self, staff: Account, customer: Account, slots: list[dict[str, Any]]) -> None:
        self.staff = staff
        self.customer = customer
        self.slots = slots


async def _world(api: Api, slots: int = 3, bookings: int = 2) -> World:
    """Slots run by a staff member, each with a few bookings (and their records)."""
    staff = await api.user(Role.STAFF, name="Staff Member")
    customers = [await api.user() for _ in range(bookings)]
    made = []
    for n in range(slots):
        slot = await api.create_slot(staff, starts_in_hours=48 + n, title=f"Class {n}")
        for customer in customers:
            (await api.book(customer, slot["id"], notes=f"note {n}")).ok()
        made.append(slot)
    return World(staff, customers[0], made)


SLOT_BOOKINGS = """query SlotBookings($id: ID!) { slot(id: $id) { title
  bookings(first: 5) { edges { node { id } } } } }"""

# docs/API.md, "slot": a slot's roster as staff.
SLOT_ROSTER = """query SlotRoster($id: ID!) {
  slot(id: $id) {
    title
    bookedCount
    bookings(first: 50, status: CONFIRMED) {
      totalCount
      edges { node { id customerName notes user { email } } }
    }
  }
}"""


async def test_a_refused_planned_field_is_reported_as_run_again(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A customer may not see a slot's bookings: the planned page raises FORBIDDEN, graphql-core
    runs the field again for its error. Reported on every request."""
    world = await _world(api, slots=1)
    variables = {"id": world.slots[0]["id"]}
    caplog.set_level(logging.DEBUG, logger=ENGINE_LOGGER)
    before = await _metric_samples(api)
    for _ in range(2):  # planned, then from the kept plan
        body, seen, _moved = await fallbacks_of(api, SLOT_BOOKINGS, variables, world.customer.token)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert seen == [FieldFallback("BookingSlot.bookings", FallbackReason.ERROR_REEXECUTED)]
    after = await _metric_samples(api)
    assert after["error_reexecuted"] - before.get("error_reexecuted", 0) == 2
    assert _lines(caplog).count("BookingSlot.bookings left the fast path: error_reexecuted") == 2


async def test_a_page_its_written_form_does_not_fit_is_reported_as_built(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A roster reading `totalCount` and the customers' `email` (loaded on its own) cannot be
    written from the page's rows: its bookings are built as objects."""
    world = await _world(api, slots=1)
    variables = {"id": world.slots[0]["id"]}
    caplog.set_level(logging.DEBUG, logger=ENGINE_LOGGER)
    before = await _metric_samples(api)
    body, seen, moved = await fallbacks_of(api, SLOT_ROSTER, variables, world.staff.token)
    assert not body.get("errors") and body["data"]["slot"]["bookings"]["totalCount"] == 2
    assert seen == [FieldFallback("BookingSlot.bookings", FallbackReason.OBJECTS_BUILT)]
    assert moved == {"objects_built": 1}
    after = await _metric_samples(api)
    assert after["objects_built"] - before.get("objects_built", 0) == 1
    assert _lines(caplog) == ["BookingSlot.bookings left the fast path: objects_built"]


async def test_root_fields_without_a_batch_form_and_mutations_are_not_fallbacks(api: Api) -> None:
    """`me`, `slot(id:)` and `node(id:)` have no batch form, and mutations' top level is
    graphql-core's: by design, not counted; the fields below them are planned."""
    world = await _world(api, slots=1, bookings=1)
    slot_id = world.slots[0]["id"]
    for query, variables in (
        ("{ me { id fullName } }", None),
        ("query($id: ID!) { node(id: $id) { id ... on BookingSlot { title } } }", {"id": slot_id}),
        ("query($id: ID!) { slot(id: $id) { id title staff { fullName } } }", {"id": slot_id}),
    ):
        await assert_fully_planned(api, query, variables, world.staff.token)
    before = await _metric_samples(api)
    booked = await api.book(await api.user(), slot_id)
    assert not booked.errors
    assert await _metric_samples(api) == before


# -- the hot shapes ----------------------------------------------------------------------------

# docs/API.md, "Pagination": every list is a Relay connection.
RELAY_SLOTS = """query RelaySlots($first: Int, $after: String) {
  slots(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title startsAt remaining staff { fullName } } }
  }
}"""

# docs/API.md, "slots".
BROWSE_SLOTS = """query BrowseSlots($first: Int, $after: String, $filter: SlotFilter) {
  slots(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id title location startsAt endsAt timeZone
        capacity bookedCount remaining status
        staff { fullName }
      }
    }
  }
}"""

# A slot's bookings as staff, as a Relay connection.
RELAY_SLOT_BOOKINGS = """query RelaySlotBookings($id: ID!, $after: String) {
  slot(id: $id) {
    title
    bookings(first: 1, after: $after) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id customerName status user { fullName } } }
    }
  }
}"""

# docs/API.md, "Mobile: a slot list screen".
SLOT_LIST_SCREEN = """query SlotListScreen($after: String, $from: DateTime!) {
  slots(first: 20, after: $after, filter: {availableOnly: true, startsAfter: $from}) {
    pageInfo { hasNextPage endCursor }
    edges {
      node { id title location startsAt timeZone remaining }
    }
  }
}"""


async def test_q_small_runs_fully_planned(api: Api) -> None:
    world = await _world(api)
    data = await assert_fully_planned(api, Q_SMALL, None, world.staff.token)
    slots = data["slots"]["edges"]
    assert len(slots) == 3 and all(len(s["node"]["bookings"]["edges"]) == 2 for s in slots)


async def test_q_large_runs_fully_planned(api: Api) -> None:
    world = await _world(api)
    # Planned throughout; the slots' bookings pages are built as objects, not written: their
    # nodes read `records`, a page loaded on its own, which a written row cannot hold.
    built = frozenset({"BookingSlot.bookings"})
    data = await assert_fully_planned(api, Q_LARGE, None, world.staff.token, built=built)
    assert len(data["slots"]["edges"]) == 3


async def test_relay_slot_lists_run_fully_planned(api: Api) -> None:
    await _world(api, bookings=1)
    first = await assert_fully_planned(api, RELAY_SLOTS, {"first": 2})
    page = first["slots"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
    after = {"first": 2, "after": page["pageInfo"]["endCursor"]}
    second = await assert_fully_planned(api, RELAY_SLOTS, after)
    assert len(second["slots"]["edges"]) == 1 and second["slots"]["pageInfo"]["hasPreviousPage"]
    variables = {"first": 10, "filter": {"availableOnly": True, "search": "class"}}
    browse = await assert_fully_planned(api, BROWSE_SLOTS, variables)
    assert browse["slots"]["totalCount"] == 3


async def test_a_slots_bookings_as_staff_run_fully_planned(api: Api) -> None:
    world = await _world(api, slots=1)
    variables: dict[str, Any] = {"id": world.slots[0]["id"], "after": None}
    first = await assert_fully_planned(api, RELAY_SLOT_BOOKINGS, variables, world.staff.token)
    page = first["slot"]["bookings"]
    assert len(page["edges"]) == 1 and page["pageInfo"]["hasNextPage"]
    variables["after"] = page["pageInfo"]["endCursor"]
    second = await assert_fully_planned(api, RELAY_SLOT_BOOKINGS, variables, world.staff.token)
    assert len(second["slot"]["bookings"]["edges"]) == 1


async def test_the_documented_slot_roster_runs_fully_planned(api: Api) -> None:
    world = await _world(api, slots=1)
    variables = {"id": world.slots[0]["id"]}
    # Planned throughout; the roster reads `totalCount` and the customers' `email` (checked
    # per viewer, loaded on its own), so its page is built as objects, not written.
    built = frozenset({"BookingSlot.bookings"})
    await assert_fully_planned(api, SLOT_ROSTER, variables, world.staff.token, built=built)


async def test_the_mobile_slot_list_runs_fully_planned(api: Api) -> None:
    world = await _world(api, bookings=1)
    start = world.slots[0]["startsAt"]
    variables: dict[str, Any] = {"after": None, "from": start}
    data = await assert_fully_planned(api, SLOT_LIST_SCREEN, variables)
    edges = data["slots"]["edges"]
    assert [e["node"]["title"] for e in edges] == ["Class 0", "Class 1", "Class 2"]
    assert data["slots"]["pageInfo"]["hasNextPage"] is False
    variables["after"] = data["slots"]["pageInfo"]["endCursor"]
    assert (await assert_fully_planned(api, SLOT_LIST_SCREEN, variables))["slots"]["edges"] == []


# -- reasons only a special schema has ---------------------------------------------------------


class _NoPool:
    """Enough of a Database for Metrics to render (no pool to report)."""

    class engine:  # noqa: N801
        class sync_engine:  # noqa: N801
            pool = None


class _Context:
    """What the executor asks of a context: its metrics."""

    def __init__(self) -> None:
        self.metrics = Metrics(cast(Database, _NoPool()))


class Allow(BasePermission):
    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


@strawberry.interface
class Thing:
    id: strawberry.ID


@strawberry.type
class Part(Thing):
    name: str


@strawberry.type
class PartEdge:
    node: Part


@strawberry.type
class PartConnection:
    edges: list[PartEdge]


async def _things(context: Any, items: Sequence[Item]) -> list[Thing]:
    return [Part(id=strawberry.ID(f"part-{item.id}"), name="a part") for item in items]


async def _parts(context: Any, items: Sequence[Item]) -> list[PartConnection]:
    return [PartConnection(edges=[PartEdge(node=Part(id=item.id, name="p"))]) for item in items]


async def _guarded(context: Any, items: Sequence[Item]) -> list[str]:
    return [f"guarded {item.id}" for item in items]


@strawberry.type
class Item:
    id: strawberry.ID
    name: str

    @strawberry.field
    async def unbatched(self) -> str:
        return f"unbatched {self.id}"

    @strawberry.field
    @batched(_things)
    async def thing(self, info: Info) -> Thing:
        return (await _things(info.context, [self]))[0]

    @strawberry.field(permission_classes=[Allow])
    @batched(_guarded)
    async def guarded(self, info: Info) -> str:
        return (await _guarded(info.context, [self]))[0]

    @strawberry.field
    @batched(_parts)
    async def parts(self, info: Info) -> PartConnection:
        return (await _parts(info.context, [self]))[0]


ITEMS = [Item(id=strawberry.ID(str(n)), name=f"item {n}") for n in range(3)]


async def _items(context: Any, roots: Sequence[object]) -> list[list[Item]]:
    return [ITEMS for _ in roots]


@strawberry.type
class Query:
    @strawberry.field
    @batched(_items)
    async def items(self, info: Info) -> list[Item]:
        return (await _items(info.context, [self]))[0]

    @strawberry.field
    async def first_item(self) -> Item:
        return ITEMS[0]


class HooksResolve(SchemaExtension):
    """A schema extension that wraps every resolver (as tracing does): graphql-core middleware."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


def _schema(**options: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=FastExecutor, **options)


async def _run(schema: strawberry.Schema, query: str) -> tuple[dict[str, float], Any]:
    """Run `query` on a fresh context; its fallback counts as its /metrics would say them."""
    context = _Context()
    result = await schema.execute(query, context_value=context)
    if hasattr(result, "initial_result"):  # @defer: the first part is enough here
        result = result.initial_result
    assert not result.errors, result.errors
    return _fallback_samples(context.metrics.render().decode()), result.data


@pytest.mark.parametrize(
    ("options", "query", "expected"),
    [
        pytest.param(
            {},
            "{ items { id unbatched } }",
            [("Item.unbatched", "no_batch_form")],
            id="no_batch_form",
        ),
        pytest.param(
            {}, "{ items { thing { id } } }", [("Item.thing", "abstract_type")], id="abstract"
        ),
        pytest.param(
            {},
            "{ items { guarded } }",
            [("Item.guarded", "field_extensions")],
            id="field_extensions",
        ),
        pytest.param(
            {},
            "{ items { parts { edges { node { name } } } } }",
            [("Item.parts", "all_columns"), ("Item.parts", "objects_built")],
            id="all_columns-objects_built",
        ),
        pytest.param(
            {"config": StrawberryConfig(enable_experimental_incremental_execution=True)},
            "{ items { id ... @defer { name } } }",
            [("Query.items", "defer")],
            id="defer",
        ),
        pytest.param(
            {"extensions": [HooksResolve]},
            "{ items { id } firstItem { id } }",
            [("Query.items", "middleware"), ("Query.firstItem", "middleware")],
            id="middleware",
        ),
    ],
)
async def test_each_reason_is_logged_and_counted_on_every_request(
    caplog: pytest.LogCaptureFixture,
    options: dict[str, Any],
    query: str,
    expected: list[tuple[str, str]],
) -> None:
    """Reported once per request (each field and reason once, however many objects), and
    again on the next request of the same document, served from the kept plan."""
    schema = _schema(**options)
    caplog.set_level(logging.DEBUG, logger=ENGINE_LOGGER)
    for _ in range(2):
        caplog.clear()
        counts, data = await _run(schema, query)
        assert data is not None and len(data["items"]) == 3
        reasons = [reason for _field, reason in expected]
        assert counts == {reason: reasons.count(reason) for reason in reasons}
        lines = [f"{field} left the fast path: {reason}" for field, reason in expected]
        assert sorted(_lines(caplog)) == sorted(lines)


async def test_root_fields_without_a_batch_form_are_not_reported() -> None:
    counts, data = await _run(_schema(), "{ firstItem { id name } items { id } }")
    assert counts == {} and data["firstItem"] == {"id": "0", "name": "item 0"}


async def test_a_field_below_is_reported_not_the_fields_handed_over_with_it() -> None:
    """`Item.unbatched` sends `Query.items` to graphql-core, and is tried again at each level
    below: one report, naming it."""
    counts, _data = await _run(_schema(), "{ items { id unbatched } firstItem { unbatched } }")
    assert counts == {"no_batch_form": 1}
