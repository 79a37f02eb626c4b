"""Profiles (contract Part 2): updateProfile changes only the viewer's own account, checks each
value (an IANA time zone, a date of birth not in the future, a point on the earth, a phone
number, a non-empty name) and changes nothing when one is bad; phone, dateOfBirth and home are
read by the owner and STAFF/ADMIN only, null for everyone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graphql_api.models import Role
from tests.helpers import Account, Api, StatementCounter

UPDATE = """mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
    id fullName phone dateOfBirth timeZone emailNotifications home { latitude longitude } } }"""
PROFILE = "fullName phone dateOfBirth timeZone emailNotifications home { latitude longitude }"
FULL = {
    "fullName": "Ada Lovelace",
    "phone": "+44 20 7946 0958",
    "dateOfBirth": "1990-12-10",
    "timeZone": "Europe/London",
    "home": {"latitude": 51.5072, "longitude": -0.1276},
    "emailNotifications": False,
}


async def _profile(api: Api, viewer: Account, of: Account) -> dict[str, Any]:
    answer = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on User { %s } } }" % PROFILE,  # noqa: UP031
        {"id": of.gid},
        token=viewer.token,
    )
    found: dict[str, Any] = answer.ok()["node"]
    return found


async def test_update_profile_sets_every_field_and_me_reads_them(api: Api) -> None:
    me = await api.user()
    updated = (await api.gql(UPDATE, {"input": FULL}, token=me.token)).ok()["updateProfile"]
    assert updated["id"] == me.gid
    assert {k: updated[k] for k in FULL} == FULL
    read = (await api.gql("{ me { %s } }" % PROFILE, token=me.token)).ok()["me"]  # noqa: UP031
    assert read == FULL


async def test_a_subset_changes_only_itself_and_null_clears(api: Api) -> None:
    me = await api.user(name="First Name")
    (await api.gql(UPDATE, {"input": FULL}, token=me.token)).ok()
    cleared = (
        await api.gql(
            UPDATE, {"input": {"phone": None, "home": None, "dateOfBirth": None}}, token=me.token
        )
    ).ok()["updateProfile"]
    assert cleared["phone"] is None and cleared["home"] is None and cleared["dateOfBirth"] is None
    assert cleared["fullName"] == "Ada Lovelace" and cleared["timeZone"] == "Europe/London"
    assert cleared["emailNotifications"] is False
    renamed = (await api.gql(UPDATE, {"input": {"fullName": "  Ada  "}}, token=me.token)).ok()
    assert renamed["updateProfile"]["fullName"] == "Ada"


async def test_new_accounts_have_the_defaults(api: Api) -> None:
    me = await api.user()
    read = (await api.gql("{ me { %s } }" % PROFILE, token=me.token)).ok()["me"]  # noqa: UP031
    assert read["timeZone"] == "UTC" and read["emailNotifications"] is True
    assert read["phone"] is None and read["dateOfBirth"] is None and read["home"] is None


TOMORROW = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
BAD = [
    ({"timeZone": "Mars/Olympus"}, "timeZone"),
    ({"timeZone": None}, "timeZone"),
    ({"dateOfBirth": TOMORROW}, "dateOfBirth"),
    ({"dateOfBirth": "1899-12-31"}, "dateOfBirth"),
    ({"home": {"latitude": 91, "longitude": 0}}, "home"),
    ({"home": {"latitude": 0, "longitude": -180.5}}, "home"),
    ({"phone": "call me maybe"}, "phone"),
    ({"phone": "+1 23"}, "phone"),
    ({"fullName": "   "}, "fullName"),
    ({"fullName": None}, "fullName"),
    ({"emailNotifications": None}, "emailNotifications"),
]


@pytest.mark.parametrize(("change", "argument"), BAD)
async def test_a_bad_value_is_bad_user_input_and_changes_nothing(
    api: Api, change: dict[str, Any], argument: str
) -> None:
    me = await api.user()
    (await api.gql(UPDATE, {"input": FULL}, token=me.token)).ok()
    # A good value beside the bad one is not applied either.
    sent = change if argument == "phone" else {**change, "phone": "+1 555 0100"}
    answer = await api.gql(UPDATE, {"input": sent}, token=me.token)
    assert answer.code == "BAD_USER_INPUT", answer
    assert answer.errors[0]["extensions"]["argument"] == argument
    assert await _profile(api, me, me) == FULL


async def test_a_bad_date_or_a_missing_coordinate_is_refused_by_the_schema(api: Api) -> None:
    me = await api.user()
    for bad in ({"dateOfBirth": "10/12/1990"}, {"home": {"latitude": 1}}):
        answer = await api.gql(UPDATE, {"input": bad}, token=me.token)
        assert answer.code == "BAD_USER_INPUT", answer


async def test_updating_a_profile_needs_a_token(api: Api) -> None:
    answer = await api.gql(UPDATE, {"input": {"fullName": "X"}})
    assert answer.code == "UNAUTHENTICATED"


async def test_private_fields_are_null_for_others_and_shown_to_staff(api: Api) -> None:
    owner, other = await api.user(), await api.user()
    staff, admin = await api.user(Role.STAFF), await api.user(Role.ADMIN)
    (await api.gql(UPDATE, {"input": FULL}, token=owner.token)).ok()
    public = {"fullName": FULL["fullName"], "timeZone": FULL["timeZone"]}
    seen_by_other = await _profile(api, other, owner)
    assert seen_by_other["phone"] is None
    assert seen_by_other["dateOfBirth"] is None and seen_by_other["home"] is None
    assert {k: seen_by_other[k] for k in public} == public
    for viewer in (owner, staff, admin):
        assert await _profile(api, viewer, owner) == FULL


async def test_staff_read_customers_private_fields_in_a_slots_bookings(api: Api) -> None:
    """The JOINed customers of a slot's bookings carry the profile too (one statement)."""
    staff, customer = await api.user(Role.STAFF), await api.user()
    (await api.gql(UPDATE, {"input": FULL}, token=customer.token)).ok()
    slot = await api.create_slot(staff)
    (await api.book(customer, slot["id"])).ok()
    query = (
        "query($id: ID!) { slot(id: $id) { bookings { edges { node { user {"
        " phone dateOfBirth home { latitude } timeZone } } } } } }"
    )
    for _ in range(2):  # planned, then from the kept plan
        answer = (await api.gql(query, {"id": slot["id"]}, token=staff.token)).ok()
        (edge,) = answer["slot"]["bookings"]["edges"]
        assert edge["node"]["user"] == {
            "phone": FULL["phone"],
            "dateOfBirth": FULL["dateOfBirth"],
            "home": {"latitude": FULL["home"]["latitude"]},
            "timeZone": FULL["timeZone"],
        }


async def test_private_fields_cost_no_statement_of_their_own(api: Api) -> None:
    """They come with the user's row: a list of users reads the same statements for 3 users
    as for 12."""
    admin = await api.user(Role.ADMIN)
    query = "{ users(first: 50) { edges { node { phone dateOfBirth home { latitude } } } } }"

    async def statements() -> int:
        with StatementCounter(api.db) as counter:
            (await api.gql(query, token=admin.token)).ok()
        return counter.count

    for _ in range(2):
        await api.user()
    few = await statements()
    for _ in range(9):
        await api.user()
    assert await statements() == few
