"""The append-only history through HTTP: one record per event, the records queries, addNote,
Booking.records/User.records, and no way (API or SQL) to change what was written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from graphql_api.models import Role
from tests.domain_helpers import (
    RECORD_FIELDS,
    add_note,
    base_time,
    book,
    cancel_booking,
    cancel_slot,
    complete,
    create_slot_result,
    list_records,
    make_slot,
    missing_id,
    new_records,
    no_show,
    record_total,
    reschedule,
    shape,
    slot_input,
    snapshot,
    update_slot,
)
from tests.helpers import Account, Api, every_page, node_ids


def expected(
    kind: str,
    actor: Account,
    *,
    user: Account | None = None,
    booking: str | None = None,
    slot: str | None = None,
    from_slot: str | None = None,
    to_slot: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "actor": actor.gid,
        "user": user.gid if user else None,
        "booking": booking,
        "slot": slot,
        "fromSlot": from_slot,
        "toSlot": to_slot,
        "note": note,
    }


async def test_every_mutation_writes_exactly_one_record_per_event(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    alice, bob = await api.user(), await api.user()
    base = base_time()
    since = 0

    async def written() -> list[dict[str, Any]]:
        nonlocal since
        rows = await new_records(api, staff, since)
        since += len(rows)
        return rows

    created = (await create_slot_result(api, staff.token, slot_input(base, capacity=3))).ok()
    a = created["createSlot"]["id"]
    assert await written() == [expected("SLOT_CREATED", staff, slot=a)]
    b = (await make_slot(api, staff, base + timedelta(hours=3)))["id"]
    assert await written() == [expected("SLOT_CREATED", staff, slot=b)]

    (await update_slot(api, staff.token, a, title="Renamed")).ok()
    rows = await written()
    assert [{**r, "note": None} for r in rows] == [expected("SLOT_UPDATED", staff, slot=a)]

    alice_booking = (await book(api, alice, a))["id"]
    assert await written() == [
        expected("BOOKING_CREATED", alice, user=alice, booking=alice_booking, slot=a)
    ]
    bob_booking = (await book(api, staff, a, userId=bob.gid))["id"]
    assert await written() == [
        expected("BOOKING_CREATED", staff, user=bob, booking=bob_booking, slot=a)
    ]

    (await reschedule(api, alice.token, alice_booking, b)).ok()
    assert await written() == [
        expected(
            "BOOKING_RESCHEDULED",
            alice,
            user=alice,
            booking=alice_booking,
            slot=b,
            from_slot=a,
            to_slot=b,
        )
    ]

    (await cancel_booking(api, alice.token, alice_booking, reason="changed my mind")).ok()
    assert await written() == [
        expected(
            "BOOKING_CANCELLED",
            alice,
            user=alice,
            booking=alice_booking,
            slot=b,
            note="changed my mind",
        )
    ]

    (await complete(api, staff.token, bob_booking, note="fine")).ok()
    assert await written() == [
        expected("BOOKING_COMPLETED", staff, user=bob, booking=bob_booking, slot=a, note="fine")
    ]

    third = (await book(api, alice, a))["id"]
    await written()
    (await no_show(api, staff.token, third)).ok()
    assert await written() == [
        expected("BOOKING_NO_SHOW", staff, user=alice, booking=third, slot=a)
    ]

    note = (await add_note(api, staff.token, note="Prefers mornings", userId=bob.gid)).ok()
    assert shape(note["addNote"]) == expected("NOTE", staff, user=bob, note="Prefers mornings")
    assert await written() == [expected("NOTE", staff, user=bob, note="Prefers mornings")]

    (await cancel_slot(api, staff.token, b, reason="closed")).ok()
    assert await written() == [expected("SLOT_CANCELLED", staff, slot=b, note="closed")]


async def test_records_are_newest_first_with_timestamps(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, customer, slot["id"])
    (await cancel_booking(api, customer.token, booking["id"])).ok()
    nodes, total = await list_records(api, staff.token)
    assert total == 3
    assert [n["kind"] for n in nodes] == ["BOOKING_CANCELLED", "BOOKING_CREATED", "SLOT_CREATED"]
    assert all(n["createdAt"].endswith("Z") for n in nodes)
    stamps = [n["createdAt"] for n in nodes]
    assert stamps == sorted(stamps, reverse=True)


async def test_records_pagination(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    for h in range(5):
        await make_slot(api, staff, base + timedelta(hours=h))
    everything, _ = await list_records(api, staff.token)
    query = """query($after: String) { records(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id } } } }"""

    async def page(after: str | None) -> dict[str, Any]:
        records: dict[str, Any] = (await api.gql(query, {"after": after}, token=staff.token)).ok()[
            "records"
        ]
        return records

    pages = await every_page(page)
    assert [data["totalCount"] for data in pages] == [5] * len(pages)
    assert node_ids(pages) == [n["id"] for n in everything]
    too_many = await api.gql("{ records(first: 101) { totalCount } }", token=staff.token)
    assert too_many.code == "BAD_USER_INPUT"


async def test_record_filter_fields(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    alice, bob = await api.user(), await api.user()
    base = base_time()
    s1 = await make_slot(api, staff, base)
    s2 = await make_slot(api, staff, base + timedelta(hours=3))
    a1 = await book(api, alice, s1["id"])
    b1 = await book(api, bob, s1["id"])
    (await reschedule(api, bob.token, b1["id"], s2["id"])).ok()
    (await cancel_booking(api, alice.token, a1["id"])).ok()

    async def kinds(flt: dict[str, Any], token: str = staff.token) -> list[str]:
        nodes, total = await list_records(api, token, flt)
        assert total == len(nodes)
        return [n["kind"] for n in nodes]

    assert await kinds({"kind": "SLOT_CREATED"}) == ["SLOT_CREATED", "SLOT_CREATED"]
    assert await kinds({"kind": "BOOKING_RESCHEDULED"}) == ["BOOKING_RESCHEDULED"]
    assert await kinds({"kind": "NOTE"}) == []
    assert await kinds({"userId": alice.gid}) == ["BOOKING_CANCELLED", "BOOKING_CREATED"]
    assert await kinds({"userId": bob.gid}) == ["BOOKING_RESCHEDULED", "BOOKING_CREATED"]
    assert await kinds({"bookingId": b1["id"]}) == ["BOOKING_RESCHEDULED", "BOOKING_CREATED"]
    assert await kinds({"slotId": s1["id"]}) == [
        "BOOKING_CANCELLED",
        "BOOKING_CREATED",
        "BOOKING_CREATED",
        "SLOT_CREATED",
    ]
    assert await kinds({"slotId": s2["id"]}) == ["BOOKING_RESCHEDULED", "SLOT_CREATED"]
    assert await kinds({"userId": alice.gid, "kind": "BOOKING_CREATED"}) == ["BOOKING_CREATED"]
    for bad in ({"kind": "BOGUS"}, {"userId": "x"}, {"bookingId": s1["id"]}, {"slotId": "?"}):
        result = await api.gql(
            "query($f: RecordFilter) { records(filter: $f) { totalCount } }",
            {"f": bad},
            token=staff.token,
        )
        assert result.code == "BAD_USER_INPUT", (bad, result)


async def test_customers_see_only_records_about_them(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    alice, bob = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time())
    a = await book(api, alice, slot["id"])
    b = await book(api, bob, slot["id"])
    (await add_note(api, staff.token, note="About alice", bookingId=a["id"])).ok()
    (await add_note(api, staff.token, note="About bob", userId=bob.gid)).ok()

    nodes, total = await list_records(api, alice.token)
    assert total == 2
    assert {n["user"]["id"] for n in nodes} == {alice.gid}
    assert [n["kind"] for n in nodes] == ["NOTE", "BOOKING_CREATED"]
    # Filters cannot widen the view.
    for flt in ({"userId": bob.gid}, {"bookingId": b["id"]}, {"kind": "SLOT_CREATED"}):
        assert await list_records(api, alice.token, flt) == ([], 0), flt
    slot_records, total = await list_records(api, alice.token, {"slotId": slot["id"]})
    assert total == 2 and {n["user"]["id"] for n in slot_records} == {alice.gid}
    assert (await list_records(api, staff.token))[1] == 5
    anonymous = await api.gql("{ records { totalCount } }")
    assert anonymous.code == "UNAUTHENTICATED"


async def test_add_note(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    admin = await api.user(Role.ADMIN)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, customer, slot["id"])

    on_booking = (
        await add_note(api, staff.token, note="  Bring the form  ", bookingId=booking["id"])
    ).ok()["addNote"]
    assert shape(on_booking) == expected(
        "NOTE",
        staff,
        user=customer,
        booking=booking["id"],
        slot=slot["id"],
        note="Bring the form",
    )
    assert on_booking["createdAt"].endswith("Z")
    both = (
        await add_note(
            api, admin.token, note="Consistent", bookingId=booking["id"], userId=customer.gid
        )
    ).ok()["addNote"]
    assert shape(both) == expected(
        "NOTE", admin, user=customer, booking=booking["id"], slot=slot["id"], note="Consistent"
    )
    on_user = (await add_note(api, staff.token, note="VIP", userId=customer.gid)).ok()["addNote"]
    assert shape(on_user) == expected("NOTE", staff, user=customer, note="VIP")
    assert (await list_records(api, staff.token, {"kind": "NOTE"}))[1] == 3


async def test_add_note_refusals_write_nothing(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer, other = await api.user(), await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, customer, slot["id"])
    before = await snapshot(api, staff)
    cases = [
        (staff.token, {"note": "Orphan"}, "BAD_USER_INPUT"),
        (staff.token, {"note": "", "userId": customer.gid}, "BAD_USER_INPUT"),
        (staff.token, {"note": "x", "bookingId": "nope"}, "BAD_USER_INPUT"),
        (staff.token, {"note": "x", "userId": slot["id"]}, "BAD_USER_INPUT"),
        (
            staff.token,
            {"note": "x", "bookingId": booking["id"], "userId": other.gid},
            "BAD_USER_INPUT",
        ),
        (staff.token, {"note": "x", "bookingId": missing_id("Booking")}, "NOT_FOUND"),
        (staff.token, {"note": "x", "userId": missing_id("User")}, "NOT_FOUND"),
        (customer.token, {"note": "x", "userId": customer.gid}, "FORBIDDEN"),
        (customer.token, {"note": "x", "bookingId": booking["id"]}, "FORBIDDEN"),
        (None, {"note": "x", "userId": customer.gid}, "UNAUTHENTICATED"),
    ]
    for token, data, code in cases:
        result = await add_note(api, token, **data)
        assert result.code == code, (data, code, result)
        assert result.data is None
    assert await snapshot(api, staff) == before


async def test_booking_records_and_user_records(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer, other = await api.user(), await api.user()
    base = base_time()
    s1 = await make_slot(api, staff, base)
    s2 = await make_slot(api, staff, base + timedelta(hours=3))
    booking = await book(api, customer, s1["id"])
    await book(api, other, s1["id"])
    (await reschedule(api, customer.token, booking["id"], s2["id"])).ok()
    (await add_note(api, staff.token, note="n", bookingId=booking["id"])).ok()
    (await add_note(api, staff.token, note="u", userId=customer.gid)).ok()

    query = f"""query($id: ID!) {{ booking(id: $id) {{ id
        records {{ totalCount edges {{ node {{ {RECORD_FIELDS} }} }} }}
        user {{ id records {{ totalCount edges {{ node {{ kind booking {{ id }} }} }} }} }} }} }}"""
    for token in (customer.token, staff.token):
        data = (await api.gql(query, {"id": booking["id"]}, token=token)).ok()["booking"]
        records = data["records"]
        assert records["totalCount"] == 3
        kinds = [e["node"]["kind"] for e in records["edges"]]
        assert kinds == ["NOTE", "BOOKING_RESCHEDULED", "BOOKING_CREATED"]
        assert {e["node"]["booking"]["id"] for e in records["edges"]} == {booking["id"]}
        resched = shape(records["edges"][1]["node"])
        assert (resched["fromSlot"], resched["toSlot"]) == (s1["id"], s2["id"])
        user_records = data["user"]["records"]
        assert user_records["totalCount"] == 4
        assert [e["node"]["kind"] for e in user_records["edges"]] == [
            "NOTE",
            "NOTE",
            "BOOKING_RESCHEDULED",
            "BOOKING_CREATED",
        ]
        assert user_records["edges"][0]["node"]["booking"] is None

    me = (
        await api.gql(
            "{ me { records(first: 2) { totalCount pageInfo { hasNextPage } } } }",
            token=customer.token,
        )
    ).ok()["me"]["records"]
    assert me == {"totalCount": 4, "pageInfo": {"hasNextPage": True}}


async def test_the_api_offers_no_way_to_change_or_delete_records(api: Api) -> None:
    result = await api.gql(
        """{ __schema { mutationType { fields { name args { name } } } }
            __type(name: "Record") { fields { name } } }"""
    )
    data = result.ok()
    names = [f["name"] for f in data["__schema"]["mutationType"]["fields"]]
    assert "addNote" in names
    lowered = [n.lower() for n in names]
    for name in lowered:
        touches_records = "record" in name or "note" in name or "history" in name
        if touches_records:
            assert not any(
                verb in name for verb in ("update", "delete", "remove", "edit", "change", "set")
            ), name
    # The contract's deletions (Part 2) delete accounts, never records: they keep every record
    # (tests/test_account_deletion.py). Nothing else deletes.
    account_deletions = {"deleteaccount", "deleteuser"}
    deleting = {n for n in lowered if n.startswith(("delete", "remove", "purge"))}
    assert deleting <= account_deletions, names


async def test_the_database_refuses_to_update_or_delete_records(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    await book(api, customer, slot["id"])
    before, total = await list_records(api, staff.token)
    assert total == 2
    for statement in (
        "UPDATE records SET note = 'rewritten'",
        "DELETE FROM records",
        "DELETE FROM records WHERE kind = 'BOOKING_CREATED'",
    ):
        async with api.db.write() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()
    after, _ = await list_records(api, staff.token)
    assert after == before


async def test_failing_mutations_write_no_records(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    alice, bob = await api.user(), await api.user()
    base = base_time()
    full = await make_slot(api, staff, base, capacity=1)
    other = await make_slot(api, staff, base + timedelta(hours=3), capacity=1)
    held = await book(api, alice, full["id"])
    await book(api, bob, other["id"])
    (await cancel_slot(api, staff.token, other["id"])).ok()
    since = await record_total(api, staff)
    before = await snapshot(api, staff)
    failures = [
        await api.book(bob, full["id"]),  # SLOT_FULL
        await api.book(alice, full["id"]),  # ALREADY_BOOKED
        await api.book(bob, other["id"]),  # CONFLICT: cancelled slot
        await reschedule(api, alice.token, held["id"], other["id"]),  # CONFLICT
        await update_slot(api, staff.token, other["id"], title="x"),  # CONFLICT: cancelled
        await cancel_slot(api, staff.token, other["id"]),  # CONFLICT
        await complete(api, alice.token, held["id"]),  # FORBIDDEN
        await add_note(api, staff.token, note="x"),  # BAD_USER_INPUT
    ]
    assert [f.code for f in failures] == [
        "SLOT_FULL",
        "ALREADY_BOOKED",
        "CONFLICT",
        "CONFLICT",
        "CONFLICT",
        "CONFLICT",
        "FORBIDDEN",
        "BAD_USER_INPUT",
    ]
    assert await record_total(api, staff) == since
    assert await snapshot(api, staff) == before
