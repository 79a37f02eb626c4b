"""Who sees what: customers see themselves and counts, staff see everything, anonymous callers
may only sign in and browse slots. What a caller may not see is NOT_FOUND, like nothing."""

from __future__ import annotations

from typing import Any

from graphql_api.graphql.schema import ids
from graphql_api.models import Role
from tests.domain_helpers import (
    add_note,
    base_time,
    book,
    list_records,
    make_slot,
    missing_id,
    slot_input,
    snapshot,
)
from tests.helpers import Account, Api, GraphQLResult

USER_VIEW = """id email fullName role
    bookings { totalCount edges { node { id } } pageInfo { hasNextPage } }
    records { totalCount edges { node { id } } pageInfo { hasNextPage } }"""


async def _world(api: Api) -> dict[str, Any]:
    staff = await api.user(Role.STAFF)
    alice = await api.user()
    bob = await api.user()
    slot = await make_slot(api, staff, base_time(), staffId=staff.gid)
    alice_booking = await book(api, alice, slot["id"])
    bob_booking = await book(api, bob, slot["id"])
    bob_note = (await add_note(api, staff.token, note="about bob", userId=bob.gid)).ok()["addNote"]
    return {
        "staff": staff,
        "alice": alice,
        "bob": bob,
        "slot": slot,
        "alice_booking": alice_booking,
        "bob_booking": bob_booking,
        "bob_note": bob_note,
    }


async def _node(api: Api, global_id: str, token: str | None) -> GraphQLResult:
    return await api.gql(
        f"""query($id: ID!) {{ node(id: $id) {{ __typename id
            ... on User {{ {USER_VIEW} }}
            ... on Booking {{ customerName }}
            ... on Record {{ kind note }} }} }}""",
        {"id": global_id},
        token=token,
    )


# --- customers ----------------------------------------------------------------------------


