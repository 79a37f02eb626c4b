"""The row past a page (the probe that tells `hasNextPage`) is read only when the query reads
`pageInfo`: one row fewer per page otherwise, and the same answers either way
(pagination.PageRequest.probe, graphql/types/nodes.page_arguments)."""

from __future__ import annotations

import pytest

from graphql_api.pagination import PageRequest
from tests.domain_helpers import book
from tests.helpers import Api, StatementCounter

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine

SLOT_PAGES = """{ slots(first: 2) { %s edges { node { id
  bookings(first: 2) { %s edges { node { customerName } } } } } } }"""


async def _two_slots_of_three_bookings(api: Api) -> str:
    from graphql_api.models import Role

    staff = await api.user(Role.STAFF)
    for hours in (1, 2, 3):
        slot = await api.create_slot(staff, capacity=5, starts_in_hours=24 + hours)
        if hours < 3:
            for n in range(3):
                await book(api, await api.user(name=f"Customer {hours}-{n}"), slot["id"])
    return staff.token


def _limits(statements: list[str]) -> list[str]:
    """The pages' row limits, as the database ran them (sqlite3 traces the bound values)."""
    return [s.rsplit("<=", 1)[1].split()[0] for s in statements if "row_number()" in s]


def _list_limits(statements: list[str]) -> list[str]:
    """The slot list's LIMIT, as the database ran it."""
    return [
        s.split("LIMIT", 1)[1].split()[0]
        for s in statements
        if "FROM booking_slots" in s and "row_number()" not in s
    ]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_pages_without_page_info_read_no_probe_row(api: Api) -> None:
    token = await _two_slots_of_three_bookings(api)
    with StatementCounter(api.db) as plain:
        without = (await api.gql(SLOT_PAGES % ("", ""), token=token)).ok()
    with StatementCounter(api.db) as probed:
        with_info = (
            await api.gql(
                SLOT_PAGES % ("pageInfo { hasNextPage }", "pageInfo { hasNextPage }"),
                token=token,
            )
        ).ok()
    assert _limits(plain.statements) == ["2"] and _limits(probed.statements) == ["3"]
    assert _list_limits(plain.statements) == ["2"] and _list_limits(probed.statements) == ["3"]
    slots = with_info["slots"]
    assert slots["pageInfo"]["hasNextPage"] is True  # the third slot
    assert [e["node"]["bookings"]["pageInfo"]["hasNextPage"] for e in slots["edges"]] == [True] * 2
    for edge in slots["edges"]:
        del edge["node"]["bookings"]["pageInfo"]
    del slots["pageInfo"]
    assert without == with_info  # the same edges, two of three each


async def test_a_page_read_with_and_without_page_info_in_one_query(api: Api) -> None:
    """Two aliases of one connection, one reading pageInfo: separate loader keys, each right."""
    token = await _two_slots_of_three_bookings(api)
    data = (
        await api.gql(
            """{ slots(first: 1) { edges { node {
                 a: bookings(first: 2) { edges { node { customerName } } }
                 b: bookings(first: 2) { pageInfo { hasNextPage } edges { node { customerName } } }
               } } } }""",
            token=token,
        )
    ).ok()
    node = data["slots"]["edges"][0]["node"]
    assert node["b"]["pageInfo"]["hasNextPage"] is True
    assert node["a"]["edges"] == node["b"]["edges"] and len(node["a"]["edges"]) == 2


def test_the_probe_stays_unless_the_planned_subtree_reads_no_page_info() -> None:
    import inspect

    from graphql_api.graphql.schema.types.nodes import _slot_bookings, page_arguments

    # graphql-core's path (the resolver) passes no planned arguments: what is read is unknown.
    assert inspect.signature(_slot_bookings).parameters["probe"].default is True
    assert PageRequest.of(2, None).probe
    planned = page_arguments("BookingConnection", lambda _read: frozenset())
    assert not planned({"BookingConnection": frozenset({"edges"})})["probe"]
    reads_it = {"BookingConnection": frozenset({"edges", "page_info"})}
    assert planned(reads_it)["probe"]
    assert PageRequest.of(2, None, probe=planned(reads_it)["probe"]).limit == 3
