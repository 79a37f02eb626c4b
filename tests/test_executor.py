"""The level-at-a-time executor (graphql/executor.py) answers exactly as graphql-core does.

Every document below is sent twice over HTTP to the same app and database: once as served
(FastExecutor), once with Strawberry's stock graphql-core executor swapped in. The whole
response (data, errors with their paths and codes, HTTP status) must be identical (errors in
any order: they come in the order fields finish, which the spec leaves open), for
anonymous callers, a customer and staff: nested relations, aliases, fragments, directives,
variables, `__typename`, totalCount, and the error paths where the executor hands a subtree
back to graphql-core (a FORBIDDEN relation, a bad nested cursor, a page size over the limit).
"""

from __future__ import annotations

from typing import Any

import pytest

from graphql_api.engine.executor import FastExecutor
from tests import executor_helpers as compare
from tests.engine_helpers import assert_fully_planned
from tests.helpers import Api, StatementCounter

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine

RECORD = """id kind note createdAt actor { id fullName email } user { id fullName }
    booking { id status } slot { id title } fromSlot { id } toSlot { id }"""

EVERYTHING = f"""query Everything($n: Int) {{
  slots(first: $n) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{
      cursor
      node {{
        __typename id title location startsAt endsAt timeZone capacity bookedCount remaining
        status createdAt
        staff {{ id fullName email role }}
        bookings(first: 5) {{
          totalCount
          pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
          edges {{
            cursor
            node {{
              id customerName notes status createdAt updatedAt
              slot {{ id title bookedCount }}
              user {{
                id email fullName role
                bookings(first: 2) {{ totalCount edges {{ node {{ id status }} }} }}
                records(first: 2) {{ totalCount edges {{ node {{ id kind }} }} }}
              }}
              records(first: 3) {{ totalCount edges {{ node {{ {RECORD} }} }} }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"""

SHAPES = """query Shapes($withStaff: Boolean!, $n: Int, $status: BookingStatus) {
  slots(first: $n) {
    __typename
    edges {
      node {
        ...SlotBits
        one: bookings(first: 1) { edges { node { id __typename } } }
        some: bookings(first: 2, status: $status) {
          totalCount
          pageInfo { __typename hasNextPage }
          edges { node { id status user { ...UserBits } } }
        }
        staff @include(if: $withStaff) { fullName }
        hidden: staff @skip(if: true) { id }
      }
    }
  }
}
fragment SlotBits on BookingSlot { id title ... on BookingSlot { capacity remaining } }
fragment UserBits on User { id fullName email }"""

LISTS = f"""{{
  bookings(first: 20) {{ edges {{ node {{ id status slot {{ id staff {{ fullName }} }}
    user {{ email }} records {{ edges {{ node {{ kind }} }} }} }} }} }}
  records(first: 30) {{ totalCount edges {{ node {{ {RECORD} }} }} }}
  users(first: 20) {{ edges {{ node {{ id email role fullName
    bookings {{ totalCount edges {{ node {{ id slot {{ title }} }} }} }}
    records(first: 3) {{ totalCount edges {{ node {{ kind }} }} }} }} }} }}
}}"""

ME = """{
  me {
    id email fullName
    bookings { edges { node { id status slot { title staff { fullName email } }
      records { edges { node { kind note actor { fullName email } } } } } } }
    records(first: 5) { totalCount edges { node { kind fromSlot { id } toSlot { id title } } } }
  }
}"""

PUBLIC = """{ slots(first: 10) { edges { node { id title remaining staff { fullName email }
  } } } }"""

BAD_CURSOR = """{ slots(first: 3) { edges { node { id
  bookings(after: "not-a-cursor") { edges { node { id } } } } } } }"""

TOO_MANY = """{ slots(first: 3) { edges { node { id
  bookings(first: 1000) { edges { node { id } } }
  staff { fullName } } } } }"""

FORBIDDEN_NESTED = """query($id: ID!) { booking(id: $id) { id user { email }
  slot { title bookings { totalCount edges { node { id } } } } } }"""

PARTIAL = """{ me { records(first: 20) { edges { node { kind note
  slot { title bookings { totalCount } } } } } } }"""


