"""Each node type is declared once (its Strawberry type) and mapped onto its table by the
engine (engine/node_map.py): every plain field comes from its column or a declared derived
field, a field that cannot be mapped is refused at import, and nothing is answered as a
default. The maps reproduce the column pruning that was written by hand before."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry

from graphql_api import models
from graphql_api.engine import Built, Derived, NodeMap, rows_builder, set_engine_enabled
from graphql_api.graphql.schema import ids
from graphql_api.graphql.schema.types import nodes
from graphql_api.models import Role
from tests.helpers import Api


@strawberry.type(name="BookingWithSlotId")
class BookingWithSlotId(nodes.Booking):
    """A new plain field with a default, of a real column (the issue's trap)."""

    slot_id: int = 0


def _booking_row(**values: Any) -> tuple[Any, ...]:
    """A nested page's row of a booking (columns in table order)."""
    row = dict.fromkeys(c.key for c in models.Booking.__table__.columns)
    row.update(values)
    return tuple(row.values())


def test_a_new_plain_field_with_a_default_is_answered_from_the_row_in_nested_pages() -> None:
    """The trap: a plain field with a default, added to the type only, was answered as its
    default inside nested pages (the generated edge builders filled unmapped fields with
    defaults). Now the map gives every plain field its column, and a builder refuses to
    leave a public field to its default."""
    mapped = NodeMap(BookingWithSlotId, models.Booking, encode=ids.encode, kept=["user_id"])
    expressions = mapped.row_expressions(nodes._booking_position)
    assert expressions["slot_id"] == f"r[{nodes._booking_position('slot_id')}]"
    build = rows_builder(
        "edges",
        [Built("node", BookingWithSlotId, {**expressions, "_model": "r"})],
        mapped.row_namespace(),
    )
    (node,) = build([_booking_row(id=7, slot_id=42, customer_name="Ann", status="CONFIRMED")])
    assert node.slot_id == 42 and node.customer_name == "Ann"
    assert node.id == ids.encode("BookingWithSlotId", 7)
    # The hand-written form of before (the type's old columns only) is refused, not defaulted.
    with pytest.raises(TypeError, match=r"slot_id: no expression for a public field"):
        rows_builder(
            "edges",
            [Built("node", BookingWithSlotId, {**nodes._BOOKING_COLUMNS, "_model": "r"})],
            mapped.row_namespace(),
        )
    # And from an entity or a root list's row, by name.
    row = SimpleNamespace(
        **dict(
            zip(models.Booking.__table__.columns.keys(), _booking_row(id=1, slot_id=9), strict=True)
        )
    )
    assert mapped.from_row(row).slot_id == 9


def test_a_field_the_engine_cannot_map_is_refused_at_import_naming_it() -> None:
    @strawberry.type(name="SlotWithRating")
    class SlotWithRating(nodes.BookingSlot):
        rating: int = 5  # no such column, not declared derived

    with pytest.raises(TypeError, match=r"SlotWithRating\.rating: not a column"):
        NodeMap(
            SlotWithRating,
            models.BookingSlot,
            encode=ids.encode,
            derived={"remaining": Derived(("capacity", "booked_count"), nodes._remaining)},
        )
    with pytest.raises(TypeError, match="reads= names"):
        NodeMap(nodes.Record, models.Record, encode=ids.encode, reads={"nope": ["note"]})
    with pytest.raises(TypeError, match="no columns"):
        NodeMap(nodes.Booking, models.Booking, encode=ids.encode, kept=["nope"])


def test_the_maps_prune_as_the_hand_written_column_maps_did() -> None:
    def own(*names: str) -> dict[str, frozenset[str]]:
        return {name: frozenset({name}) for name in names}

    assert nodes.SLOT_MAP.needs == {
        **own("title", "location", "ends_at", "time_zone", "status", "created_at"),
        "capacity": frozenset({"capacity", "remaining"}),
        "booked_count": frozenset({"booked_count", "remaining"}),
        "staff_id": frozenset({"staff"}),
        "updated_at": frozenset(),
    }
    assert nodes.BOOKING_MAP.needs == own(
        "customer_name", "notes", "status", "created_at", "updated_at"
    )
    assert nodes.RECORD_MAP.needs == {
        **own("kind", "note", "created_at"),
        **{f"{name}_id": frozenset({name}) for name in ("actor", "user", "booking", "slot")},
        "from_slot_id": frozenset({"from_slot"}),
        "to_slot_id": frozenset({"to_slot"}),
    }
    # A slot's bookings JOIN every column of `users` but its secrets; one no field reads
    # (updated_at) is always left out. (The columns of the hand-written map, which knew these;
    # a column added since maps to its own field.)
    before = {"email", "full_name", "role", "created_at", "updated_at"}
    customer = {c: n for c, n in nodes.USER_MAP.needs.items() if c in before}
    assert customer == own("email", "full_name", "role", "created_at") | {"updated_at": frozenset()}
    for node_map in (nodes.USER_MAP, nodes.SLOT_MAP, nodes.BOOKING_MAP, nodes.RECORD_MAP):
        for mapped in node_map.fields:
            kept = [c for c in mapped.columns if c not in node_map.needs]  # never left out
            assert all(mapped.name in node_map.needs[c] for c in mapped.columns if c not in kept)


def test_from_row_builds_what_the_class_builds_with_the_engine_on_and_off() -> None:
    columns = [c.key for c in models.BookingSlot.__table__.columns]
    row = SimpleNamespace(**dict.fromkeys(columns, None))
    row.id, row.title, row.capacity, row.booked_count = 3, "Yoga", 10, 4
    fast = nodes.SLOT_MAP.from_row(row)
    set_engine_enabled(False)
    try:
        plain = nodes.SLOT_MAP.from_row(row)
    finally:
        set_engine_enabled(True)
    init = [f.name for f in dataclasses.fields(nodes.BookingSlot) if f.init]
    assert {n: getattr(fast, n) for n in init} == {n: getattr(plain, n) for n in init}
    assert type(fast) is type(plain) is nodes.BookingSlot
    assert fast.remaining == 6 and fast.title == "Yoga"
    assert fast.id == ids.encode("BookingSlot", 3)


async def test_a_new_plain_field_is_answered_everywhere_the_type_is(api: Api) -> None:
    """User.timeZone (added as the model, the migration and the type's field only): the
    viewer, a root list, and a slot's JOINed customers, on a written page and on a built one."""
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    async with api.db.write() as session, session.begin():
        row = await session.get(models.User, customer.id)
        assert row is not None and row.time_zone == "UTC"  # the column's default
        row.time_zone = "Europe/Berlin"
    slot = await api.create_slot(staff)
    (await api.book(customer, slot["id"])).ok()
    me = (await api.gql("{ me { timeZone } }", token=customer.token)).ok()
    assert me == {"me": {"timeZone": "Europe/Berlin"}}
    admin = await api.user(Role.ADMIN)
    users = (await api.gql("{ users { edges { node { timeZone } } } }", token=admin.token)).ok()
    assert {e["node"]["timeZone"] for e in users["users"]["edges"]} == {"UTC", "Europe/Berlin"}
    for extra in ("", "totalCount"):  # written from the rows / built as objects
        query = (
            "query($id: ID!) { slot(id: $id) { bookings { "
            + extra
            + " edges { node { user { timeZone fullName } } } } } }"
        )
        for _ in range(2):  # planned, then from the kept plan
            answer = (await api.gql(query, {"id": slot["id"]}, token=staff.token)).ok()
            (edge,) = answer["slot"]["bookings"]["edges"]
            assert edge["node"]["user"]["timeZone"] == "Europe/Berlin"
