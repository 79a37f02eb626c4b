"""N+1 guards: the number of SQL statements of one GraphQL request does not grow with the
number of rows. Nested relations go through per-request DataLoaders, one `IN (...)` statement
per level; the viewer is read from the database once per request and is counted too.

Data is inserted straight through SQLAlchemy (thousands of rows in a few statements) with
`booked_count` kept equal to the confirmed bookings; `StatementCounter` wraps the single HTTP
request being measured."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from graphql_api.models import (
    Booking,
    BookingSlot,
    BookingStatus,
    Record,
    RecordKind,
    Role,
    SlotStatus,
)
from tests.concurrency_helpers import assert_invariants, bulk_users
from tests.engine_helpers import assert_fully_planned
from tests.helpers import Account, Api, StatementCounter, future

SLOTS = """query($n: Int!) { slots(first: $n) { edges { node {
  title staff { fullName }
  bookings(first: 5) { edges { node {
    user { fullName } records(first: 5) { edges { node { kind } } } } } } } } } }"""

SLOTS_WITH_TOTALS = """query($n: Int!) { slots(first: $n) { totalCount edges { node {
  title staff { fullName }
  bookings(first: 5) { totalCount edges { node {
    user { fullName } records(first: 5) { totalCount edges { node { kind } } } } } } } } } }"""

BOOKINGS = """query($n: Int!) { bookings(first: $n) { edges { node {
  slot { title } user { fullName }
  records { edges { node { actor { fullName } } } } } } } }"""

RECORDS = """query($n: Int!) { records(first: $n) { edges { node {
  kind actor { id } user { id } booking { id } slot { id } fromSlot { id } toSlot { id } } } } }"""

# What one request may cost, statement by statement: an upper bound (the point of the tests is
# that the count is the same for 5 and for 50 rows). Measured: slots 5, slots_with_totals 8,
# bookings 6, records 5 on both backends; in the slots queries the viewer is loaded in the same
# user batch as the slots' staff members (both are asked for in the same tick).
EXPECTED = {
    # viewer, slots page, slot staff (users, with the viewer when it is not known yet),
    # bookings per slot with their customers JOINed, records per booking: one per level + 1
    "slots": 4,
    # the same plus one COUNT per connection level (slots, bookings per slot, records per booking)
    "slots_with_totals": 7,
    # viewer, bookings page, their slots, their customers, records per booking, record actors
    "bookings": 6,
    # viewer, records page, users (actor and user together), bookings, slots (slot/from/to)
    "records": 5,
}
# Those that run fully planned (tests/engine_helpers.py); in the others a nested page's nodes
# read a relation loaded on its own, so the page is built as objects (objects_built).
FULLY_PLANNED = {"records"}
QUERIES = {
    "slots": SLOTS,
    "slots_with_totals": SLOTS_WITH_TOTALS,
    "bookings": BOOKINGS,
    "records": RECORDS,
}


class World:
    """Who the bulk data belongs to: a runner (the slots' staff member), a clerk (the actor of
    every record, neither viewer nor customer, so actor loads are real loads) and customers."""

    def __init__(self, viewer: Account, runner: Account, clerk: Account, customers: list[Account]):
        self.viewer = viewer
        self.runner = runner
        self.clerk = clerk
        self.customers = customers
        self.slots = 0
        self.previous_slot_id: int | None = None

    @classmethod
    async def create(cls, api: Api) -> World:
        viewer = await api.user(Role.STAFF)
        runner, clerk = await bulk_users(api, 2, Role.STAFF)
        return cls(viewer, runner, clerk, await bulk_users(api, 12))

    async def add_slots(self, api: Api, count: int) -> None:
        """`count` more slots, hourly, each with 2 or 3 CONFIRMED bookings of different
        customers, a SLOT_CREATED and a BOOKING_CREATED record each, and (after the first slot)
        one booking that came from the previous slot by a BOOKING_RESCHEDULED record."""
        base = future(48)
        first = self.slots
        async with api.db.write() as session, session.begin():
            slots = []
            for i in range(first, first + count):
                starts = base + timedelta(hours=i)
                slots.append(
                    BookingSlot(
                        title=f"Class {i}",
                        location="Room 1",
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=45),
                        time_zone="UTC",
                        capacity=5,
                        booked_count=2 + i % 2,
                        status=SlotStatus.OPEN,
                        staff_id=self.runner.id,
                    )
                )
            session.add_all(slots)
            await session.flush()
            per_slot: list[list[Booking]] = []
            for i, slot in zip(range(first, first + count), slots, strict=True):
                customers = [
                    self.customers[(i + j) % len(self.customers)] for j in range(slot.booked_count)
                ]
                per_slot.append(
                    [
                        Booking(
                            slot_id=slot.id,
                            user_id=c.id,
                            customer_name=f"Customer {c.id}",
                            status=BookingStatus.CONFIRMED,
                        )
                        for c in customers
                    ]
                )
            session.add_all([b for group in per_slot for b in group])
            await session.flush()
            previous_slot_id = self.previous_slot_id
            for slot, group in zip(slots, per_slot, strict=True):
                session.add(
                    Record(kind=RecordKind.SLOT_CREATED, actor_id=self.clerk.id, slot_id=slot.id)
                )
                for n, booking in enumerate(group):
                    moved = n == 0 and previous_slot_id is not None
                    session.add(
                        Record(
                            kind=RecordKind.BOOKING_CREATED,
                            actor_id=self.clerk.id,
                            user_id=booking.user_id,
                            booking_id=booking.id,
                            slot_id=previous_slot_id if moved else slot.id,
                        )
                    )
                    if moved:
                        session.add(
                            Record(
                                kind=RecordKind.BOOKING_RESCHEDULED,
                                actor_id=self.clerk.id,
                                user_id=booking.user_id,
                                booking_id=booking.id,
                                slot_id=slot.id,
                                from_slot_id=previous_slot_id,
                                to_slot_id=slot.id,
                            )
                        )
                previous_slot_id = slot.id
            await session.flush()
        self.previous_slot_id = previous_slot_id
        self.slots += count


async def measure(api: Api, world: World, name: str, n: int) -> tuple[list[str], dict[str, Any]]:
    with StatementCounter(api.db) as counter:
        result = await api.gql(QUERIES[name], {"n": n}, token=world.viewer.token)
    return counter.statements, result.ok()


def check_shape(name: str, data: dict[str, Any], rows: int) -> None:
    """The request really returned `rows` rows with their nested relations filled in."""
    if name.startswith("slots"):
        edges = data["slots"]["edges"]
        assert len(edges) == rows
        for edge in edges:
            node = edge["node"]
            assert node["staff"]["fullName"].startswith("Bulk Staff")
            bookings = node["bookings"]["edges"]
            assert len(bookings) in (2, 3)
            for booking in bookings:
                assert booking["node"]["user"]["fullName"]
                assert booking["node"]["records"]["edges"], booking
    elif name == "bookings":
        edges = data["bookings"]["edges"]
        assert len(edges) == rows
        for edge in edges:
            node = edge["node"]
            assert node["slot"]["title"].startswith("Class ")
            assert node["user"]["fullName"]
            actors = {r["node"]["actor"]["fullName"] for r in node["records"]["edges"]}
            assert actors and all(a.startswith("Bulk Staff") for a in actors)
    else:
        edges = data["records"]["edges"]
        assert len(edges) == rows
        nodes = [e["node"] for e in edges]
        assert all(n["actor"] for n in nodes)
        assert any(n["booking"] and n["user"] for n in nodes)
        assert any(n["fromSlot"] and n["toSlot"] for n in nodes)


@pytest.mark.parametrize("name", list(QUERIES))
async def test_statement_count_does_not_grow_with_rows(api: Api, backend: str, name: str) -> None:
    world = await World.create(api)
    started = time.perf_counter()
    await world.add_slots(api, 5)
    seeded_small = time.perf_counter() - started

    # 5 slots in the database: every row there is (5 slots; 12 bookings; 5 records asked for).
    small_rows = {"bookings": 12, "records": 5}.get(name, 5)
    small, data = await measure(api, world, name, 50 if name != "records" else 5)
    check_shape(name, data, small_rows)

    started = time.perf_counter()
    await world.add_slots(api, 45)
    seeded_large = time.perf_counter() - started
    five, data = await measure(api, world, name, 5)
    check_shape(name, data, 5)
    fifty, data = await measure(api, world, name, 50)
    check_shape(name, data, 50)

    print(
        f"\n[{backend}] {name}: {len(small)} statements with 5 slots, "
        f"{len(five)} for 5 rows and {len(fifty)} for 50 rows of 50 slots "
        f"(seeding {seeded_small:.2f}s + {seeded_large:.2f}s)"
    )
    for statement in fifty:
        print("   ", " ".join(statement.split())[:150])
    assert len(small) == len(five) == len(fifty), (small, five, fifty)
    if name in FULLY_PLANNED and api.app.state.settings.fast_executor:
        await assert_fully_planned(api, QUERIES[name], {"n": 50}, world.viewer.token)
    assert len(fifty) <= EXPECTED[name], fifty
    for statements in (small, five, fifty):
        counts = [s for s in statements if "count(" in s.lower()]
        if name == "slots_with_totals":
            assert len(counts) == 3, counts  # one per connection level, batched
        else:
            assert not counts, counts  # totalCount not asked for: nothing is counted

    snap = await assert_invariants(api)  # the bulk data is consistent, booked_count included
    assert len(snap.slots) == 50
    assert sum(s.booked_count for s in snap.slots.values()) == len(snap.bookings) == 125
