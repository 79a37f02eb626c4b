"""Pages written straight into the answer (graphql/written.py): over HTTP, the same answers
as graphql-core's with no node objects built; and what a generated writer writes, what it
declines (the subtree then takes the general way), and the values it hands back to
graphql-core."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLEnumValue
from graphql.type.scalars import (
    serialize_boolean,
    serialize_id,
    serialize_int,
    serialize_string,
)
from sqlalchemy import text

from graphql_api.engine import plans, written
from graphql_api.engine.written import RowForm, page_writer
from graphql_api.graphql.schema.types import nodes
from graphql_api.lru import LRU
from tests import executor_helpers as compare
from tests.domain_helpers import book
from tests.helpers import Api

# Tests of the engine itself: the engine on, whatever FAST_EXECUTOR says (conftest.settings).
pytestmark = pytest.mark.engine


class Mood(enum.Enum):
    HAPPY = "happy"
    SAD = "sad"


def _mood() -> plans.Leaf:
    found = GraphQLEnumType("Mood", {m.name: GraphQLEnumValue(m) for m in Mood})
    found.wrapped_cls = Mood  # type: ignore[attr-defined]  # as Strawberry's enum types have
    return plans.Leaf("mood", "mood", plans.output_coercion(found), True, None)


def _object(type_name: str, keys: list[str], **parts: Any) -> plans.Shape:
    return plans.Shape(
        plans.ShapeKind.NON_NULL,
        plans.Shape(plans.ShapeKind.OBJECT, plans.ObjectPlan(type_name, None, keys, **parts)),
    )


def _select(key: str, field: str, shape: plans.Shape, **more: Any) -> plans.Selection:
    return plans.Selection(key, field, more.get("batch"), more.get("arguments", {}), shape)


# Rows as a page reads them: (id, name, size, mood, owner id, owner name).
ROWS = [(1, "a", 3, Mood.HAPPY, 7, "Ann"), (2, None, None, Mood.SAD, 8, "Bo")]
NAMES = {"_gid": lambda type_name, pk: f"{type_name}:{pk}"}
OWNER = RowForm("Owner", {"id": "_gid('Owner', r[4])", "name": "r[5]"}, namespace=NAMES)
FORM = RowForm(
    "Thing",
    {"id": "_gid('Thing', r[0])", "name": "r[1]", "size": "r[2]", "mood": "r[3]"},
    {"owner": OWNER},
    NAMES,
)


def _owner(keys: list[str] | None = None) -> plans.Selection:
    leaves: list[plans.Leaf] = [plans.Leaf("who", "name", serialize_string, True, str)]
    return _select(
        "owner",
        "owner",
        _object("Owner", keys or ["__typename", "who"], typenames=["__typename"], leaves=leaves),
    )


def _node(**changes: Any) -> plans.Shape:
    parts: dict[str, Any] = {
        "typenames": ["kind"],
        "leaves": [
            plans.Leaf("id", "id", serialize_id, True, str),
            plans.Leaf("label", "name", serialize_string, False, str),
            plans.Leaf("size", "size", serialize_int, False, None),
            _mood(),
        ],
        "nested": [_owner()],
    }
    parts.update(changes)
    keys = parts.pop("keys", ["kind", "id", "label", "size", "mood", "owner"])
    return _object("Thing", keys, **parts)


def _connection(
    node: plans.Shape | None = None, edge_extra: tuple[plans.Selection, ...] = ()
) -> plans.Shape:
    """`{ __typename edges { node { ... } } more: edges { n: node { id } } }`."""
    edge = _object(
        "ThingEdge",
        ["node", *(s.key for s in edge_extra)],
        nested=[_select("node", "node", node or _node()), *edge_extra],
    )
    ids_only = _node(keys=["id"], typenames=[], leaves=[_node().of.of.leaves[0]], nested=[])
    other = _object("ThingEdge", ["n"], nested=[_select("n", "node", ids_only)])
    return _object(
        "ThingConnection",
        ["__typename", "edges", "more"],
        typenames=["__typename"],
        nested=[
            _select(
                "edges",
                "edges",
                plans.Shape(plans.ShapeKind.NON_NULL, plans.Shape(plans.ShapeKind.LIST, edge)),
            ),
            _select(
                "more",
                "edges",
                plans.Shape(plans.ShapeKind.NON_NULL, plans.Shape(plans.ShapeKind.LIST, other)),
            ),
        ],
    )


def test_a_writer_writes_each_page_in_the_answers_key_order() -> None:
    write = page_writer(_connection(), FORM)
    assert write is not None
    first, empty = write([(ROWS, True), ([], False)], False)
    assert empty == {"__typename": "ThingConnection", "edges": [], "more": []}
    assert first["edges"][0] == {
        "node": {
            "kind": "Thing",
            "id": "Thing:1",
            "label": "a",
            "size": 3,
            "mood": "HAPPY",
            "owner": {"__typename": "Owner", "who": "Ann"},
        }
    }
    assert first["edges"][1]["node"]["label"] is None and first["edges"][1]["node"]["size"] is None
    assert [list(edge["node"]) for edge in first["edges"]] == [
        ["kind", "id", "label", "size", "mood", "owner"]
    ] * 2
    assert first["more"] == [{"n": {"id": "Thing:1"}}, {"n": {"id": "Thing:2"}}]


def test_a_writer_writes_cursors_and_page_info_from_the_page() -> None:
    form = RowForm("Thing", FORM.columns, {"owner": OWNER}, NAMES, cursor="_gid('c', r[0])")
    cursor: plans.Shape = plans.Shape(
        plans.ShapeKind.NON_NULL, plans.Shape(plans.ShapeKind.LEAF, serialize_string)
    )
    flags: list[plans.Leaf] = [
        plans.Leaf("next", "has_next_page", serialize_boolean, True, bool),
        plans.Leaf("previous", "has_previous_page", serialize_boolean, True, bool),
    ]
    ends = [
        _select(
            "start",
            "start_cursor",
            plans.Shape(plans.ShapeKind.LEAF, serialize_string),
            batch=_no_batch,
        ),
        _select(
            "end",
            "end_cursor",
            plans.Shape(plans.ShapeKind.LEAF, serialize_string),
            batch=_no_batch,
        ),
    ]
    page_info = _object("PageInfo", ["next", "previous", "start", "end"], leaves=flags, nested=ends)
    shape = _connection(edge_extra=(_select("cursor", "cursor", cursor, batch=_no_batch),))
    shape.of.of.keys.append("pageInfo")
    shape.of.of.nested.append(_select("pageInfo", "page_info", page_info))
    assert page_writer(shape, FORM) is None  # a form without cursors declines them
    write = page_writer(shape, form)
    assert write is not None
    full, empty = write([(ROWS, True), ([], False)], True)
    assert [edge["cursor"] for edge in full["edges"]] == ["c:1", "c:2"]
    assert full["pageInfo"] == {"next": True, "previous": True, "start": "c:1", "end": "c:2"}
    assert empty["pageInfo"] == {"next": False, "previous": True, "start": None, "end": None}


def test_a_value_the_scalar_refuses_hands_the_subtree_back() -> None:
    write = page_writer(_connection(), FORM)
    assert write is not None
    for bad in ((*ROWS[0][:3], None, *ROWS[0][4:]), (*ROWS[0][:2], "three", *ROWS[0][3:])):
        with pytest.raises(plans.Fallback):
            write([([bad], False)], False)  # a null mood (non-null), an Int that is not one
    with pytest.raises(plans.Fallback):
        write([([(*ROWS[0][:5], None)], False)], False)  # the owner's non-null name


def _no_batch(*_args: Any) -> list[Any]:
    raise AssertionError("a writer never calls a batch form")


@pytest.mark.parametrize(
    ("shape", "written"),
    [
        pytest.param(_connection(), True, id="columns and the held relation"),
        pytest.param(_connection(_node(keys=["x"], leaves=[], nested=[], typenames=["x"])), True),
        pytest.param(
            _connection(_node(nested=[_owner()], keys=["owner"], leaves=[], typenames=[])),
            True,
            id="only the held relation",
        ),
        pytest.param(
            _connection(
                edge_extra=(
                    _select(
                        "cursor", "cursor", plans.Shape(plans.ShapeKind.LEAF, str), batch=_no_batch
                    ),
                )
            ),
            False,
            id="an edge's cursor",
        ),
        pytest.param(
            _connection(_node(leaves=[plans.Leaf("email", "email", serialize_string, False, str)])),
            False,
            id="a field the row does not hold",
        ),
        pytest.param(
            _connection(_node(nested=[_select("slot", "slot", _node(), batch=_no_batch)])),
            False,
            id="a relation the row does not hold",
        ),
    ],
)
def test_what_a_writer_takes_and_declines(shape: plans.Shape, written: bool) -> None:
    assert (page_writer(shape, FORM) is not None) == written


def test_other_subtrees_are_declined() -> None:
    assert page_writer(_connection(), OWNER) is None  # nodes of another type
    with_count = _connection()
    with_count.of.of.nested.append(
        _select(
            "totalCount",
            "total_count",
            plans.Shape(plans.ShapeKind.LEAF, serialize_int),
            batch=_no_batch,
        )
    )
    assert page_writer(with_count, FORM) is None
    with_leaf = _connection()
    with_leaf.of.of.leaves.append(plans.Leaf("x", "x", serialize_int, False, None))
    assert page_writer(with_leaf, FORM) is None
    held_with_arguments = _node(nested=[_owner()])
    held_with_arguments.of.of.nested[0].arguments = {"first": 1}
    assert page_writer(_connection(held_with_arguments), FORM) is None


def test_a_form_is_checked_when_it_is_made() -> None:
    for name in ("r", "rows", "_v0_leaf"):  # the writer's own names
        with pytest.raises(TypeError):
            RowForm("Thing", {"id": "r[0]"}, namespace={name: str})
    with pytest.raises(TypeError):  # a name the form does not have
        RowForm("Thing", {"id": "_gid('Thing', r[0])"})
    with pytest.raises(SyntaxError):
        RowForm("Thing", {"id": "r[0"})
    owner = RowForm("Owner", {}, namespace={"_f": int})
    clash = RowForm("Thing", {}, {"owner": owner}, {"_f": str})
    with pytest.raises(TypeError):  # two forms of one writer naming different things alike
        page_writer(_connection(_node(leaves=[], nested=[], keys=["kind"])), clash)


WRITTEN = """query Written($status: BookingStatus) {
  slots(first: 10) {
    edges {
      node {
        id
        bookings(first: 3) {
          __typename
          edges {
            __typename
            node {
              __typename id customerName notes status createdAt updatedAt
              user { __typename id fullName role createdAt }
            }
          }
          again: edges { other: node { id } node { status } }
        }
        byStatus: bookings(status: $status) { edges { node { id status } } }
        withRecords: bookings(first: 3) { edges { node { id
          records(first: 2) { __typename edges { node { id kind note createdAt } } } } } }
      }
    }
  }
}"""

SMALL = """{ slots(first: 10) { edges { node { id title startsAt
  bookings(first: 10) { edges { node { id customerName status user { fullName } } } } } } } }"""

# A customer's own lists, and others' (empty unless the viewer may see them).
VISIBLE = """{
  slots(first: 10) { edges { node { id staff { id
    bookings(first: 2) { edges { node { id status } } }
    records(first: 2) { edges { node { kind note } } } } } } }
  me {
    bookings { edges { node { id customerName status } } }
    records(first: 3) { edges { node { kind note createdAt } } }
  }
}"""


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Rows the edge builders made node objects of, by builder (what a writer does without)."""
    counts: dict[str, int] = {}
    for name in ("_booking_edges", "_booking_edges_with_users", "_record_edges"):
        original = getattr(nodes, name)

        def counting(rows: Any, name: str = name, original: Any = original) -> Any:
            counts[name] = counts.get(name, 0) + len(rows)
            return original(rows)

        monkeypatch.setattr(nodes, name, counting)
    return counts


