"""Deleting an account (contract Part 2): deleteAccount(password) for oneself, deleteUser(id)
for an ADMIN. In one transaction the person is erased and the history kept: future bookings
cancelled with their records and places freed, every token dead at once, name "Deleted user",
private fields cleared, one USER_DELETED record; the email can register again; the last ADMIN
cannot go."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql_api.models import Role
from tests.helpers import QUICK_PASSWORD, Account, Api

DELETE_ACCOUNT = "mutation($p: String!) { deleteAccount(password: $p) }"
DELETE_USER = "mutation($id: ID!) { deleteUser(id: $id) }"
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
    accessToken refreshToken user { id } } }"""


async def _records_of(api: Api, staff: Account, user: Account) -> list[dict[str, Any]]:
    answer = await api.gql(
        """query($u: ID!) { records(filter: {userId: $u}) { edges { node {
            kind user { id fullName email } actor { id } booking { id status } } } } }""",
        {"u": user.gid},
        token=staff.token,
    )
    return [edge["node"] for edge in answer.ok()["records"]["edges"]]


async def _booked_count(api: Api, slot_id: str) -> int:
    answer = await api.gql("query($s: ID!) { slot(id: $s) { bookedCount } }", {"s": slot_id})
    count: int = answer.ok()["slot"]["bookedCount"]
    return count


async def test_deleting_your_account_erases_you_and_keeps_the_history(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    signed_in = (await api.gql(LOGIN, {"e": customer.email, "p": QUICK_PASSWORD})).ok()["login"]
    future = await api.create_slot(staff, capacity=3)
    booking = (await api.book(customer, future["id"])).ok()["createBooking"]
    assert await _booked_count(api, future["id"]) == 1

    assert (await api.gql(DELETE_ACCOUNT, {"p": QUICK_PASSWORD}, token=customer.token)).ok() == {
        "deleteAccount": True
    }

    # Every token is dead at once: the access token (401) and the refresh token.
    me = await api.gql("{ me { id } }", token=customer.token)
    assert (me.status, me.code) == (401, "UNAUTHENTICATED")
    refreshed = await api.gql(
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        {"t": signed_in["refreshToken"]},
    )
    assert refreshed.code == "UNAUTHENTICATED"
    assert (await api.gql(LOGIN, {"e": customer.email, "p": QUICK_PASSWORD})).code == (
        "UNAUTHENTICATED"
    )
    # The future booking is cancelled, its place freed; the history is kept and readable.
    assert await _booked_count(api, future["id"]) == 0
    history = await _records_of(api, staff, customer)
    kinds = [r["kind"] for r in history]
    assert kinds[:2] == ["USER_DELETED", "BOOKING_CANCELLED"] and "BOOKING_CREATED" in kinds
    for record in history:
        assert record["user"] == {"id": customer.gid, "fullName": "Deleted user", "email": None}
    assert history[1]["booking"] == {"id": booking["id"], "status": "CANCELLED"}
    assert history[0]["actor"] == {"id": customer.gid}
    # The email can register again, as a new account.
    again = await api.gql(
        """mutation($e: String!) { register(input: {email: $e, password: "a new password",
            fullName: "Back Again"}) { user { id email } } }""",
        {"e": customer.email},
    )
    user = again.ok()["register"]["user"]
    assert user["email"] == customer.email and user["id"] != customer.gid


async def test_the_private_fields_are_cleared(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    customer = await api.user()
    (
        await api.gql(
            """mutation { updateProfile(input: {phone: "+1 555 0100", dateOfBirth: "1990-01-02",
                home: {latitude: 1, longitude: 2}}) { id } }""",
            token=customer.token,
        )
    ).ok()
    (await api.gql(DELETE_USER, {"id": customer.gid}, token=admin.token)).ok()
    seen = (
        await api.gql(
            """query($id: ID!) { node(id: $id) { ... on User {
                fullName email phone dateOfBirth home { latitude } } } }""",
            {"id": customer.gid},
            token=admin.token,
        )
    ).ok()["node"]
    assert seen == {
        "fullName": "Deleted user",
        "email": None,
        "phone": None,
        "dateOfBirth": None,
        "home": None,
    }


async def test_a_wrong_password_deletes_nothing(api: Api) -> None:
    customer = await api.user()
    answer = await api.gql(DELETE_ACCOUNT, {"p": "not the password"}, token=customer.token)
    assert answer.code == "UNAUTHENTICATED"
    assert answer.errors[0]["extensions"]["argument"] == "password"
    assert (await api.gql("{ me { fullName } }", token=customer.token)).ok()["me"][
        "fullName"
    ] != "Deleted user"


async def test_delete_user_is_for_admins_and_the_last_admin_stays(api: Api) -> None:
    admin, staff, customer = (
        await api.user(Role.ADMIN),
        await api.user(Role.STAFF),
        await api.user(),
    )
    for caller in (staff, customer):
        refused = await api.gql(DELETE_USER, {"id": customer.gid}, token=caller.token)
        assert refused.code == "FORBIDDEN"
    assert (await api.gql(DELETE_USER, {"id": customer.gid})).code == "UNAUTHENTICATED"
    last = await api.gql(DELETE_USER, {"id": admin.gid}, token=admin.token)
    assert last.code == "CONFLICT"
    last_self = await api.gql(DELETE_ACCOUNT, {"p": QUICK_PASSWORD}, token=admin.token)
    assert last_self.code == "CONFLICT"
    assert (await api.gql("{ me { role } }", token=admin.token)).ok()["me"]["role"] == "ADMIN"
    (await api.gql(DELETE_USER, {"id": customer.gid}, token=admin.token)).ok()
    gone = await api.gql(DELETE_USER, {"id": customer.gid}, token=admin.token)
    assert gone.code == "NOT_FOUND"
    assert (await api.gql(DELETE_USER, {"id": "nope"}, token=admin.token)).code == (
        "BAD_USER_INPUT"
    )
    # With a second ADMIN, the first may go.
    second = await api.user(Role.ADMIN)
    (await api.gql(DELETE_USER, {"id": admin.gid}, token=second.token)).ok()


async def test_deletion_under_concurrent_bookings_keeps_the_count(api: Api) -> None:
    """A place freed by the deletion and places taken at the same time: bookedCount equals
    the confirmed bookings afterwards, and never exceeds capacity."""
    staff, admin = await api.user(Role.STAFF), await api.user(Role.ADMIN)
    slot = await api.create_slot(staff, capacity=5)
    leaving = await api.user()
    (await api.book(leaving, slot["id"])).ok()
    others = [await api.user() for _ in range(8)]
    results = await asyncio.gather(
        api.gql(DELETE_USER, {"id": leaving.gid}, token=admin.token),
        *(api.book(other, slot["id"]) for other in others),
    )
    assert not results[0].errors, results[0]
    booked = [r for r in results[1:] if not r.errors]
    assert {r.code for r in results[1:] if r.errors} <= {"SLOT_FULL"}
    answer = await api.gql(
        """query($s: ID!) { slot(id: $s) { bookedCount capacity
            bookings(status: CONFIRMED) { totalCount } } }""",
        {"s": slot["id"]},
        token=staff.token,
    )
    found = answer.ok()["slot"]
    assert found["bookedCount"] == found["bookings"]["totalCount"] == len(booked)
    assert found["bookedCount"] <= found["capacity"] == 5
