"""A request's rows are freed when it ends, not left to the cycle collector.

graphql-core's executor is a reference cycle, and it reaches the request context; unless the
context's DataLoaders are emptied when the operation ends, every row a request loaded stays
alive until a GC pass, which then takes hundreds of milliseconds (bench/: 0.5 s every ~50
Q-large requests). The cyclic garbage a request leaves must not grow with the rows it read.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from graphql_api.models import Role
from tests.domain_helpers import base_time, book, make_slot
from tests.helpers import Api

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