async def test_written_pages_answer_as_graphql_core_does(api: Api, built: dict[str, int]) -> None:
    world = await compare.world(api)
    staff = world["staff"]
    fast = await api.gql(SMALL, token=staff.token)
    assert fast.data is not None and not fast.errors
    assert built == {}  # nothing built: every page written
    slots = [edge["node"] for edge in fast.data["slots"]["edges"]]
    assert [len(s["bookings"]["edges"]) for s in slots] == [2, 0, 1, 1, 1]
    first = slots[0]["bookings"]["edges"][0]["node"]
    assert first["user"]["fullName"] and first["status"] == "CONFIRMED"
    counted = SMALL.replace("bookings(first: 10) {", "bookings(first: 10) { totalCount")
    assert not (await api.gql(counted, token=staff.token)).errors
    assert built == {"_booking_edges_with_users": 5}  # a count needs the rows' objects

    for status in ("CANCELLED", None):
        built.clear()
        assert not (await api.gql(WRITTEN, {"status": status}, token=staff.token)).errors
        # Only `withRecords` builds its bookings (their records are a page of their own).
        assert built == {"_booking_edges_with_users": 5}
        body = await compare.same(api, WRITTEN, {"status": status}, staff)
        assert not body.get("errors")
    slots = [edge["node"] for edge in body["data"]["slots"]["edges"]]
    kept = slots[0]["bookings"]["edges"][0]["node"]
    assert kept["notes"] == "window seat" and kept["user"]["__typename"] == "User"
    assert [e["other"]["id"] for e in slots[0]["bookings"]["again"]] == [
        e["node"]["id"] for e in slots[0]["bookings"]["edges"]
    ]
    records = slots[0]["withRecords"]["edges"][0]["node"]["records"]
    assert records["__typename"] == "RecordConnection" and records["edges"]


