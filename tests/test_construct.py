"""The generated constructors (graphql/types/construct.py) build what the classes build."""

from __future__ import annotations

import collections
import dataclasses
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry

from graphql_api.engine.construct import constructor, rows_builder
from graphql_api.graphql.schema.types import base, nodes
from graphql_api.models import BookingStatus, RecordKind, Role

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _example(cls: type[Any]) -> tuple[type[Any], dict[str, Any]]:
    """A value of its own for every field `__init__` requires (the fields come from the class,
    so a new field needs nothing here)."""
    fields = dataclasses.fields(cls)
    required = [f for f in fields if f.init and f.default is dataclasses.MISSING]
    return cls, {f.name: f"{cls.__name__}.{f.name}" for f in required}


EXAMPLES: list[tuple[type[Any], dict[str, Any]]] = [
    _example(cls)
    for cls in (
        nodes.User,
        nodes.Booking,
        nodes.Record,
        nodes.BookingSlot,
        base.Edge,
        base.PageInfo,
        base.Connection,
    )
]


@dataclasses.dataclass
class Counted:
    """Its construction does more than assign fields: both generators refuse it."""

    n: int

    def __post_init__(self) -> None:
        self.n += 1


@pytest.mark.parametrize(("cls", "values"), EXAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_same_object_as_the_class_builds(cls: type[Any], values: dict[str, Any]) -> None:
    built = constructor(cls)(**values)
    expected = cls(**values)
    assert type(built) is cls
    assert vars(built) == vars(expected)
    assert list(vars(built)) == list(vars(expected))  # the same order: shared attribute keys
    assert sys.getsizeof(vars(built)) == sys.getsizeof(vars(expected))


def test_defaults_apply_and_missing_fields_are_refused() -> None:
    build = constructor(nodes.Booking)
    booking = build(**EXAMPLES[1][1])
    assert booking._user is None  # the dataclass default
    with pytest.raises(TypeError):
        build(id="x")


def test_classes_that_do_more_than_assign_fields_are_refused() -> None:
    @dataclasses.dataclass
    class Listed:
        items: list[int] = dataclasses.field(default_factory=list)

    @strawberry.type
    class Typed:
        name: str

        @strawberry.field
        def shout(self) -> str:  # a resolver: an init=False field, left alone by both
            return self.name.upper()

    for cls in (Counted, Listed):
        with pytest.raises(TypeError):
            constructor(cls)
    typed = constructor(Typed)(name="x")
    assert vars(typed) == vars(Typed(name="x")) == {"name": "x"}
    assert typed.shout() == "X"


def test_hand_written_init_setattr_and_slots_are_refused() -> None:
    @dataclasses.dataclass
    class Custom:
        n: int

        def __init__(self, n: int) -> None:
            self.n = n
            self.extra = True

    @dataclasses.dataclass
    class Guarded:
        n: int

        def __setattr__(self, name: str, value: Any) -> None:
            super().__setattr__(name, value)

    @dataclasses.dataclass(slots=True)
    class Slotted:
        n: int

    for cls in (Custom, Guarded, Slotted):
        with pytest.raises(TypeError):
            constructor(cls)


def _page_row(statement: Any, values: dict[str, Any]) -> tuple[Any, ...]:
    """A row of a nested page's statement, as the reads give it (a named tuple): each value
    under its column's name in the SELECT (taken from the statement itself, not from the
    positions the builders use)."""
    keys = [column.key for column in statement.selected_columns]
    assert set(values) <= set(keys)
    row_type: Any = collections.namedtuple("Row", keys)
    row: tuple[Any, ...] = row_type(*(values.get(key) for key in keys))
    return row


def test_rows_builder_builds_what_the_classes_build() -> None:
    """The nested pages' edge builders (nodes.py) are rows_builder functions: each row's node,
    its customer and its edge are the objects the classes would build, in the same order.
    Every column holds a value of its own, so a builder reading a wrong position fails."""
    from graphql_api.engine import set_engine_enabled
    from graphql_api.graphql.schema import ids
    from graphql_api.services import bookings, records
    from graphql_api.services.bookings import Customer

    later = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
    joined = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    booking = {
        "customer_name": "Ada L.",
        "notes": "window seat",
        "status": BookingStatus.CONFIRMED,
        "created_at": NOW,
        "updated_at": later,
    }
    # Every JOINed column a value of its own (a new users column needs nothing here).
    customer = Customer(
        **{
            **{column: f"users.{column}" for column in bookings.USER_COLUMNS},
            "id": 3,
            "full_name": "Ada Lovelace",
            "role": Role.CUSTOMER,
            "created_at": joined,
        }
    )
    of_slots = bookings._page_query(True, False, False, frozenset()).statement
    keys = {**booking, "id": 7, "slot_id": 11, "user_id": 3}
    row = _page_row(of_slots, {**keys, **{f"users__{k}": v for k, v in customer._asdict().items()}})
    built = nodes._booking_edges_with_users([row])
    assert len(built) == 1 and type(built[0]) is base.Edge
    # What the classes build (the engine off: their constructors, reading columns by name).
    set_engine_enabled(False)
    try:
        user = nodes.User.from_model(customer)
        expected_node = nodes.Booking.from_model(row, user)
    finally:
        set_engine_enabled(True)
    assert expected_node.customer_name == "Ada L." and user.full_name == "Ada Lovelace"
    assert expected_node.id == ids.encode("Booking", 7) and user.id == ids.encode("User", 3)
    expected = base.Edge(node=expected_node, _row=row, _cursor_of=base.id_cursor)
    node = built[0].node
    assert type(node) is nodes.Booking and type(node._user) is nodes.User
    assert type(node._user._model) is Customer
    for got, want in ((built[0], expected), (node, expected_node), (node._user, user)):
        assert vars(got) == vars(want)
        assert list(vars(got)) == list(vars(want))  # the same order: shared attribute keys
    plain = _page_row(bookings._page_query(False, False, False, frozenset()).statement, keys)
    alone = nodes._booking_edges([plain])[0].node
    assert vars(alone) == {**vars(expected_node), "_model": plain, "_user": None}

    record = {"kind": RecordKind.NOTE, "note": "called back", "created_at": later}
    record_row = _page_row(
        records._page_query(True, False, frozenset()).statement,
        {**record, "id": 5, "booking_id": 7, "actor_id": 2, "user_id": 3},
    )
    edge = nodes._record_edges([record_row])[0]
    want_record = nodes.Record(**record, id=ids.encode("Record", 5), _model=record_row)
    assert vars(edge.node) == vars(want_record) and list(vars(edge.node)) == list(vars(want_record))
    assert vars(edge) == {"node": edge.node, "_row": record_row, "_cursor_of": base.id_cursor}


def test_rows_builder_refuses_what_it_cannot_build() -> None:
    @dataclasses.dataclass
    class Pair:
        a: int
        b: int = 2
        _c: int = 3

    with pytest.raises(TypeError):
        rows_builder("counted", [("x", Counted, {"n": "r"})], {})
    with pytest.raises(TypeError):  # `a` has no default
        rows_builder("pair", [("x", Pair, {"b": "r"})], {})
    with pytest.raises(TypeError):  # no such field
        rows_builder("pair", [("x", Pair, {"a": "r", "c": "r"})], {})
    for variable in ("x y", "class", "r", "rows", "add"):  # not identifiers, or the loop's own
        with pytest.raises(TypeError):
            rows_builder("pair", [(variable, Pair, {"a": "r"})], {})
    with pytest.raises(TypeError):  # the namespace may not shadow the loop's names
        rows_builder("pair", [("x", Pair, {"a": "r"})], {"_new": object})
    with pytest.raises(TypeError):
        rows_builder("nothing", [], {})
    # A public field left out would be answered as its default, whatever the row holds.
    with pytest.raises(TypeError, match=r"Pair\.b: no expression for a public field"):
        rows_builder("pair", [("x", Pair, {"a": "r"})], {})
    pairs = rows_builder("pair", [("x", Pair, {"a": "r", "b": "r + 1"})], {})([1, 5])
    assert [vars(p) for p in pairs] == [{"a": 1, "b": 2, "_c": 3}, {"a": 5, "b": 6, "_c": 3}]
