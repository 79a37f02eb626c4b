"""A request's rows are freed when it ends, not left to the cycle collector.

graphql-core's executor was a reference cycle reaching the request context: every row a request
loaded stayed alive until a GC pass, which then took hundreds of milliseconds (bench/: 0.5 s
every ~50 Q-large requests). A successful request now leaves no cyclic garbage; a failing one
(an exception's traceback is a cycle) leaves some, which must not grow with the rows it read.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest

from bench.inprocess import Caller
from graphql_api.models import Role
from tests.domain_helpers import base_time, book, make_slot
from tests.helpers import Api

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine

NESTED = """{ slots(first: 10) { edges { node { id title staff { fullName }
  bookings(first: 10) { totalCount edges { node { id status user { fullName }
    records(first: 3) { edges { node { kind actor { fullName } } } } } } } } } } }"""


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _cyclic_garbage_of_one_request(api: Api, token: str) -> int:
    gc.collect()
    (await api.gql(NESTED, token=token)).ok()
    return gc.collect()


async def test_cyclic_garbage_does_not_grow_with_rows(api: Api, collector_paused: None) -> None:
    staff = await api.user(Role.STAFF)
    customers = [await api.user() for _ in range(8)]
    first = await make_slot(api, staff, base_time(48), capacity=10, staffId=staff.gid)
    await book(api, customers[0], first["id"])
    await _cyclic_garbage_of_one_request(api, staff.token)  # warm caches
    few = await _cyclic_garbage_of_one_request(api, staff.token)

    for i in range(1, 8):
        slot = await make_slot(api, staff, base_time(48 + 2 * i), capacity=10, staffId=staff.gid)
        for customer in customers:
            await book(api, customer, slot["id"])
    many = await _cyclic_garbage_of_one_request(api, staff.token)
    # 57 bookings with users and records instead of 1: over 500 more rows and nodes.
    assert many - few < 150, (few, many)


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "full-path"])
async def test_a_successful_query_leaves_no_cyclic_garbage(
    api: Api, collector_paused: None, prepared: bool
) -> None:
    """Everything a successful request allocates is freed by reference counting, so the
    collector's young passes (~2 ms each here) almost never run. graphql-core's executor
    pointed its resolve-info helpers at its own bound methods: a cycle that left ~220 objects a
    request (the executor, its plans, the request and the context) to the collector."""
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time(48), capacity=10, staffId=staff.gid)
    await book(api, customer, slot["id"])
    # Straight to the ASGI app (the bench's in-process caller; it refuses errors and non-200):
    # a test client's own request and response objects form reference cycles.
    if not prepared:  # every request through Strawberry's pipeline (graphql/prepared.py)
        api.app.state.schema.prepared = None
    caller = Caller(api.app, json.dumps({"query": NESTED}).encode(), staff.token)
    await caller.call()  # warm caches
    gc.collect()
    answer = json.loads(await caller.call())
    assert gc.collect() == 0
    assert answer["data"]["slots"]["edges"]