async def test_written_private_lists_are_empty_for_others(api: Api, built: dict[str, int]) -> None:
    world = await compare.world(api)
    mine = await api.gql(VISIBLE, token=world["alice"].token)  # `me` is a root field:
    assert not mine.errors and built == {}  # its pages are written all the same
    first_slot = (await api.gql(SMALL, token=world["staff"].token)).data["slots"]["edges"][0]
    await book(api, world["staff"], first_slot["node"]["id"])  # the staff member's own lists
    for who in (world["alice"], world["bob"], world["staff"], world["admin"], None):
        body = await compare.same(api, VISIBLE, None, who)
        staff = body["data"]["slots"]["edges"][0]["node"]["staff"]
        if who is None:
            assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
        else:
            assert not body.get("errors")
        if who in (None, world["alice"], world["bob"]):
            assert staff["bookings"] == {"edges": []} and staff["records"] == {"edges": []}
        else:  # theirs, and an admin's
            assert len(staff["bookings"]["edges"]) == 1 and staff["records"]["edges"]
    alice = await compare.same(api, VISIBLE, None, world["alice"])
    assert len(alice["data"]["me"]["bookings"]["edges"]) == 2
    assert alice["data"]["me"]["records"]["edges"]


async def test_a_writer_is_made_once_for_every_page_size(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each new page size plans the subtree again; its writer is the one made before."""
    world = await compare.world(api)
    made: list[str] = []
    original = written.compile_page_writer

    def counting(shape: plans.Shape, form: RowForm) -> Any:
        made.append(form.type_name)
        return original(shape, form)

    monkeypatch.setattr(written, "compile_page_writer", counting)
    # An empty cache: whatever an earlier test (or the other backend's run) generated.
    monkeypatch.setattr(written, "_WRITERS", LRU(1024))
    query = """query Sizes($n: Int) { slots(first: 5) { edges { node { id
      bookings(first: $n) { edges { node { id status notes } } } } } } }"""
    for n in (1, 2, 3):
        body = await compare.same(api, query, {"n": n}, world["staff"])
        assert not body.get("errors")
    assert made == ["Booking"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_value_a_writer_refuses_is_answered_by_graphql_core(api: Api) -> None:
    """A value the scalar refuses (SQLite keeps whatever is stored: bytes in a TEXT column;
    PostgreSQL would refuse to store it) makes the writer hand the subtree to graphql-core,
    whose answer and errors are the response."""
    world = await compare.world(api)
    async with api.db.engine.begin() as connection:
        await connection.execute(text("UPDATE bookings SET notes = x'00ff'"))
    query = "{ slots(first: 2) { edges { node { id bookings { edges { node { id notes } } } } } } }"
    body = await compare.same(api, query, None, world["staff"])
    bookings = body["data"]["slots"]["edges"][0]["node"]["bookings"]["edges"]
    assert len(bookings) == 2 and all(edge["node"]["notes"] is None for edge in bookings)
    assert [e["path"][-1] for e in body["errors"]] == ["notes", "notes"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"INTERNAL_SERVER_ERROR"}


RELAY = """query Relay($after: String) {
  slots(first: 10) { edges { node { id
    bookings(first: 1, after: $after) {
      __typename
      pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id status user { fullName } } }
    }
    all: bookings { before: pageInfo { endCursor } edges { cursor } pageInfo { hasNextPage } }
  } } }
  me { bookings(first: 1) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }
}"""

# Others' lists are empty for a customer: written empty pages have pageInfo too.
RELAY_PUBLIC = """query RelayPublic($after: String) {
  slots(first: 10) { edges { node { id staff {
    bookings(first: 1, after: $after) { p1: pageInfo { hasNextPage startCursor }
      edges { cursor node { id } } p2: pageInfo { hasPreviousPage endCursor } }
    records(first: 1) { pageInfo { hasNextPage endCursor } edges { cursor } }
  } } } }
  me { records(first: 1, after: $after) { pageInfo { hasPreviousPage } edges { cursor } } }
}"""


async def test_relay_pages_with_cursors_and_page_info_are_written(
    api: Api, built: dict[str, int]
) -> None:
    world = await compare.world(api)
    staff = world["staff"]
    fast = await api.gql(RELAY, {"after": None}, token=staff.token)
    assert fast.data is not None and not fast.errors
    assert built == {}  # every page written, cursors and pageInfo included
    first = fast.data["slots"]["edges"][0]["node"]
    page = first["bookings"]
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]
    assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
    assert first["all"]["before"]["endCursor"] == first["all"]["edges"][-1]["cursor"]
    after = page["pageInfo"]["endCursor"]
    for variables in ({"after": None}, {"after": after}):
        body = await compare.same(api, RELAY, variables, staff)
        assert not body.get("errors")
    second = body["data"]["slots"]["edges"][0]["node"]["bookings"]
    assert second["pageInfo"]["hasPreviousPage"] and second["edges"]
    assert second["edges"][0]["cursor"] != page["edges"][0]["cursor"]
    for who in (world["alice"], None):  # customers and anonymous callers: refused alike
        await compare.same(api, RELAY, {"after": None}, who)
    first_slot = fast.data["slots"]["edges"][0]["node"]["id"]
    await book(api, staff, first_slot)  # the staff member's own lists, hidden from others
    await book(api, staff, fast.data["slots"]["edges"][1]["node"]["id"])
    for who in (world["alice"], world["staff"], world["admin"]):
        for variables in ({"after": None}, {"after": after}):
            body = await compare.same(api, RELAY_PUBLIC, variables, who)
            assert not body.get("errors")
            lists = body["data"]["slots"]["edges"][0]["node"]["staff"]
            if who is world["alice"]:
                assert lists["bookings"] == {
                    "p1": {"hasNextPage": False, "startCursor": None},
                    "edges": [],
                    "p2": {"hasPreviousPage": False, "endCursor": None},
                }
            elif variables["after"] is None:
                assert lists["bookings"]["p1"]["hasNextPage"] and lists["records"]["edges"]