async def test_customers_see_other_users_without_email_or_history(api: Api) -> None:
    w = await _world(api)
    alice: Account = w["alice"]
    for other in (w["bob"], w["staff"]):
        seen = (await _node(api, other.gid, alice.token)).ok()["node"]
        assert seen["__typename"] == "User"
        assert seen["email"] is None
        assert seen["fullName"]
        empty = {"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False}}
        assert seen["bookings"] == empty
        assert seen["records"] == empty
    # Themselves: everything.
    me = (await _node(api, alice.gid, alice.token)).ok()["node"]
    assert me["email"] == alice.email
    assert me["bookings"]["totalCount"] == 1
    assert me["records"]["totalCount"] == 1
    me_field = (await api.gql(f"{{ me {{ {USER_VIEW} }} }}", token=alice.token)).ok()["me"]
    assert {**me_field, "__typename": "User"} == me


async def test_staff_see_every_user_in_full(api: Api) -> None:
    w = await _world(api)
    admin = await api.user(Role.ADMIN)
    for viewer in (w["staff"], admin):
        seen = (await _node(api, w["bob"].gid, viewer.token)).ok()["node"]
        assert seen["email"] == w["bob"].email
        assert seen["bookings"]["totalCount"] == 1
        assert seen["bookings"]["edges"] == [{"node": {"id": w["bob_booking"]["id"]}}]
        assert seen["records"]["totalCount"] == 2


async def test_emails_of_others_are_null_wherever_users_appear(api: Api) -> None:
    w = await _world(api)
    alice: Account = w["alice"]
    query = """query($id: ID!) { booking(id: $id) { user { id email }
        slot { staff { id email } }
        records { edges { node { actor { id email } user { id email } } } } } }"""
    data = (await api.gql(query, {"id": w["alice_booking"]["id"]}, token=alice.token)).ok()
    booking = data["booking"]
    assert booking["user"] == {"id": alice.gid, "email": alice.email}
    assert booking["slot"]["staff"] == {"id": w["staff"].gid, "email": None}
    [record] = [e["node"] for e in booking["records"]["edges"]]
    assert record["actor"] == {"id": alice.gid, "email": alice.email}
    staffs = (await api.gql(query, {"id": w["alice_booking"]["id"]}, token=w["staff"].token)).ok()
    assert staffs["booking"]["slot"]["staff"]["email"] == w["staff"].email
    # Slot browsing anonymously shows who runs a slot, never their email or history.
    slot_query = """query($id: ID!) { slot(id: $id) { staff { id email
        bookings { totalCount } records { totalCount } } } }"""
    anonymous = (await api.gql(slot_query, {"id": w["slot"]["id"]})).ok()["slot"]["staff"]
    assert anonymous == {
        "id": w["staff"].gid,
        "email": None,
        "bookings": {"totalCount": 0},
        "records": {"totalCount": 0},
    }


async def test_slot_bookings_are_for_staff_only(api: Api) -> None:
    w = await _world(api)
    query = """query($id: ID!) { slot(id: $id) { id bookedCount
        bookings { totalCount edges { node { id user { id } } } } } }"""
    customer = await api.gql(query, {"id": w["slot"]["id"]}, token=w["alice"].token)
    assert customer.code == "FORBIDDEN", customer
    assert customer.errors[0]["path"] == ["slot", "bookings"]
    anonymous = await api.gql(query, {"id": w["slot"]["id"]})
    assert anonymous.code == "UNAUTHENTICATED", anonymous
    # Counts stay visible to customers.
    counts = await api.gql(
        "query($id: ID!) { slot(id: $id) { bookedCount remaining } }",
        {"id": w["slot"]["id"]},
        token=w["alice"].token,
    )
    assert counts.ok()["slot"] == {"bookedCount": 2, "remaining": 3}
    # Through a customer's own booking, too.
    via_booking = await api.gql(
        "query($id: ID!) { booking(id: $id) { slot { bookings { totalCount } } } }",
        {"id": w["alice_booking"]["id"]},
        token=w["alice"].token,
    )
    assert via_booking.code == "FORBIDDEN"
    staff = (await api.gql(query, {"id": w["slot"]["id"]}, token=w["staff"].token)).ok()["slot"]
    assert staff["bookings"]["totalCount"] == 2
    assert [e["node"]["id"] for e in staff["bookings"]["edges"]] == [
        w["alice_booking"]["id"],
        w["bob_booking"]["id"],
    ]
    filtered = await api.gql(
        "query($id: ID!) { slot(id: $id) { bookings(status: CANCELLED) { totalCount } } }",
        {"id": w["slot"]["id"]},
        token=w["staff"].token,
    )
    assert filtered.ok()["slot"]["bookings"]["totalCount"] == 0


async def test_hidden_bookings_and_records_are_not_found_like_missing_ones(api: Api) -> None:
    w = await _world(api)
    alice: Account = w["alice"]
    bob_records, _ = await list_records(api, w["staff"].token, {"userId": w["bob"].gid})
    slot_record, _ = await list_records(api, w["staff"].token, {"kind": "SLOT_CREATED"})
    hidden = {
        "Booking": w["bob_booking"]["id"],
        "Record": bob_records[-1]["id"],
    }
    for type_name, hidden_id in hidden.items():
        seen = await _node(api, hidden_id, alice.token)
        missing = await _node(api, missing_id(type_name), alice.token)
        assert seen.code == missing.code == "NOT_FOUND", (seen, missing)
        assert seen.errors[0]["message"] == missing.errors[0]["message"]
        assert seen.data == missing.data
    # A record with no user (slot history) is staff-only too.
    slot_history = await _node(api, slot_record[0]["id"], alice.token)
    assert slot_history.code == "NOT_FOUND"
    note = await _node(api, w["bob_note"]["id"], alice.token)
    assert note.code == "NOT_FOUND"
    # booking(id) answers the same way.
    query = "query($id: ID!) { booking(id: $id) { id } }"
    other = await api.gql(query, {"id": w["bob_booking"]["id"]}, token=alice.token)
    none = await api.gql(query, {"id": missing_id("Booking")}, token=alice.token)
    assert other.code == none.code == "NOT_FOUND"
    assert other.errors[0]["message"] == none.errors[0]["message"]
    # Their own, and everything for staff.
    own = (await _node(api, w["alice_booking"]["id"], alice.token)).ok()["node"]
    assert own["__typename"] == "Booking"
    for hidden_id in (*hidden.values(), slot_record[0]["id"]):
        assert (await _node(api, hidden_id, w["staff"].token)).ok()["node"]["id"] == hidden_id


async def test_customer_lists_never_leak(api: Api) -> None:
    w = await _world(api)
    alice: Account = w["alice"]
    bookings = (
        await api.gql(
            """query($u: ID!) { bookings(filter: {userId: $u}) {
                totalCount edges { node { id } } } }""",
            {"u": w["bob"].gid},
            token=alice.token,
        )
    ).ok()["bookings"]
    assert bookings == {"totalCount": 0, "edges": []}
    records, total = await list_records(api, alice.token)
    assert total == 1 and records[0]["kind"] == "BOOKING_CREATED"
    users = await api.gql("{ users { totalCount } }", token=alice.token)
    assert users.code == "FORBIDDEN"
    staff_users = await api.gql("{ users { totalCount } }", token=w["staff"].token)
    assert staff_users.code == "FORBIDDEN"


# --- anonymous ----------------------------------------------------------------------------

ANONYMOUS_REFUSED: dict[str, tuple[str, str]] = {
    "me": ("query", "{ me { id } }"),
    "bookings": ("query", "{ bookings { totalCount } }"),
    "booking": ("query", "query($booking: ID!) { booking(id: $booking) { id } }"),
    "records": ("query", "{ records { totalCount } }"),
    "users": ("query", "{ users { totalCount } }"),
    "node(User)": ("query", "query($user: ID!) { node(id: $user) { id } }"),
    "node(Booking)": ("query", "query($booking: ID!) { node(id: $booking) { id } }"),
    "node(Record)": ("query", "query($record: ID!) { node(id: $record) { id } }"),
    "slot.bookings": ("query", "query($slot: ID!) { slot(id: $slot) { bookings { totalCount } } }"),
    "changePassword": (
        "mutation",
        'mutation { changePassword(input: {currentPassword: "correct horse battery", '
        'newPassword: "another long password"}) }',
    ),
    "createSlot": (
        "mutation",
        "mutation($slotInput: CreateSlotInput!) { createSlot(input: $slotInput) { id } }",
    ),
    "updateSlot": (
        "mutation",
        'mutation($slot: ID!) { updateSlot(id: $slot, input: {title: "x"}) { id } }',
    ),
    "cancelSlot": ("mutation", "mutation($slot: ID!) { cancelSlot(id: $slot) { id } }"),
    "createBooking": (
        "mutation",
        "mutation($slot: ID!) { createBooking(input: {slotId: $slot}) { id } }",
    ),
    "cancelBooking": ("mutation", "mutation($booking: ID!) { cancelBooking(id: $booking) { id } }"),
    "rescheduleBooking": (
        "mutation",
        "mutation($booking: ID!, $slot: ID!) "
        "{ rescheduleBooking(id: $booking, slotId: $slot) { id } }",
    ),
    "completeBooking": (
        "mutation",
        "mutation($booking: ID!) { completeBooking(id: $booking) { id } }",
    ),
    "markNoShow": ("mutation", "mutation($booking: ID!) { markNoShow(id: $booking) { id } }"),
    "addNote": (
        "mutation",
        'mutation($user: ID!) { addNote(input: {note: "x", userId: $user}) { id } }',
    ),
    "setUserRole": (
        "mutation",
        "mutation($user: ID!) { setUserRole(userId: $user, role: ADMIN) { id } }",
    ),
    "updateProfile": (
        "mutation",
        'mutation { updateProfile(input: {fullName: "x"}) { id } }',
    ),
    "deleteAccount": ("mutation", 'mutation { deleteAccount(password: "x") }'),
    "deleteUser": ("mutation", "mutation($user: ID!) { deleteUser(id: $user) }"),
}


async def test_anonymous_callers_are_refused_everything_but_the_public_fields(api: Api) -> None:
    w = await _world(api)
    records, _ = await list_records(api, w["staff"].token)
    values = {
        "booking": w["alice_booking"]["id"],
        "user": w["alice"].gid,
        "record": records[0]["id"],
        "slot": w["slot"]["id"],
        "slotInput": slot_input(base_time(96)),
    }
    before = await snapshot(api, w["staff"])
    for name, (_, document) in ANONYMOUS_REFUSED.items():
        used = {k: v for k, v in values.items() if f"${k}" in document}
        result = await api.gql(document, used)
        assert result.codes == ["UNAUTHENTICATED"], (name, result)
        assert result.status == 200, (name, result)
        top = document.split("{", 2)[1].split("(")[0].strip()
        assert result.data is None or result.data.get(top) is None, (name, result)
    assert await snapshot(api, w["staff"]) == before
    # Every operation of the schema is covered by this test or by the public list below.
    fields = (
        await api.gql(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
        )
    ).ok()["__schema"]
    public = {"slots", "slot", "node", "register", "login", "refreshToken", "logout"}
    covered = {name.split("(")[0].split(".")[0] for name in ANONYMOUS_REFUSED} | public
    declared = {f["name"] for f in fields["queryType"]["fields"]} | {
        f["name"] for f in fields["mutationType"]["fields"]
    }
    assert declared <= covered, declared - covered


async def test_anonymous_callers_browse_slots(api: Api) -> None:
    w = await _world(api)
    slot_id = w["slot"]["id"]
    listing = (await api.gql("{ slots { totalCount edges { node { id bookedCount } } } }")).ok()
    assert listing["slots"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": slot_id, "bookedCount": 2}}],
    }
    one = (await api.gql("query($id: ID!) { slot(id: $id) { id title } }", {"id": slot_id})).ok()
    assert one["slot"]["id"] == slot_id
    node = (await _node(api, slot_id, None)).ok()["node"]
    assert node == {"__typename": "BookingSlot", "id": slot_id}
    # An invalid token is ignored by slot browsing: it works as for an anonymous caller.
    forged = (await api.gql("{ slots { totalCount } }", token="not-a-jwt")).ok()
    assert forged["slots"]["totalCount"] == 1


async def test_customer_ids_of_the_wrong_type_are_bad_input_not_a_leak(api: Api) -> None:
    w = await _world(api)
    alice: Account = w["alice"]
    query = "query($id: ID!) { booking(id: $id) { id } }"
    record_as_booking = ids.encode("Record", 1)
    result = await api.gql(query, {"id": record_as_booking}, token=alice.token)
    assert result.code == "BAD_USER_INPUT"
    # An id naming no type of the schema is malformed, whoever asks.
    unknown_type = await _node(api, ids.encode("Secret", 1), alice.token)
    assert unknown_type.code == "BAD_USER_INPUT"