@pytest.fixture
def planned_levels(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many objects the level-at-a-time path completed (so a test cannot pass by never
    using it)."""
    seen: list[int] = []
    original = FastExecutor._run_object

    async def counting(self: FastExecutor, plan: Any, parents: list[Any]) -> Any:
        seen.append(len(parents))
        return await original(self, plan, parents)

    monkeypatch.setattr(FastExecutor, "_run_object", counting)
    return seen


async def test_nested_reads_are_identical_for_every_viewer(
    api: Api, planned_levels: list[int]
) -> None:
    world = await compare.world(api)
    staff, alice = world["staff"], world["alice"]
    body = await compare.same(api, EVERYTHING, {"n": 10}, staff)
    assert not body.get("errors")
    slots = body["data"]["slots"]["edges"]
    assert len(slots) == 5
    assert slots[0]["node"]["bookings"]["edges"][0]["node"]["records"]["edges"]
    assert max(planned_levels) >= 5  # all five slots completed as one level

    # Customers and anonymous callers may not see bookings: the first refusal nulls the
    # non-null chain up to `data`.
    for who, code in ((alice, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        body = await compare.same(api, EVERYTHING, {"n": 10}, who)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]
        path = body["errors"][0]["path"]
        assert path[:2] == ["slots", "edges"] and path[3:] == ["node", "bookings"]


async def test_fragments_aliases_directives_and_variables(api: Api) -> None:
    world = await compare.world(api)
    for variables in (
        {"withStaff": True, "n": 3, "status": "CANCELLED"},
        {"withStaff": False, "n": None, "status": None},
    ):
        body = await compare.same(api, SHAPES, variables, world["staff"])
        assert not body.get("errors")
    body = await compare.same(
        api, SHAPES, {"withStaff": True, "n": 3, "status": None}, world["bob"]
    )
    assert body["errors"]


async def test_root_lists_me_and_public_views(api: Api) -> None:
    world = await compare.world(api)
    body = await compare.same(api, LISTS, None, world["admin"])
    assert not body.get("errors")
    assert body["data"]["records"]["totalCount"] >= 10
    for who in (world["staff"], world["alice"]):  # users is FORBIDDEN to both
        assert (await compare.same(api, LISTS, None, who))["errors"]
    for who in (world["alice"], world["bob"], world["staff"]):
        body = await compare.same(api, ME, None, who)
        assert not body.get("errors")
    for who in (None, world["alice"]):
        body = await compare.same(api, PUBLIC, None, who)
        slots = [edge["node"] for edge in body["data"]["slots"]["edges"]]
        assert slots[0]["staff"] == {"fullName": "Staff Member", "email": None}
        assert slots[-1]["staff"] is None
        await assert_fully_planned(api, PUBLIC, None, who.token if who else None)


async def test_errors_inside_a_planned_subtree_match(api: Api) -> None:
    world = await compare.world(api)
    staff, alice = world["staff"], world["alice"]
    body = await compare.same(api, BAD_CURSOR, None, staff)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    body = await compare.same(api, TOO_MANY, None, staff)
    assert body["errors"]
    # The contract: `first` over 100 is BAD_USER_INPUT, on a nested page as on a root list.
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    body = await compare.same(api, FORBIDDEN_NESTED, {"id": world["kept"]["id"]}, alice)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["data"] == {"booking": None}  # the refusal nulls up to the nullable field
    body = await compare.same(api, PARTIAL, None, alice)
    records = [edge["node"] for edge in body["data"]["me"]["records"]["edges"]]
    with_slot = [r for r in records if r["kind"] != "NOTE"]
    assert with_slot and all(r["slot"] is None for r in with_slot)  # nulled, one error each
    assert len(body["errors"]) >= len(with_slot)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


PRUNED = """{ slots(first: 5) { edges { node { id
  few: bookings(first: 5) { edges { node { id user { fullName }
    records(first: 2) { edges { node { id } } } } } }
  all: bookings(first: 5) { edges { node { id customerName notes status createdAt updatedAt
    user { id email fullName role createdAt }
    records(first: 2) { edges { node { id kind note createdAt actor { fullName } } } } } } }
} } } }"""


def _page_columns(statements: list[str], table: str) -> list[str]:
    """The outer column lists of the per-parent page statements of `table`."""
    pages = [s for s in statements if "row_number() OVER" in s and f"FROM {table}" in s]
    return [" ".join(s.split("FROM", 1)[0].split()) for s in pages]


async def test_nested_pages_leave_out_the_columns_no_one_reads(api: Api) -> None:
    """A planned page selects NULL for the columns its subtree does not read (SQLite's direct
    path does not even send them); the same page with every field selected is another loader key,
    so the two aliases below get their own rows, and both executors answer alike."""
    world = await compare.world(api)
    with StatementCounter(api.db) as seen:
        body = await compare.same(api, PRUNED, None, world["staff"])
    assert not body.get("errors")
    first = body["data"]["slots"]["edges"][0]["node"]
    full, few = first["all"]["edges"][0]["node"], first["few"]["edges"][0]["node"]
    assert full["notes"] == "window seat"
    assert few["id"] == full["id"] and few["user"] == {"fullName": full["user"]["fullName"]}
    assert [e["node"]["id"] for e in few["records"]["edges"]] == [
        e["node"]["id"] for e in full["records"]["edges"]
    ]
    bookings = _page_columns(seen.statements, "bookings")
    records = _page_columns(seen.statements, "records")
    # Served (`few` pruned, `all` full), then graphql-core's run (both full: the same key,
    # one statement).
    pruned = [c for c in bookings if _unread(c, "notes")]
    assert len(pruned) == 1 and len(bookings) == 3
    for column in ("customer_name", "status", "created_at", "updated_at"):
        assert _unread(pruned[0], column)
    for column in ("users__email", "users__role", "users__created_at"):
        assert _unread(pruned[0], column)
    assert not _unread(pruned[0], "users__full_name")
    assert sum(_unread(c, "notes") for c in bookings) == 1
    assert all(not _unread(c, "created_at") for c in bookings if c not in pruned)
    pruned_records = [c for c in records if _unread(c, "kind")]
    assert len(pruned_records) == 1 and _unread(pruned_records[0], "actor_id")
    full_records = [c for c in records if not _unread(c, "kind")]
    assert full_records and all(not _unread(c, "actor_id") for c in full_records)


def _unread(columns: str, name: str) -> bool:
    """Whether a statement's column list leaves out `name`: NULL in its place (SQLAlchemy's
    path), or not sent at all (SQLite's direct path drops NULL columns, services/fetch.py)."""
    return f"NULL AS {name}" in columns or f"AS {name}," not in f"{columns},"


VARIED = """query Varied($n: Int, $withStaff: Boolean!) { slots(first: 5) { edges { node { id
  bookings(first: $n) { edges { node { id } } }
  staff @include(if: $withStaff) { fullName } } } } }"""


async def test_plans_are_shared_by_requests_with_the_same_variables(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan is made once per document, type and variable values, then reused by later
    requests; other variable values (a page size, an @include) get plans of their own."""
    world = await compare.world(api)
    planned: list[str] = []
    original = FastExecutor._plan_field

    def counting(self: FastExecutor, parent_type: Any, key: str, details: Any) -> Any:
        planned.append(key)
        return original(self, parent_type, key, details)

    monkeypatch.setattr(FastExecutor, "_plan_field", counting)

    async def sizes(n: int, with_staff: bool) -> list[int]:
        variables = {"n": n, "withStaff": with_staff}
        body = await compare.same(api, VARIED, variables, world["staff"])
        assert not body.get("errors")
        nodes = [edge["node"] for edge in body["data"]["slots"]["edges"]]
        assert all(("staff" in node) is with_staff for node in nodes)
        return [len(node["bookings"]["edges"]) for node in nodes]

    assert (await sizes(1, True))[0] == 1
    made = len(planned)
    assert made > 0
    assert (await sizes(1, True))[0] == 1
    assert len(planned) == made  # the second request planned nothing
    assert (await sizes(2, True))[0] == 2  # another page size: planned again
    assert len(planned) > made
    again = len(planned)
    assert (await sizes(2, False))[0] == 2
    assert len(planned) > again


async def test_plans_for_new_variable_values_reuse_the_row_builders(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each new page size (or cursor) plans the subtree again, but its levels have the shapes
    of the ones before: no row builder is generated again (plans.BUILDERS)."""
    from graphql_api.engine import plans

    world = await compare.world(api)
    compiled: list[str] = []
    original = plans.compile_row_builder

    def counting(plan: Any) -> Any:
        compiled.append(plan.type_name)
        return original(plan)

    monkeypatch.setattr(plans, "compile_row_builder", counting)
    query = VARIED.replace("Varied", "ReusedBuilders")  # a document no other test planned
    for n in (1, 2, 3):
        body = await compare.same(api, query, {"n": n, "withStaff": False}, world["staff"])
        assert not body.get("errors")
        if n == 1:
            first = len(compiled)
    assert len(compiled) == first


async def test_large_variables_are_not_kept_with_a_plan(api: Api) -> None:
    """A plan keyed on a large argument would keep it alive in the shared cache: such
    requests plan for themselves."""
    from graphql_api.engine import executor

    world = await compare.world(api)
    query = """query Big($status: BookingStatus, $note: String) { slots(first: 2) {
      edges { node { id bookings(first: 2, status: $status) { edges { node { id } } } } } }
      small: slots(first: 1, after: $note) { totalCount } }"""
    executor._PLANS.clear()
    small = await compare.same(api, query, {"status": "CONFIRMED", "note": None}, world["staff"])
    assert not small.get("errors") and executor._PLANS
    kept = len(executor._PLANS)
    big = await compare.same(api, query, {"status": None, "note": "x" * 5000}, world["staff"])
    assert big["errors"]  # not a cursor: BAD_USER_INPUT, as graphql-core says too
    assert len(executor._PLANS) == kept


async def test_root_slot_lists_are_planned_and_leave_out_unread_columns(api: Api) -> None:
    """`slots` has a batch form, so the planned executor runs the whole query from the root and
    the list selects NULL for the columns no field reads (`capacity` alone: `booked_count` is
    left out, and `remaining`, which needs both, is not built from it)."""
    await compare.world(api)
    query = "{ slots(first: 3) { edges { cursor node { id capacity } } } }"
    with StatementCounter(api.db) as seen:
        body = await compare.same(api, query, None, None)
    assert not body.get("errors")
    assert [e["node"]["capacity"] for e in body["data"]["slots"]["edges"]] == [3, 3, 3]
    lists = [
        " ".join(s.split("FROM", 1)[0].split())
        for s in seen.statements
        if "FROM booking_slots" in s and "LIMIT" in s
    ]
    pruned = [s for s in lists if _unread(s, "title")]
    assert len(lists) == 2 and len(pruned) == 1  # served, then graphql-core's full read
    assert _unread(pruned[0], "booked_count") and _unread(pruned[0], "staff_id")
    assert not _unread(pruned[0], "capacity") and not _unread(pruned[0], "starts_at")
    # An error in a planned root field: graphql-core runs it again and answers as always.
    bad = await compare.same(api, '{ slots(after: "nope") { edges { node { id } } } }', None, None)
    assert [e["extensions"]["code"] for e in bad["errors"]] == ["BAD_USER_INPUT"]
    assert bad["data"] is None


def test_the_column_maps_account_for_every_field() -> None:
    """Pruning leaves out only columns of fields it knows: each node type's NodeMap knows
    every field of the type (graphql/schema/types/nodes.py; engine/node_map.py)."""
    from graphql_api.graphql.schema.types import nodes

    for cls, node_map in (
        (nodes.BookingSlot, nodes.SLOT_MAP),
        (nodes.Booking, nodes.BOOKING_MAP),
        (nodes.User, nodes.USER_MAP),
        (nodes.Record, nodes.RECORD_MAP),
    ):
        definition = cls.__strawberry_definition__
        fields = {f.python_name for f in definition.fields if not f.python_name.startswith("_")}
        assert fields == node_map.readable, (cls.__name__, fields ^ node_map.readable)
    unknown = {"BookingSlot": frozenset({"title", "something_new"})}
    assert nodes._unread_slot_columns(unknown) == frozenset()
    assert "location" in nodes._unread_slot_columns({"BookingSlot": frozenset({"title"})})
    booking = frozenset({"id", "user"})
    assert (
        nodes._unread_booking_columns(
            {"Booking": booking, "User": frozenset({"something_new"})}, joined=True
        )
        == frozenset()
    )
    pruned = nodes._unread_booking_columns(
        {"Booking": booking, "User": frozenset({"full_name"})}, joined=True
    )
    assert {"notes", "users__email"} <= pruned and "users__full_name" not in pruned
    # Without `user` read, every customer column goes, whatever else reads Users.
    assert "users__full_name" in nodes._unread_booking_columns(
        {"Booking": frozenset({"id"}), "User": frozenset({"something_new"})}, joined=True
    )


async def test_root_slot_filters_and_cursors_with_pruned_columns(api: Api) -> None:
    await compare.world(api)
    query = """query($after: String) { slots(first: 2, after: $after,
      filter: {availableOnly: true, status: OPEN}) {
      pageInfo { endCursor hasNextPage } edges { node { id title } } } }"""
    first = await compare.same(api, query, {"after": None}, None)
    cursor = first["data"]["slots"]["pageInfo"]["endCursor"]
    second = await compare.same(api, query, {"after": cursor}, None)
    assert not first.get("errors") and not second.get("errors")
    seen = [e["node"]["id"] for page in (first, second) for e in page["data"]["slots"]["edges"]]
    assert len(seen) == len(set(seen)) >= 3
    await assert_fully_planned(api, query, {"after": cursor})
