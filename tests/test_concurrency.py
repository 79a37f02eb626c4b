"""Concurrency: many requests in flight at once through one ASGI client.

The requests truly interleave at every await (each has its own AsyncSession), so these tests
exercise the database-side guarantees of API.md and DESIGN.md ("Data integrity"): no overbooking,
one confirmed booking per user and slot, atomic reschedules, cancelSlot and updateSlot racing
bookings, on SQLite and on PostgreSQL. After each race the database is checked directly
(`assert_invariants`) as well as through the API as staff."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any

import pytest

from graphql_api.models import BookingStatus, RecordKind, Role
from tests.concurrency_helpers import (
    assert_clean,
    assert_invariants,
    assert_no_unexpected_logs,
    bulk_users,
    codes,
)
from tests.helpers import Account, Api, GraphQLResult

SLOT_STATE = """query($id: ID!, $slotId: ID!) {
  slot(id: $id) {
    capacity bookedCount remaining status
    bookings(first: 100, status: CONFIRMED) {
      totalCount edges { node { id status user { id } slot { id } } }
    }
  }
  created: records(first: 100, filter: {slotId: $slotId, kind: BOOKING_CREATED}) {
    totalCount edges { node { booking { id } user { id } } }
  }
  cancelled: records(first: 100, filter: {slotId: $slotId, kind: BOOKING_CANCELLED}) {
    totalCount edges { node { booking { id } } }
  }
  slotCancelled: records(first: 100, filter: {slotId: $slotId, kind: SLOT_CANCELLED}) {
    totalCount
  }
}"""

CANCEL_BOOKING = """mutation($id: ID!) { cancelBooking(id: $id) { id status slot { id } } }"""
RESCHEDULE = """mutation($id: ID!, $slotId: ID!) {
  rescheduleBooking(id: $id, slotId: $slotId) { id status slot { id } } }"""
CANCEL_SLOT = """mutation($id: ID!) { cancelSlot(id: $id, reason: "race") {
  id status bookedCount } }"""
UPDATE_CAPACITY = """mutation($id: ID!, $capacity: Int!) {
  updateSlot(id: $id, input: {capacity: $capacity}) { id capacity bookedCount } }"""


@pytest.fixture(autouse=True)
def _capture_server_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="graphql_api.services.tx")


async def slot_state(api: Api, staff: Account, slot_id: str) -> dict[str, Any]:
    result = await api.gql(SLOT_STATE, {"id": slot_id, "slotId": slot_id}, token=staff.token)
    return result.ok()


def booking_ids(results: list[GraphQLResult], field: str = "createBooking") -> list[str]:
    return [r.ok()[field]["id"] for r in results if not r.errors]


async def book_many(api: Api, slot_id: str, customers: list[Account]) -> list[GraphQLResult]:
    return list(await asyncio.gather(*(api.book(c, slot_id) for c in customers)))


# --- createBooking -----------------------------------------------------------------------------


@pytest.mark.parametrize("round_no", [1, 2, 3])
async def test_fifty_customers_race_for_five_places(
    api: Api, caplog: pytest.LogCaptureFixture, backend: str, round_no: int
) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=5)
    customers = await bulk_users(api, 50)

    started = time.perf_counter()
    results = await book_many(api, slot["id"], customers)
    elapsed = time.perf_counter() - started

    assert_clean(results, {"SLOT_FULL"})
    assert codes(results) == {"OK": 5, "SLOT_FULL": 45}
    winners = [r.ok()["createBooking"] for r in results if not r.errors]
    for customer, result in zip(customers, results, strict=True):
        if not result.errors:
            booking = result.ok()["createBooking"]
            assert booking["status"] == "CONFIRMED"
            assert booking["user"]["id"] == customer.gid
            assert 1 <= booking["slot"]["bookedCount"] <= 5
        else:
            assert result.data is None

    state = await slot_state(api, staff, slot["id"])
    assert state["slot"]["bookedCount"] == 5
    assert state["slot"]["remaining"] == 0
    assert state["slot"]["bookings"]["totalCount"] == 5
    confirmed = {e["node"]["id"] for e in state["slot"]["bookings"]["edges"]}
    assert confirmed == {w["id"] for w in winners}
    assert state["created"]["totalCount"] == 5
    assert {e["node"]["booking"]["id"] for e in state["created"]["edges"]} == confirmed

    snap = await assert_invariants(api)
    assert len(snap.bookings) == 5
    retries = assert_no_unexpected_logs(caplog)
    print(f"\n[{backend} round {round_no}] 50 bookings in {elapsed:.2f}s, {len(retries)} retries")


async def test_one_customer_fires_ten_identical_bookings(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=20)
    customer = await api.user()

    results = await book_many(api, slot["id"], [customer] * 10)

    assert_clean(results, {"ALREADY_BOOKED"})
    assert codes(results) == {"OK": 1, "ALREADY_BOOKED": 9}
    state = await slot_state(api, staff, slot["id"])
    assert state["slot"]["bookedCount"] == 1
    assert state["slot"]["bookings"]["totalCount"] == 1
    assert state["created"]["totalCount"] == 1
    snap = await assert_invariants(api)
    assert len(snap.bookings) == 1
    assert_no_unexpected_logs(caplog)


async def test_customer_and_staff_book_the_same_customer_at_once(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """The same user booked by themselves and by two staff members concurrently: one place."""
    staff = await api.user(Role.STAFF)
    desk = await bulk_users(api, 2, Role.STAFF)
    slot = await api.create_slot(staff, capacity=20)
    customer = await api.user()

    results = list(
        await asyncio.gather(
            api.book(customer, slot["id"]),
            *(api.book(d, slot["id"], userId=customer.gid) for d in desk),
            api.book(customer, slot["id"]),
        )
    )

    assert_clean(results, {"ALREADY_BOOKED"})
    assert codes(results) == {"OK": 1, "ALREADY_BOOKED": 3}
    snap = await assert_invariants(api)
    assert [b.user_id for b in snap.bookings.values()] == [customer.id]
    assert_no_unexpected_logs(caplog)


async def test_one_customer_books_overlapping_slots_at_once(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """No two CONFIRMED bookings of one user may overlap in time, also when requested together."""
    staff = await api.user(Role.STAFF)
    # Five slots that all overlap the 48h..49h window (staggered by 10 minutes).
    slots = [
        await api.create_slot(staff, capacity=5, starts_in_hours=48 + i / 6, title=f"Overlap {i}")
        for i in range(5)
    ]
    customer = await api.user()

    results = list(await asyncio.gather(*(api.book(customer, s["id"]) for s in slots)))

    assert_clean(results, {"CONFLICT"})
    assert codes(results) == {"OK": 1, "CONFLICT": 4}
    snap = await assert_invariants(api)
    assert len(snap.bookings) == 1
    assert sum(s.booked_count for s in snap.slots.values()) == 1
    assert_no_unexpected_logs(caplog)


# --- rescheduleBooking -------------------------------------------------------------------------


async def test_concurrent_reschedules_into_the_last_place(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    staff = await api.user(Role.STAFF)
    movers = await bulk_users(api, 10)
    holders = await bulk_users(api, 2)
    # The target first (lowest id) and far from the others, so no time overlaps.
    target = await api.create_slot(staff, capacity=3, starts_in_hours=300, title="Target")
    sources = [
        await api.create_slot(staff, capacity=2, starts_in_hours=48 + 2 * i, title=f"Source {i}")
        for i in range(len(movers))
    ]
    for holder in holders:
        assert not (await api.book(holder, target["id"])).errors
    moving: list[str] = []
    for mover, source in zip(movers, sources, strict=True):
        moving.append((await api.book(mover, source["id"])).ok()["createBooking"]["id"])

    results = list(
        await asyncio.gather(
            *(
                api.gql(RESCHEDULE, {"id": bid, "slotId": target["id"]}, token=mover.token)
                for mover, bid in zip(movers, moving, strict=True)
            )
        )
    )

    assert_clean(results, {"SLOT_FULL"})
    assert codes(results) == {"OK": 1, "SLOT_FULL": 9}
    winner_index = next(i for i, r in enumerate(results) if not r.errors)
    moved = results[winner_index].ok()["rescheduleBooking"]
    assert moved["id"] == moving[winner_index]  # the booking keeps its id
    assert moved["slot"]["id"] == target["id"]
    assert moved["status"] == "CONFIRMED"

    snap = await assert_invariants(api)
    target_pk = next(pk for pk, s in snap.slots.items() if s.title == "Target")
    assert snap.slots[target_pk].booked_count == 3
    for i, source in enumerate(sources):
        state = await slot_state(api, staff, source["id"])
        assert state["slot"]["bookedCount"] == (0 if i == winner_index else 1)
        assert state["slot"]["bookings"]["totalCount"] == state["slot"]["bookedCount"]
    # Every booking still holds exactly one place: 12 bookings, all CONFIRMED, 12 places taken.
    assert len(snap.bookings) == 12
    assert all(b.status == BookingStatus.CONFIRMED for b in snap.bookings.values())
    assert sum(s.booked_count for s in snap.slots.values()) == 12
    rescheduled = [r for r in snap.records if r.kind == RecordKind.BOOKING_RESCHEDULED]
    assert len(rescheduled) == 1
    assert rescheduled[0].to_slot_id == target_pk
    assert_no_unexpected_logs(caplog)


async def _movers(
    api: Api, staff: Account, count: int, *, capacity: int = 2
) -> tuple[list[Account], list[str]]:
    """`count` customers, each with a confirmed booking in a slot of their own (2h apart)."""
    customers = await bulk_users(api, count)
    booked: list[str] = []
    for i, customer in enumerate(customers):
        source = await api.create_slot(
            staff, capacity=capacity, starts_in_hours=48 + 2 * i, title=f"Source {i}"
        )
        booked.append((await api.book(customer, source["id"])).ok()["createBooking"]["id"])
    return customers, booked


async def test_cancel_races_reschedule_of_the_same_booking(
    api: Api, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    """Each customer cancels and reschedules one booking at once. In any serial order the cancel
    succeeds (before: the booking is confirmed; after: it is still confirmed, in the new slot),
    and the reschedule succeeds or finds the booking cancelled. Nothing else may happen."""
    staff = await api.user(Role.STAFF)
    target = await api.create_slot(staff, capacity=20, starts_in_hours=300, title="Target")
    customers, booked = await _movers(api, staff, 10)

    calls = []
    for customer, bid in zip(customers, booked, strict=True):
        calls.append(api.gql(RESCHEDULE, {"id": bid, "slotId": target["id"]}, token=customer.token))
        calls.append(api.gql(CANCEL_BOOKING, {"id": bid}, token=customer.token))
    results = list(await asyncio.gather(*calls))
    moves, cancels = results[0::2], results[1::2]

    assert_clean(results, {"CONFLICT"})
    for cancel in cancels:
        assert cancel.ok()["cancelBooking"]["status"] == "CANCELLED", cancel
    for move in moves:
        if move.errors:
            assert "cancelled" in move.errors[0]["message"], move
    snap = await assert_invariants(api)
    assert all(b.status == BookingStatus.CANCELLED for b in snap.bookings.values())
    assert all(s.booked_count == 0 for s in snap.slots.values())
    rescheduled = [r for r in snap.records if r.kind == RecordKind.BOOKING_RESCHEDULED]
    assert len(rescheduled) == sum(1 for m in moves if not m.errors)
    retries = assert_no_unexpected_logs(caplog)
    print(
        f"\n[{backend}] cancel vs reschedule: {len(rescheduled)}/10 moved before the cancel, "
        f"{len(retries)} retries"
    )


async def test_two_reschedules_of_the_same_booking_race(
    api: Api, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    """A booking moved to two different slots at once: in any serial order both moves succeed
    and the booking ends where the later one took it, holding exactly one place."""
    staff = await api.user(Role.STAFF)
    left = await api.create_slot(staff, capacity=20, starts_in_hours=300, title="Left")
    right = await api.create_slot(staff, capacity=20, starts_in_hours=310, title="Right")
    customers, booked = await _movers(api, staff, 8)

    calls = []
    for customer, bid in zip(customers, booked, strict=True):
        for target in (left, right):
            calls.append(
                api.gql(RESCHEDULE, {"id": bid, "slotId": target["id"]}, token=customer.token)
            )
    results = list(await asyncio.gather(*calls))

    assert_clean(results, set())
    snap = await assert_invariants(api)
    slot_pk = {s.title: pk for pk, s in snap.slots.items()}
    assert snap.slots[slot_pk["Left"]].booked_count + snap.slots[slot_pk["Right"]].booked_count == 8
    assert all(b.status == BookingStatus.CONFIRMED for b in snap.bookings.values())
    for booking in snap.bookings.values():
        moves = snap.records_of(booking.id, RecordKind.BOOKING_RESCHEDULED)
        assert len(moves) == 2
        assert moves[1].from_slot_id == moves[0].to_slot_id  # a chain, no lost update
        assert moves[1].to_slot_id == booking.slot_id
    retries = assert_no_unexpected_logs(caplog)
    print(f"\n[{backend}] double reschedule: {len(retries)} retries")


# --- cancelSlot, updateSlot, cancelBooking racing bookings ------------------------------------


@pytest.mark.parametrize("cancel_after", [0, 4])
async def test_bookings_race_cancel_slot(
    api: Api, caplog: pytest.LogCaptureFixture, backend: str, cancel_after: int
) -> None:
    """30 customers book a capacity-10 slot while staff cancel it. The cancel is sent together
    with the bookings, or once `cancel_after` bookings have been answered (an event, not a
    sleep), so it lands in the middle of the others."""
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=10)
    customers = await bulk_users(api, 30)
    answered = 0
    go = asyncio.Event()

    async def book(customer: Account) -> GraphQLResult:
        nonlocal answered
        result = await api.book(customer, slot["id"])
        answered += 1
        if answered >= cancel_after:
            go.set()
        return result

    async def cancel() -> GraphQLResult:
        if cancel_after:
            await go.wait()
        return await api.gql(CANCEL_SLOT, {"id": slot["id"]}, token=staff.token)

    cancel_result, *results = await asyncio.gather(cancel(), *(book(c) for c in customers))

    assert_clean([cancel_result], set())
    assert cancel_result.ok()["cancelSlot"] == {
        "id": slot["id"],
        "status": "CANCELLED",
        "bookedCount": 0,
    }
    assert_clean(results, {"SLOT_FULL", "CONFLICT"})
    counted = codes(results)
    assert set(counted) <= {"OK", "SLOT_FULL", "CONFLICT"}
    assert cancel_after <= counted["OK"] <= 10
    if counted["SLOT_FULL"]:  # SLOT_FULL only once all ten places were taken
        assert counted["OK"] == 10

    state = await slot_state(api, staff, slot["id"])
    assert state["slot"]["status"] == "CANCELLED"
    assert state["slot"]["bookedCount"] == 0
    assert state["slot"]["bookings"]["totalCount"] == 0
    booked = set(booking_ids(results))
    assert {e["node"]["booking"]["id"] for e in state["created"]["edges"]} == booked
    assert state["created"]["totalCount"] == len(booked)
    assert {e["node"]["booking"]["id"] for e in state["cancelled"]["edges"]} == booked
    assert state["cancelled"]["totalCount"] == len(booked)
    assert state["slotCancelled"]["totalCount"] == 1

    snap = await assert_invariants(api)
    assert len(snap.bookings) == len(booked)
    assert all(b.status == BookingStatus.CANCELLED for b in snap.bookings.values())
    retries = assert_no_unexpected_logs(caplog)
    print(
        f"\n[{backend}] cancelSlot race (after {cancel_after}): {dict(counted)}, "
        f"{len(retries)} retries"
    )


async def test_two_cancel_slots_race(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    staff = await api.user(Role.STAFF)
    other = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=5)
    for customer in await bulk_users(api, 3):
        assert not (await api.book(customer, slot["id"])).errors

    results = list(
        await asyncio.gather(
            *(api.gql(CANCEL_SLOT, {"id": slot["id"]}, token=t.token) for t in (staff, other) * 2)
        )
    )

    assert_clean(results, {"CONFLICT"})
    assert codes(results) == {"OK": 1, "CONFLICT": 3}
    state = await slot_state(api, staff, slot["id"])
    assert state["cancelled"]["totalCount"] == 3
    assert state["slotCancelled"]["totalCount"] == 1
    await assert_invariants(api)
    assert_no_unexpected_logs(caplog)


async def test_bookings_race_capacity_changes(
    api: Api, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=5)
    customers = await bulk_users(api, 20)
    capacities = [3, 8, 2, 12, 4, 6, 9, 1]
    # Interleave: a capacity change (shrinking or growing) after every few bookings.
    calls: list[tuple[str, Any, Awaitable[GraphQLResult]]] = []
    pending = list(capacities)
    for i, customer in enumerate(customers):
        calls.append(("book", customer, api.book(customer, slot["id"])))
        if i % 3 == 1 and pending:
            capacity = pending.pop(0)
            calls.append(("update", capacity, _update_capacity(api, staff, slot["id"], capacity)))
    for capacity in pending:
        calls.append(("update", capacity, _update_capacity(api, staff, slot["id"], capacity)))
    results = list(await asyncio.gather(*(call for _, _, call in calls)))
    updates = [
        (arg, r) for (kind, arg, _), r in zip(calls, results, strict=True) if kind == "update"
    ]
    books = [r for (kind, _, _), r in zip(calls, results, strict=True) if kind == "book"]
    assert len(updates) == len(capacities)

    assert_clean([r for _, r in updates], {"CONFLICT"})
    assert_clean(books, {"SLOT_FULL"})
    state = await slot_state(api, staff, slot["id"])
    final_capacity = state["slot"]["capacity"]
    booked = state["slot"]["bookedCount"]
    succeeded = booking_ids(books)
    assert booked == len(succeeded) == state["slot"]["bookings"]["totalCount"]
    assert booked <= final_capacity
    granted = [capacity for capacity, r in updates if not r.errors]
    assert final_capacity in {5, *granted}
    for capacity, result in updates:
        if result.errors:
            # Bookings only grow here: a refused capacity was below the count at that moment,
            # so it is below the final count too.
            assert capacity < booked, (capacity, booked)
        else:
            slot_after = result.ok()["updateSlot"]
            assert slot_after["capacity"] == capacity
            assert slot_after["bookedCount"] <= capacity
    await assert_invariants(api)
    retries = assert_no_unexpected_logs(caplog)
    print(
        f"\n[{backend}] capacity race: final capacity {final_capacity}, booked {booked}, "
        f"updates ok {len(granted)}/{len(capacities)}, {len(retries)} retries"
    )


def _update_capacity(
    api: Api, staff: Account, slot_id: str, capacity: int
) -> Awaitable[GraphQLResult]:
    return api.gql(UPDATE_CAPACITY, {"id": slot_id, "capacity": capacity}, token=staff.token)


async def test_cancellations_race_bookings_on_a_full_slot(
    api: Api, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=5)
    holders = await bulk_users(api, 5)
    newcomers = await bulk_users(api, 12)
    held = [(await api.book(h, slot["id"])).ok()["createBooking"]["id"] for h in holders]
    assert (await slot_state(api, staff, slot["id"]))["slot"]["remaining"] == 0

    # Newcomers first, then a cancellation every few bookings.
    calls: list[tuple[str, Awaitable[GraphQLResult]]] = []
    cancels = [
        api.gql(CANCEL_BOOKING, {"id": bid}, token=h.token)
        for h, bid in zip(holders, held, strict=True)
    ]
    for i, newcomer in enumerate(newcomers):
        calls.append(("book", api.book(newcomer, slot["id"])))
        if i % 2 == 0 and cancels:
            calls.append(("cancel", cancels.pop(0)))
    calls.extend(("cancel", c) for c in cancels)
    results = list(await asyncio.gather(*(call for _, call in calls)))
    cancel_results = [r for (k, _), r in zip(calls, results, strict=True) if k == "cancel"]
    book_results = [r for (k, _), r in zip(calls, results, strict=True) if k == "book"]
    assert len(cancel_results) == 5

    assert_clean(cancel_results, set())
    assert all(r.ok()["cancelBooking"]["status"] == "CANCELLED" for r in cancel_results)
    assert_clean(book_results, {"SLOT_FULL"})
    won = booking_ids(book_results)
    assert len(won) <= 5

    state = await slot_state(api, staff, slot["id"])
    assert state["slot"]["bookedCount"] == len(won)
    assert state["slot"]["bookings"]["totalCount"] == len(won)
    assert {e["node"]["id"] for e in state["slot"]["bookings"]["edges"]} == set(won)
    assert state["cancelled"]["totalCount"] == 5
    assert state["created"]["totalCount"] == 5 + len(won)
    await assert_invariants(api)
    retries = assert_no_unexpected_logs(caplog)
    print(f"\n[{backend}] cancel/book race: {len(won)} newcomers got in, {len(retries)} retries")


async def test_ten_cancellations_of_one_booking(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff, capacity=5)
    customer = await api.user()
    bid = (await api.book(customer, slot["id"])).ok()["createBooking"]["id"]

    results = list(
        await asyncio.gather(
            *(
                api.gql(CANCEL_BOOKING, {"id": bid}, token=(customer if i % 2 else staff).token)
                for i in range(10)
            )
        )
    )

    assert_clean(results, {"CONFLICT"})
    assert codes(results) == {"OK": 1, "CONFLICT": 9}
    state = await slot_state(api, staff, slot["id"])
    assert state["slot"]["bookedCount"] == 0
    assert state["cancelled"]["totalCount"] == 1
    await assert_invariants(api)
    assert_no_unexpected_logs(caplog)
