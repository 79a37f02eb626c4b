"""Bookings through HTTP: create, cancel, reschedule, outcomes, and the bookings queries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from graphql_api.models import Role
from tests.domain_helpers import (
    assert_counts_consistent,
    base_time,
    book,
    cancel_booking,
    cancel_slot,
    complete,
    get_booking,
    get_slot,
    list_bookings,
    make_slot,
    missing_id,
    move_to_past,
    new_records,
    no_show,
    record_total,
    reschedule,
    snapshot,
    update_slot,
)
from tests.helpers import Api, every_page, iso, node_ids

# --- createBooking ------------------------------------------------------------------------


async def test_create_booking_defaults_customer_name_and_keeps_notes(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user(name="Ada Lovelace")
    slot = await make_slot(api, staff, base_time(), capacity=3)
    booking = await book(api, customer, slot["id"], notes="  Allergic to eggs  ")
    assert booking["status"] == "CONFIRMED"
    assert booking["customerName"] == "Ada Lovelace"
    assert booking["notes"] == "Allergic to eggs"
    assert booking["user"] == {"id": customer.gid}
    assert booking["slot"] == {"id": slot["id"], "bookedCount": 1, "remaining": 2}
    fetched = await get_booking(api, customer.token, booking["id"])
    assert fetched["createdAt"].endswith("Z") and fetched["updatedAt"].endswith("Z")
    assert {k: v for k, v in fetched.items() if k not in ("createdAt", "updatedAt")} == booking

    other = await api.user(name="Grace Hopper")
    named = await book(api, other, slot["id"], customerName="G. Hopper")
    assert named["customerName"] == "G. Hopper"
    assert named["notes"] is None
    assert named["slot"]["bookedCount"] == 2


async def test_a_full_slot_gives_slot_full_and_changes_nothing(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    first, second = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time(), capacity=1)
    await book(api, first, slot["id"])
    before = await snapshot(api, staff)
    result = await api.book(second, slot["id"], notes="please")
    assert result.code == "SLOT_FULL", result
    assert result.data is None
    by_staff = await api.book(staff, slot["id"], userId=second.gid)
    assert by_staff.code == "SLOT_FULL"
    assert await snapshot(api, staff) == before
    assert (await get_slot(api, slot["id"]))["remaining"] == 0


async def test_already_booked_and_rebooking_after_cancel(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time(), capacity=5)
    booking = await book(api, customer, slot["id"])
    before = await snapshot(api, staff)
    again = await api.book(customer, slot["id"])
    assert again.code == "ALREADY_BOOKED", again
    by_staff = await api.book(staff, slot["id"], userId=customer.gid)
    assert by_staff.code == "ALREADY_BOOKED"
    assert await snapshot(api, staff) == before
    (await cancel_booking(api, customer.token, booking["id"])).ok()
    rebooked = await book(api, customer, slot["id"])
    assert rebooked["id"] != booking["id"]
    assert rebooked["slot"]["bookedCount"] == 1


async def test_overlapping_bookings_conflict_and_adjacent_are_fine(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    ten = await make_slot(api, staff, base, minutes=60)
    half_past = await make_slot(api, staff, base + timedelta(minutes=30), minutes=60)
    inside = await make_slot(api, staff, base + timedelta(minutes=15), minutes=15)
    around = await make_slot(api, staff, base - timedelta(minutes=30), minutes=120)
    eleven = await make_slot(api, staff, base + timedelta(minutes=60), minutes=60)
    nine = await make_slot(api, staff, base - timedelta(minutes=60), minutes=60)
    await book(api, customer, ten["id"])
    before = await snapshot(api, staff)
    for slot in (half_past, inside, around):
        result = await api.book(customer, slot["id"])
        assert result.code == "CONFLICT", (slot, result)
        assert (await api.book(staff, slot["id"], userId=customer.gid)).code == "CONFLICT"
    assert await snapshot(api, staff) == before
    # Back-to-back slots touch but do not overlap.
    assert (await book(api, customer, eleven["id"]))["status"] == "CONFIRMED"
    assert (await book(api, customer, nine["id"]))["status"] == "CONFIRMED"
    # Someone else may hold the overlapping slot.
    assert (await book(api, await api.user(), half_past["id"]))["status"] == "CONFIRMED"


async def test_only_confirmed_bookings_block_overlaps(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    a = await make_slot(api, staff, base)
    b = await make_slot(api, staff, base + timedelta(minutes=30))
    c = await make_slot(api, staff, base + timedelta(minutes=45))
    first = await book(api, customer, a["id"])
    (await cancel_booking(api, customer.token, first["id"])).ok()
    second = await book(api, customer, b["id"])
    (await complete(api, staff.token, second["id"])).ok()
    assert (await book(api, customer, c["id"]))["status"] == "CONFIRMED"


async def test_only_open_future_slots_are_bookable(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    closed = await make_slot(api, staff, base)
    cancelled = await make_slot(api, staff, base + timedelta(hours=2))
    started = await make_slot(api, staff, base + timedelta(hours=4))
    (await update_slot(api, staff.token, closed["id"], status="CLOSED")).ok()
    (await cancel_slot(api, staff.token, cancelled["id"])).ok()
    await move_to_past(api, staff, started["id"])
    before = await snapshot(api, staff)
    for slot in (closed, cancelled, started):
        assert (await api.book(customer, slot["id"])).code == "CONFLICT", slot
        assert (await api.book(staff, slot["id"], userId=customer.gid)).code == "CONFLICT"
    assert await snapshot(api, staff) == before


async def test_customers_book_for_themselves_only(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer, other = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time())
    before = await snapshot(api, staff)
    for user_id in (other.gid, customer.gid, staff.gid):
        result = await api.book(customer, slot["id"], userId=user_id)
        assert result.code == "FORBIDDEN", (user_id, result)
    assert await snapshot(api, staff) == before


async def test_staff_and_admin_book_for_a_customer(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    admin = await api.user(Role.ADMIN)
    customer = await api.user(name="Booked By Staff")
    other = await api.user()
    slot = await make_slot(api, staff, base_time())
    since = await record_total(api, staff)
    booking = await book(api, staff, slot["id"], userId=customer.gid, notes="phoned in")
    assert booking["user"] == {"id": customer.gid}
    assert booking["customerName"] == "Booked By Staff"
    assert booking["notes"] == "phoned in"
    assert await new_records(api, staff, since) == [
        {
            "kind": "BOOKING_CREATED",
            "actor": staff.gid,
            "user": customer.gid,
            "booking": booking["id"],
            "slot": slot["id"],
            "fromSlot": None,
            "toSlot": None,
            "note": None,
        }
    ]
    # The customer owns it: they see it and may cancel it.
    mine, total = await list_bookings(api, customer.token)
    assert (total, mine[0]["id"]) == (1, booking["id"])
    by_admin = await book(api, admin, slot["id"], userId=other.gid, customerName="Walk-in")
    assert (by_admin["user"]["id"], by_admin["customerName"]) == (other.gid, "Walk-in")
    assert (await cancel_booking(api, customer.token, booking["id"])).ok()
    missing = await api.book(staff, slot["id"], userId=missing_id("User"))
    assert missing.code == "NOT_FOUND"
    bad = await api.book(staff, slot["id"], userId="zzz")
    assert bad.code == "BAD_USER_INPUT"


async def test_create_booking_input_errors(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    before = await snapshot(api, staff)
    assert (await api.book(customer, missing_id("BookingSlot"))).code == "NOT_FOUND"
    assert (await api.book(customer, "garbage")).code == "BAD_USER_INPUT"
    assert (await api.book(customer, customer.gid)).code == "BAD_USER_INPUT"
    assert (await api.book(customer, slot["id"], customerName="   ")).code == "BAD_USER_INPUT"
    assert (await api.book(customer, slot["id"], notes="x" * 5000)).code == "BAD_USER_INPUT"
    anonymous = await api.gql(
        "mutation($s: ID!) { createBooking(input: {slotId: $s}) { id } }", {"s": slot["id"]}
    )
    assert anonymous.code == "UNAUTHENTICATED"
    assert await snapshot(api, staff) == before


async def test_booked_count_tracks_confirmed_bookings_through_every_verb(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customers = [await api.user() for _ in range(5)]
    base = base_time()
    a = await make_slot(api, staff, base, capacity=4)
    b = await make_slot(api, staff, base + timedelta(hours=3), capacity=4)
    bookings = [await book(api, c, a["id"]) for c in customers[:4]]
    await assert_counts_consistent(api, staff)
    (await cancel_booking(api, customers[0].token, bookings[0]["id"])).ok()
    await assert_counts_consistent(api, staff)
    (await reschedule(api, customers[1].token, bookings[1]["id"], b["id"])).ok()
    await assert_counts_consistent(api, staff)
    (await complete(api, staff.token, bookings[2]["id"])).ok()
    await assert_counts_consistent(api, staff)
    (await no_show(api, staff.token, bookings[3]["id"])).ok()
    await assert_counts_consistent(api, staff)
    await book(api, customers[4], a["id"])
    await book(api, customers[4], b["id"])
    await assert_counts_consistent(api, staff)
    (await cancel_slot(api, staff.token, b["id"])).ok()
    await assert_counts_consistent(api, staff)
    slot_a = await get_slot(api, a["id"])
    assert (slot_a["bookedCount"], slot_a["remaining"]) == (1, 3)


async def test_concurrent_bookings_never_overbook(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customers = [await api.user() for _ in range(12)]
    slot = await make_slot(api, staff, base_time(), capacity=4)
    results = await asyncio.gather(*(api.book(c, slot["id"]) for c in customers))
    codes = sorted(r.code or "OK" for r in results)
    assert codes == ["OK"] * 4 + ["SLOT_FULL"] * 8, codes
    stored = await get_slot(api, slot["id"])
    assert (stored["bookedCount"], stored["remaining"]) == (4, 0)
    _, confirmed = await list_bookings(api, staff.token, {"status": "CONFIRMED"})
    assert confirmed == 4
    await assert_counts_consistent(api, staff)


async def test_concurrent_reschedules_never_overbook(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customers = [await api.user() for _ in range(6)]
    base = base_time()
    source = await make_slot(api, staff, base, capacity=6)
    target = await make_slot(api, staff, base + timedelta(hours=2), capacity=2)
    bookings = [await book(api, c, source["id"]) for c in customers]
    results = await asyncio.gather(
        *(
            reschedule(api, c.token, b["id"], target["id"])
            for c, b in zip(customers, bookings, strict=True)
        )
    )
    codes = sorted(r.code or "OK" for r in results)
    assert codes == ["OK"] * 2 + ["SLOT_FULL"] * 4, codes
    assert (await get_slot(api, target["id"]))["bookedCount"] == 2
    assert (await get_slot(api, source["id"]))["bookedCount"] == 4
    await assert_counts_consistent(api, staff)


# --- cancelBooking ------------------------------------------------------------------------


async def test_cancel_own_booking_frees_a_place(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer, waiting = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time(), capacity=1)
    booking = await book(api, customer, slot["id"])
    assert (await api.book(waiting, slot["id"])).code == "SLOT_FULL"
    cancelled = (await cancel_booking(api, customer.token, booking["id"], reason="sick")).ok()[
        "cancelBooking"
    ]
    assert cancelled["id"] == booking["id"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["slot"] == {"id": slot["id"], "bookedCount": 0, "remaining": 1}
    assert (await book(api, waiting, slot["id"]))["status"] == "CONFIRMED"


async def test_cancelling_another_customers_booking_is_not_found(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    owner, intruder = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, owner, slot["id"])
    before = await snapshot(api, staff)
    result = await cancel_booking(api, intruder.token, booking["id"])
    assert result.code == "NOT_FOUND", result
    missing = await cancel_booking(api, intruder.token, missing_id("Booking"))
    assert missing.code == "NOT_FOUND"
    assert result.errors[0]["message"] == missing.errors[0]["message"]
    assert await snapshot(api, staff) == before
    # Staff may cancel anyone's.
    by_staff = (await cancel_booking(api, staff.token, booking["id"])).ok()["cancelBooking"]
    assert by_staff["status"] == "CANCELLED"


async def test_only_confirmed_bookings_can_change(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    slot = await make_slot(api, staff, base)
    elsewhere = await make_slot(api, staff, base + timedelta(hours=5))
    states = {}
    for verb in ("cancel", "complete", "no_show"):
        booking = await book(api, customer, slot["id"])
        if verb == "cancel":
            (await cancel_booking(api, customer.token, booking["id"])).ok()
        elif verb == "complete":
            (await complete(api, staff.token, booking["id"])).ok()
        else:
            (await no_show(api, staff.token, booking["id"])).ok()
        states[verb] = booking["id"]
    before = await snapshot(api, staff)
    for booking_id in states.values():
        for token in (customer.token, staff.token):
            assert (await cancel_booking(api, token, booking_id)).code == "CONFLICT"
            result = await reschedule(api, token, booking_id, elsewhere["id"])
            assert result.code == "CONFLICT", result
        assert (await complete(api, staff.token, booking_id)).code == "CONFLICT"
        assert (await no_show(api, staff.token, booking_id)).code == "CONFLICT"
    assert await snapshot(api, staff) == before
    bookings, _ = await list_bookings(api, staff.token)
    assert sorted(b["status"] for b in bookings) == ["CANCELLED", "COMPLETED", "NO_SHOW"]


async def test_customer_cannot_cancel_or_reschedule_after_the_start(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    slot = await make_slot(api, staff, base, capacity=3)
    later = await make_slot(api, staff, base + timedelta(hours=5))
    booking = await book(api, customer, slot["id"])
    other = await book(api, await api.user(), slot["id"])
    await move_to_past(api, staff, slot["id"])
    before = await snapshot(api, staff)
    assert (await cancel_booking(api, customer.token, booking["id"])).code == "CONFLICT"
    assert (await reschedule(api, customer.token, booking["id"], later["id"])).code == "CONFLICT"
    assert await snapshot(api, staff) == before
    # Staff have no time window.
    cancelled = (await cancel_booking(api, staff.token, booking["id"])).ok()["cancelBooking"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["slot"]["bookedCount"] == 1
    moved = (await reschedule(api, staff.token, other["id"], later["id"])).ok()
    assert moved["rescheduleBooking"]["slot"]["id"] == later["id"]


# --- rescheduleBooking --------------------------------------------------------------------


async def test_reschedule_moves_the_booking_and_keeps_its_id(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    old = await make_slot(api, staff, base, capacity=3)
    new = await make_slot(api, staff, base + timedelta(days=1), capacity=3)
    booking = await book(api, customer, old["id"], notes="keep me")
    since = await record_total(api, staff)
    moved = (await reschedule(api, customer.token, booking["id"], new["id"])).ok()[
        "rescheduleBooking"
    ]
    assert moved["id"] == booking["id"]
    assert moved["status"] == "CONFIRMED"
    assert moved["notes"] == "keep me"
    assert moved["customerName"] == booking["customerName"]
    assert moved["slot"] == {"id": new["id"], "bookedCount": 1, "remaining": 2}
    assert (await get_slot(api, old["id"]))["bookedCount"] == 0
    assert await new_records(api, staff, since) == [
        {
            "kind": "BOOKING_RESCHEDULED",
            "actor": customer.gid,
            "user": customer.gid,
            "booking": booking["id"],
            "slot": new["id"],
            "fromSlot": old["id"],
            "toSlot": new["id"],
            "note": None,
        }
    ]
    assert (await get_booking(api, customer.token, booking["id"]))["slot"]["id"] == new["id"]
    _, total = await list_bookings(api, staff.token)
    assert total == 1


async def test_reschedule_into_a_slot_overlapping_only_the_old_one(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    old = await make_slot(api, staff, base)
    shifted = await make_slot(api, staff, base + timedelta(minutes=30))
    booking = await book(api, customer, old["id"])
    moved = (await reschedule(api, customer.token, booking["id"], shifted["id"])).ok()
    assert moved["rescheduleBooking"]["slot"]["id"] == shifted["id"]


async def test_reschedule_refusals_change_nothing(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer, other = await api.user(), await api.user()
    base = base_time()
    home = await make_slot(api, staff, base, capacity=2)
    full = await make_slot(api, staff, base + timedelta(hours=2), capacity=1)
    closed = await make_slot(api, staff, base + timedelta(hours=4))
    cancelled = await make_slot(api, staff, base + timedelta(hours=6))
    past = await api.create_slot(staff, starts_in_hours=-4)
    held = await make_slot(api, staff, base + timedelta(hours=8))
    overlapping = await make_slot(api, staff, base + timedelta(hours=8, minutes=30))
    booking = await book(api, customer, home["id"])
    await book(api, other, full["id"])
    await book(api, customer, held["id"])
    (await update_slot(api, staff.token, closed["id"], status="CLOSED")).ok()
    (await cancel_slot(api, staff.token, cancelled["id"])).ok()
    before = await snapshot(api, staff)

    expectations = [
        (home["id"], "CONFLICT"),
        (full["id"], "SLOT_FULL"),
        (closed["id"], "CONFLICT"),
        (cancelled["id"], "CONFLICT"),
        (past["id"], "CONFLICT"),
        (held["id"], "ALREADY_BOOKED"),
        (overlapping["id"], "CONFLICT"),
        (missing_id("BookingSlot"), "NOT_FOUND"),
        ("garbage", "BAD_USER_INPUT"),
    ]
    for target, code in expectations:
        for token in (customer.token, staff.token):
            result = await reschedule(api, token, booking["id"], target)
            assert result.code == code, (target, code, result)
    assert await snapshot(api, staff) == before
    assert (await get_booking(api, customer.token, booking["id"]))["slot"]["id"] == home["id"]


async def test_rescheduling_another_customers_booking_is_not_found(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    owner, intruder = await api.user(), await api.user()
    base = base_time()
    slot = await make_slot(api, staff, base)
    target = await make_slot(api, staff, base + timedelta(hours=3))
    booking = await book(api, owner, slot["id"])
    before = await snapshot(api, staff)
    result = await reschedule(api, intruder.token, booking["id"], target["id"])
    assert result.code == "NOT_FOUND", result
    own_slot = await reschedule(api, intruder.token, booking["id"], slot["id"])
    assert own_slot.code == "NOT_FOUND", own_slot  # no hint that the booking exists
    assert await snapshot(api, staff) == before
    anonymous = await reschedule(api, None, booking["id"], target["id"])
    assert anonymous.code == "UNAUTHENTICATED"


# --- completeBooking / markNoShow ---------------------------------------------------------


async def test_staff_mark_outcomes(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    admin = await api.user(Role.ADMIN)
    customers = [await api.user(), await api.user()]
    slot = await make_slot(api, staff, base_time(), capacity=2)
    done = await book(api, customers[0], slot["id"])
    absent = await book(api, customers[1], slot["id"])
    since = await record_total(api, staff)

    completed = (await complete(api, staff.token, done["id"], note="all good")).ok()
    assert completed["completeBooking"]["status"] == "COMPLETED"
    assert completed["completeBooking"]["id"] == done["id"]
    marked = (await no_show(api, admin.token, absent["id"], note="did not come")).ok()
    assert marked["markNoShow"]["status"] == "NO_SHOW"
    assert marked["markNoShow"]["slot"]["bookedCount"] == 0

    assert await new_records(api, staff, since) == [
        {
            "kind": "BOOKING_COMPLETED",
            "actor": staff.gid,
            "user": customers[0].gid,
            "booking": done["id"],
            "slot": slot["id"],
            "fromSlot": None,
            "toSlot": None,
            "note": "all good",
        },
        {
            "kind": "BOOKING_NO_SHOW",
            "actor": admin.gid,
            "user": customers[1].gid,
            "booking": absent["id"],
            "slot": slot["id"],
            "fromSlot": None,
            "toSlot": None,
            "note": "did not come",
        },
    ]


async def test_customers_may_not_mark_outcomes(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, customer, slot["id"])
    before = await snapshot(api, staff)
    assert (await complete(api, customer.token, booking["id"])).code == "FORBIDDEN"
    assert (await no_show(api, customer.token, booking["id"])).code == "FORBIDDEN"
    assert (await complete(api, None, booking["id"])).code == "UNAUTHENTICATED"
    assert (await no_show(api, None, booking["id"])).code == "UNAUTHENTICATED"
    assert (await complete(api, staff.token, missing_id("Booking"))).code == "NOT_FOUND"
    assert (await no_show(api, staff.token, "bad")).code == "BAD_USER_INPUT"
    assert await snapshot(api, staff) == before


async def test_outcomes_have_no_time_window(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    a, b = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time(), capacity=2)
    first = await book(api, a, slot["id"])
    second = await book(api, b, slot["id"])
    await move_to_past(api, staff, slot["id"], hours_ago=3)
    assert (await complete(api, staff.token, first["id"])).ok()["completeBooking"]["status"] == (
        "COMPLETED"
    )
    assert (await no_show(api, staff.token, second["id"])).ok()["markNoShow"]["status"] == "NO_SHOW"


# --- bookings and booking(id) -------------------------------------------------------------


async def test_customers_list_only_their_own_bookings(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    alice, bob = await api.user(), await api.user()
    base = base_time()
    s1 = await make_slot(api, staff, base)
    s2 = await make_slot(api, staff, base + timedelta(hours=2))
    a1 = await book(api, alice, s1["id"])
    a2 = await book(api, alice, s2["id"])
    b1 = await book(api, bob, s1["id"])

    mine, total = await list_bookings(api, alice.token)
    assert ([b["id"] for b in mine], total) == ([a1["id"], a2["id"]], 2)
    snooping, total = await list_bookings(api, alice.token, {"userId": bob.gid})
    assert (snooping, total) == ([], 0)
    by_slot, total = await list_bookings(api, alice.token, {"slotId": s1["id"]})
    assert ([b["id"] for b in by_slot], total) == ([a1["id"]], 1)

    everything, total = await list_bookings(api, staff.token)
    assert ([b["id"] for b in everything], total) == ([a1["id"], a2["id"], b1["id"]], 3)
    bobs, total = await list_bookings(api, staff.token, {"userId": bob.gid})
    assert ([b["id"] for b in bobs], total) == ([b1["id"]], 1)
    admin = await api.user(Role.ADMIN)
    assert (await list_bookings(api, admin.token))[1] == 3


async def test_booking_filter_fields(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    alice, bob = await api.user(), await api.user()
    base = base_time()
    early = await make_slot(api, staff, base)
    late = await make_slot(api, staff, base + timedelta(days=2))
    a_early = await book(api, alice, early["id"])
    a_late = await book(api, alice, late["id"])
    b_early = await book(api, bob, early["id"])
    (await cancel_booking(api, bob.token, b_early["id"])).ok()

    async def ids_for(flt: dict[str, object], token: str = staff.token) -> list[str]:
        nodes, total = await list_bookings(api, token, flt)
        assert total == len(nodes)
        return [n["id"] for n in nodes]

    assert await ids_for({"status": "CONFIRMED"}) == [a_early["id"], a_late["id"]]
    assert await ids_for({"status": "CANCELLED"}) == [b_early["id"]]
    assert await ids_for({"status": "COMPLETED"}) == []
    assert await ids_for({"slotId": early["id"]}) == [a_early["id"], b_early["id"]]
    assert await ids_for({"userId": alice.gid}) == [a_early["id"], a_late["id"]]
    window = iso(base + timedelta(days=1))
    assert await ids_for({"startsAfter": window}) == [a_late["id"]]
    assert await ids_for({"startsBefore": window}) == [a_early["id"], b_early["id"]]
    assert await ids_for({"startsAfter": iso(base), "startsBefore": window}) == [
        a_early["id"],
        b_early["id"],
    ]
    assert await ids_for({"slotId": early["id"], "status": "CONFIRMED", "userId": alice.gid}) == [
        a_early["id"]
    ]
    assert await ids_for({"startsAfter": window}, alice.token) == [a_late["id"]]
    for bad in ({"slotId": "x"}, {"userId": early["id"]}, {"startsAfter": "2027-01-01T00:00:00"}):
        result = await api.gql(
            "query($f: BookingFilter) { bookings(filter: $f) { totalCount } }",
            {"f": bad},
            token=staff.token,
        )
        assert result.code == "BAD_USER_INPUT", (bad, result)


async def test_bookings_pagination(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    expected = []
    for h in range(5):
        slot = await make_slot(api, staff, base + timedelta(hours=2 * h))
        expected.append((await book(api, customer, slot["id"]))["id"])
    query = """query($after: String) { bookings(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"""

    async def page(after: str | None) -> dict[str, Any]:
        bookings: dict[str, Any] = (
            await api.gql(query, {"after": after}, token=customer.token)
        ).ok()["bookings"]
        return bookings

    pages = await every_page(page)
    assert [data["totalCount"] for data in pages] == [5] * len(pages)
    assert node_ids(pages) == expected
    too_many = await api.gql("{ bookings(first: 101) { totalCount } }", token=customer.token)
    assert too_many.code == "BAD_USER_INPUT"
    bad_cursor = await api.gql('{ bookings(after: "zz") { totalCount } }', token=customer.token)
    assert bad_cursor.code == "BAD_USER_INPUT"


async def test_booking_by_id_is_owner_or_staff_only(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    owner, other = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, owner, slot["id"])
    assert (await get_booking(api, owner.token, booking["id"]))["id"] == booking["id"]
    assert (await get_booking(api, staff.token, booking["id"]))["id"] == booking["id"]
    query = "query($id: ID!) { booking(id: $id) { id customerName } }"
    hidden = await api.gql(query, {"id": booking["id"]}, token=other.token)
    assert hidden.code == "NOT_FOUND", hidden
    assert hidden.data is None or hidden.data.get("booking") is None
    missing = await api.gql(query, {"id": missing_id("Booking")}, token=other.token)
    assert missing.code == "NOT_FOUND"
    assert hidden.errors[0]["message"] == missing.errors[0]["message"]
    assert (await api.gql(query, {"id": "bad"}, token=other.token)).code == "BAD_USER_INPUT"
    assert (await api.gql(query, {"id": slot["id"]}, token=staff.token)).code == "BAD_USER_INPUT"
    assert (await api.gql(query, {"id": booking["id"]})).code == "UNAUTHENTICATED"
