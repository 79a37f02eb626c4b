"""The four node types. Scalar fields are plain attributes (copied from the ORM row once);
relations resolve through the per-request loaders, so nested lists cost one statement a level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from functools import cache, partial
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar, cast

import strawberry
from sqlalchemy import Row

from graphql_api import models
from graphql_api.db import Base
from graphql_api.engine import (
    BatchLoader,
    Built,
    Derived,
    FieldsRead,
    NodeMap,
    PageWriter,
    PlannedArguments,
    RowForm,
    batched,
    engine_enabled,
    rows_builder,
)
from graphql_api.errors import Forbidden
from graphql_api.graphql.loading.context import Context
from graphql_api.graphql.loading.loaders import ChildCountKey, ChildPageKey
from graphql_api.graphql.schema import ids
from graphql_api.graphql.schema.types.base import (
    Connection,
    Edge,
    GeoPoint,
    Info,
    Node,
    connection_of_edges,
    empty_connection,
    id_cursor,
)
from graphql_api.models import BookingStatus, RecordKind, Role, SlotStatus
from graphql_api.pagination import Cursor, PageRequest, overfetched
from graphql_api.services.bookings import CUSTOMER_AT, USER_COLUMNS, Customer, customer_of
from graphql_api.services.queries import column_position

N = TypeVar("N")
P = TypeVar("P")


def _unread_slot_columns(fields_read: FieldsRead) -> frozenset[str]:
    return frozenset(SLOT_MAP.unread(fields_read) or ())


def _unread_booking_columns(fields_read: FieldsRead, *, joined: bool) -> frozenset[str]:
    omitted = BOOKING_MAP.unread(fields_read)
    if omitted is not None and joined:  # the customer's: all unless the bookings' user is read
        with_user = "user" in fields_read.get("Booking", frozenset())
        customer = USER_MAP.unread(
            fields_read,
            None if with_user else frozenset(),
            label=_customer_label,
            columns=USER_COLUMNS,
        )
        omitted = None if customer is None else omitted | customer
    return frozenset(omitted or ())


def _customer_label(column: str) -> str:
    """The label of a JOINed customer column in a slot's bookings page."""
    return f"users__{column}"


def _unread_record_columns(fields_read: FieldsRead, parent_key: str) -> frozenset[str]:
    omitted = RECORD_MAP.unread(fields_read)
    return frozenset(omitted - {parent_key}) if omitted is not None else frozenset()


def page_arguments(
    connection: str, unread: Callable[[FieldsRead], frozenset[str]]
) -> PlannedArguments:
    """A page's planned arguments (batching.batched): `probe`, off when the subtree reads no
    `pageInfo` of its `connection` type (any connection of that type in the subtree: a nested
    one reading it keeps the probe for all; pagination.PageRequest), and `omitted`, the
    columns no field of the subtree reads."""

    def planned(fields_read: FieldsRead) -> dict[str, Any]:
        probe = "page_info" in fields_read.get(connection, frozenset())
        return {"probe": probe, "omitted": unread(fields_read)}

    return planned


SLOT_LIST_PAGE = page_arguments("BookingSlotConnection", _unread_slot_columns)
_BOOKINGS_OF_USER = page_arguments(
    "BookingConnection", partial(_unread_booking_columns, joined=False)
)
_BOOKINGS_OF_SLOT = page_arguments(
    "BookingConnection", partial(_unread_booking_columns, joined=True)
)
_RECORDS_OF_USER = page_arguments(
    "RecordConnection", partial(_unread_record_columns, parent_key="user_id")
)
_RECORDS_OF_BOOKING = page_arguments(
    "RecordConnection", partial(_unread_record_columns, parent_key="booking_id")
)


def _id_cursor(model: type[Base]) -> str:
    """The expression for a nested page's row's cursor: nested pages' cursors are id cursors
    (`_children` gives them `id_cursor`), whichever way the page is ordered."""
    return f"_Cursor(r[{column_position(model, 'id')}]).encode()"


# How a nested page's row answers its node's fields (each node type's NodeMap, below the
# types): the edge builders build nodes with them, and the engine's page writers write the
# answer with them when no object is needed. Made on first use: the maps follow the types.
class _RowForms(NamedTuple):
    booking: RowForm
    booking_with_customer: RowForm
    record: RowForm


@cache
def _row_forms() -> _RowForms:
    booking = RowForm(
        "Booking", _BOOKING_COLUMNS, namespace=_ROW_NAMES, cursor=_id_cursor(models.Booking)
    )
    return _RowForms(
        booking=booking,
        # A slot's bookings page JOINs each booking's customer.
        booking_with_customer=RowForm(
            "Booking",
            _BOOKING_COLUMNS,
            {"user": RowForm("User", _CUSTOMER_COLUMNS, namespace=_ROW_NAMES)},
            _ROW_NAMES,
            booking.cursor,
        ),
        record=RowForm(
            "Record", _RECORD_COLUMNS, namespace=_ROW_NAMES, cursor=_id_cursor(models.Record)
        ),
    )


# Nested connections as the batch forms answer them: Connection objects, or completed when the
# executor passes a writer.
Connections = list[Connection[N]] | list[dict[str, Any]]


# Every relation is a batch function over all the parents of a level (the level-at-a-time
# executor calls it once per level, see graphql/executor.py); each resolver is its batch
# function applied to [self], so both executors run the same code.


async def _by_ids(
    loader: BatchLoader[int, Any | None], build: Callable[[Any], N], pks: Sequence[int | None]
) -> list[N | None]:
    """One node per key, built from the loader's row: None for a None key or a missing row."""
    rows = iter(await loader.load_many([pk for pk in pks if pk is not None]))
    return [None if pk is None else (build(row) if (row := next(rows)) else None) for pk in pks]


async def _users(context: Context, pks: Sequence[int | None]) -> list[User | None]:
    return await _by_ids(context.loaders.user, User.from_model, pks)


async def _slots(context: Context, pks: Sequence[int | None]) -> list[BookingSlot | None]:
    return await _by_ids(context.loaders.slot, BookingSlot.from_model, pks)


async def _bookings(context: Context, pks: Sequence[int | None]) -> list[Booking | None]:
    return await _by_ids(context.loaders.booking, Booking.from_model, pks)


async def _children(
    pages: BatchLoader[ChildPageKey, list[Any]],
    counts: BatchLoader[ChildCountKey, int],
    parent_ids: Sequence[int],
    page: PageRequest,
    status: BookingStatus | None,
    to_edges: Callable[[Sequence[Any]], list[Edge[N]]],
    omitted: frozenset[str] = frozenset(),
    write: PageWriter | None = None,
) -> Connections[N]:
    """Nested connections: their pages through one batched loader, `totalCount` through
    another (only if selected). `to_edges` builds a page's edges and nodes from its rows;
    `write`, when the executor passes one, the completed connections instead (written.py)."""
    keys = [ChildPageKey(pk, page, status, omitted) for pk in parent_ids]
    pages_rows = await pages.load_many(keys)
    has_previous = page.after is not None
    if write is not None:
        return write([overfetched(rows, page) for rows in pages_rows], has_previous)
    # The count's key made only if `totalCount` is asked for.
    count_of = partial(_child_count, counts, status)
    out: list[Connection[N]] = []
    add = out.append
    for parent_id, rows in zip(parent_ids, pages_rows, strict=True):
        items, has_next = overfetched(rows, page)
        add(
            connection_of_edges(
                items,
                has_next,
                has_previous,
                to_edges(items),
                id_cursor,
                partial(count_of, parent_id),
            )
        )
    return out


def _child_count(
    counts: BatchLoader[ChildCountKey, int], status: BookingStatus | None, parent_id: int
) -> Awaitable[int]:
    return counts.load(ChildCountKey(parent_id, status))


async def _private_children(
    context: Context,
    users: Sequence[User],
    load: Callable[[Sequence[int]], Awaitable[Connections[N]]],
    write: PageWriter | None,
) -> Connections[N]:
    """A user's own lists: empty unless the viewer may see them."""
    visible = await _sees_private(context, users)
    connections = iter(
        await load([u._model.id for u, ok in zip(users, visible, strict=True) if ok])
    )
    empty: Callable[[], Any] = empty_connection if write is None else partial(_written_empty, write)
    answered: list[Any] = [next(connections) if ok else empty() for ok in visible]
    return answered  # (all of one kind: Connection objects, or written as `load` wrote them)


def _written_empty(write: PageWriter) -> dict[str, Any]:
    return write([((), False)], False)[0]  # as empty_connection()


def _one(connections: Connections[N]) -> Connection[N]:
    """A resolver's connection: without `write` (resolvers never pass it), batch forms build
    Connection objects."""
    found = connections[0]
    if not isinstance(found, Connection):
        raise TypeError("a batch form answered a resolver with a written connection")
    return found


async def _sees_private(context: Context, users: Sequence[User]) -> list[bool]:
    if all(user._owner for user in users):
        return [True] * len(users)
    viewer = await context.viewer()
    return [
        user._owner or (viewer is not None and (viewer.is_staff or viewer.id == user._model.id))
        for user in users
    ]


def _private(
    read: Callable[[Any], P | None],
) -> Callable[[Context, Sequence[User]], Awaitable[list[P | None]]]:
    """A user's private field: `read(row)` for the owner and STAFF/ADMIN, None for others."""

    async def load(context: Context, users: Sequence[User]) -> list[P | None]:
        visible = await _sees_private(context, users)
        return [read(u._model) if ok else None for u, ok in zip(users, visible, strict=True)]

    return load


def _home_of(row: Any) -> GeoPoint | None:
    latitude, longitude = row.home_latitude, row.home_longitude
    if latitude is None or longitude is None:
        return None
    return GeoPoint(latitude=latitude, longitude=longitude)


def _email_of(row: Any) -> str | None:
    return None if row.deleted_at is not None else row.email  # (a deleted account's is erased)


_user_emails: Callable[[Context, Sequence[User]], Awaitable[list[str | None]]] = _private(_email_of)
_user_phones: Callable[[Context, Sequence[User]], Awaitable[list[str | None]]] = _private(
    attrgetter("phone")
)
_user_birth_dates: Callable[[Context, Sequence[User]], Awaitable[list[date | None]]] = _private(
    attrgetter("date_of_birth")
)
_user_homes: Callable[[Context, Sequence[User]], Awaitable[list[GeoPoint | None]]] = _private(
    _home_of
)


async def _user_bookings(
    context: Context,
    users: Sequence[User],
    first: int | None = None,
    after: str | None = None,
    status: BookingStatus | None = None,
    probe: bool = True,
    omitted: frozenset[str] = frozenset(),
    write: PageWriter | None = None,
) -> Connections[Booking]:
    page = PageRequest.of(first, after, probe=probe)
    loaders = context.loaders
    return await _private_children(
        context,
        users,
        lambda ids: _children(
            loaders.bookings_of_user,
            loaders.booking_count_of_user,
            ids,
            page,
            status,
            _booking_edges,
            omitted,
            write,
        ),
        write,
    )


async def _user_records(
    context: Context,
    users: Sequence[User],
    first: int | None = None,
    after: str | None = None,
    probe: bool = True,
    omitted: frozenset[str] = frozenset(),
    write: PageWriter | None = None,
) -> Connections[Record]:
    page = PageRequest.of(first, after, probe=probe)
    loaders = context.loaders
    return await _private_children(
        context,
        users,
        lambda ids: _children(
            loaders.records_of_user,
            loaders.record_count_of_user,
            ids,
            page,
            None,
            _record_edges,
            omitted,
            write,
        ),
        write,
    )


async def _slot_staff(context: Context, slots: Sequence[BookingSlot]) -> list[User | None]:
    return await _users(context, [slot._model.staff_id for slot in slots])


async def _slot_bookings(
    context: Context,
    slots: Sequence[BookingSlot],
    first: int | None = None,
    after: str | None = None,
    status: BookingStatus | None = None,
    probe: bool = True,
    omitted: frozenset[str] = frozenset(),
    write: PageWriter | None = None,
) -> Connections[Booking]:
    viewer = await context.require_viewer()
    if not viewer.is_staff:
        raise Forbidden("Only STAFF and ADMIN see who booked a slot.")
    page = PageRequest.of(first, after, probe=probe)
    loaders = context.loaders
    return await _children(
        loaders.bookings_of_slot,
        loaders.booking_count_of_slot,
        [slot._model.id for slot in slots],
        page,
        status,
        _booking_edges_with_users,
        omitted,
        write,
    )


async def _booking_slots(context: Context, bookings: Sequence[Booking]) -> list[BookingSlot]:
    # (No None among them: a foreign key guarantees it, and the field is non-null, so a None
    # would be an error in the answer all the same.)
    found = await _slots(context, [booking._model.slot_id for booking in bookings])
    return cast(list[BookingSlot], found)


async def _booking_users(context: Context, bookings: Sequence[Booking]) -> list[User]:
    """The customers: read with the page where it JOINed them (a slot's bookings), else
    through the user loader."""
    missing = [booking._model.user_id for booking in bookings if booking._user is None]
    loaded = iter(await _users(context, missing) if missing else ())
    # (No None among them, as for _booking_slots.)
    found = [booking._user if booking._user is not None else next(loaded) for booking in bookings]
    return cast(list[User], found)


async def _booking_records(
    context: Context,
    bookings: Sequence[Booking],
    first: int | None = None,
    after: str | None = None,
    probe: bool = True,
    omitted: frozenset[str] = frozenset(),
    write: PageWriter | None = None,
) -> Connections[Record]:
    page = PageRequest.of(first, after, probe=probe)
    loaders = context.loaders
    return await _children(
        loaders.records_of_booking,
        loaders.record_count_of_booking,
        [booking._model.id for booking in bookings],
        page,
        None,
        _record_edges,
        omitted,
        write,
    )


def _record_users(
    column: str,
) -> Callable[[Context, Sequence[Record]], Awaitable[list[User | None]]]:
    async def load(context: Context, records: Sequence[Record]) -> list[User | None]:
        return await _users(context, [getattr(record._model, column) for record in records])

    return load


def _record_slots(
    column: str,
) -> Callable[[Context, Sequence[Record]], Awaitable[list[BookingSlot | None]]]:
    async def load(context: Context, records: Sequence[Record]) -> list[BookingSlot | None]:
        return await _slots(context, [getattr(record._model, column) for record in records])

    return load


async def _record_bookings(context: Context, records: Sequence[Record]) -> list[Booking | None]:
    return await _bookings(context, [record._model.booking_id for record in records])


_record_actors = _record_users("actor_id")
_record_customers = _record_users("user_id")
_record_slot = _record_slots("slot_id")
_record_from_slot = _record_slots("from_slot_id")
_record_to_slot = _record_slots("to_slot_id")


@strawberry.type(description="An account.")
class User(Node):
    full_name: str
    role: Role
    created_at: datetime
    time_zone: str = strawberry.field(
        description="IANA name of where the person is; UTC unless set."
    )
    email_notifications: bool = strawberry.field(
        description="Whether booking emails go to this account (its owner's choice)."
    )
    # An ORM entity, a plain row of the users table (root list) or a JOINed customer.
    _model: strawberry.Private[Any]
    # The account that just proved who it is (AuthPayload.user): its owner, with or without
    # a bearer token on the request.
    _owner: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, row: models.User | Row[Any], *, owner: bool = False) -> User:
        return USER_MAP.from_row(row, _owner=owner)

    @strawberry.field(description="Null unless it is you, or you are STAFF/ADMIN.")
    @batched(_user_emails)
    async def email(self, info: Info) -> str | None:
        return (await _user_emails(info.context, [self]))[0]

    @strawberry.field(description="Null unless it is you, or you are STAFF/ADMIN.")
    @batched(_user_phones)
    async def phone(self, info: Info) -> str | None:
        return (await _user_phones(info.context, [self]))[0]

    @strawberry.field(description="Null unless it is you, or you are STAFF/ADMIN.")
    @batched(_user_birth_dates)
    async def date_of_birth(self, info: Info) -> date | None:
        return (await _user_birth_dates(info.context, [self]))[0]

    @strawberry.field(description="Where the person lives. Null unless it is you, or STAFF/ADMIN.")
    @batched(_user_homes)
    async def home(self, info: Info) -> GeoPoint | None:
        return (await _user_homes(info.context, [self]))[0]

    @strawberry.field(description="Empty unless it is you, or you are STAFF/ADMIN.")
    @batched(_user_bookings, planned=_BOOKINGS_OF_USER, written=lambda: _row_forms().booking)
    async def bookings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: BookingStatus | None = None,
    ) -> Connection[Booking]:
        return _one(await _user_bookings(info.context, [self], first, after, status))

    @strawberry.field(description="Newest first. Empty unless it is you, or you are STAFF/ADMIN.")
    @batched(_user_records, planned=_RECORDS_OF_USER, written=lambda: _row_forms().record)
    async def records(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Record]:
        return _one(await _user_records(info.context, [self], first, after))


@strawberry.type(name="BookingSlot", description="A bookable window of time.")
class BookingSlot(Node):
    title: str
    location: str | None
    starts_at: datetime
    ends_at: datetime
    time_zone: str = strawberry.field(description="IANA name of the place, e.g. Europe/Berlin.")
    capacity: int
    booked_count: int = strawberry.field(description="Confirmed bookings.")
    remaining: int
    status: SlotStatus
    created_at: datetime
    # An ORM entity, or a plain row of the same columns (root list).
    _model: strawberry.Private[models.BookingSlot | Row[Any]]

    @classmethod
    def from_model(cls, row: models.BookingSlot | Row[Any]) -> BookingSlot:
        return SLOT_MAP.from_row(row)

    @strawberry.field(description="Who runs it.")
    @batched(_slot_staff)
    async def staff(self, info: Info) -> User | None:
        return (await _slot_staff(info.context, [self]))[0]

    @strawberry.field(description="STAFF/ADMIN only: customers see counts, not people.")
    @batched(
        _slot_bookings,
        planned=_BOOKINGS_OF_SLOT,
        written=lambda: _row_forms().booking_with_customer,
    )
    async def bookings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: BookingStatus | None = None,
    ) -> Connection[Booking]:
        return _one(await _slot_bookings(info.context, [self], first, after, status))


@strawberry.type(description="One customer's place in a slot.")
class Booking(Node):
    customer_name: str
    notes: str | None
    status: BookingStatus
    created_at: datetime
    updated_at: datetime
    # An ORM entity, or a plain row of the same columns (lists and nested pages).
    _model: strawberry.Private[models.Booking | Row[Any]]
    # The customer, when the page that found this booking JOINed it.
    _user: strawberry.Private[User | None] = None

    @classmethod
    def from_model(cls, row: models.Booking | Row[Any], user: User | None = None) -> Booking:
        return BOOKING_MAP.from_row(row, _user=user)

    @strawberry.field
    @batched(_booking_slots)
    async def slot(self, info: Info) -> BookingSlot:
        return (await _booking_slots(info.context, [self]))[0]

    @strawberry.field
    @batched(_booking_users)
    async def user(self, info: Info) -> User:
        return (await _booking_users(info.context, [self]))[0]

    @strawberry.field(description="This booking's history, newest first.")
    @batched(_booking_records, planned=_RECORDS_OF_BOOKING, written=lambda: _row_forms().record)
    async def records(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Record]:
        return _one(await _booking_records(info.context, [self], first, after))


@strawberry.type(description="An immutable entry in the history.")
class Record(Node):
    kind: RecordKind
    note: str | None
    created_at: datetime
    # An ORM entity, or a plain row of the same columns (lists and nested pages).
    _model: strawberry.Private[models.Record | Row[Any]]

    @classmethod
    def from_model(cls, row: models.Record | Row[Any]) -> Record:
        return RECORD_MAP.from_row(row)

    @strawberry.field(description="Who did it.")
    @batched(_record_actors)
    async def actor(self, info: Info) -> User | None:
        return (await _record_actors(info.context, [self]))[0]

    @strawberry.field(description="The customer it concerns.")
    @batched(_record_customers)
    async def user(self, info: Info) -> User | None:
        return (await _record_customers(info.context, [self]))[0]

    @strawberry.field
    @batched(_record_bookings)
    async def booking(self, info: Info) -> Booking | None:
        return (await _record_bookings(info.context, [self]))[0]

    @strawberry.field
    @batched(_record_slot)
    async def slot(self, info: Info) -> BookingSlot | None:
        return (await _record_slot(info.context, [self]))[0]

    @strawberry.field(description="Reschedules: where the booking came from.")
    @batched(_record_from_slot)
    async def from_slot(self, info: Info) -> BookingSlot | None:
        return (await _record_from_slot(info.context, [self]))[0]

    @strawberry.field(description="Reschedules: where the booking went.")
    @batched(_record_to_slot)
    async def to_slot(self, info: Info) -> BookingSlot | None:
        return (await _record_to_slot(info.context, [self]))[0]


def _remaining(capacity: int | None, booked_count: int | None) -> int | None:
    # (None when a list left a column out: nothing reads it then.)
    return None if capacity is None or booked_count is None else capacity - booked_count


# Each node type mapped onto its table once (engine.NodeMap): its plain fields are its
# columns; anything else is declared here, or the type is refused at import.
USER_MAP = NodeMap(
    User,
    models.User,
    encode=ids.encode,
    reads={
        "email": ["email", "deleted_at"],
        "phone": ["phone"],
        "date_of_birth": ["date_of_birth"],
        "home": ["home_latitude", "home_longitude"],
    },
)
SLOT_MAP = NodeMap(
    BookingSlot,
    models.BookingSlot,
    encode=ids.encode,
    derived={"remaining": Derived(("capacity", "booked_count"), _remaining)},
    reads={"staff": ["staff_id"]},
    kept=["starts_at"],  # the list's order and cursor
)
BOOKING_MAP = NodeMap(
    Booking,
    models.Booking,
    encode=ids.encode,
    kept=["slot_id", "user_id"],  # parents' keys
)
RECORD_MAP = NodeMap(
    Record,
    models.Record,
    encode=ids.encode,
    reads={
        "actor": ["actor_id"],
        "user": ["user_id"],
        "booking": ["booking_id"],
        "slot": ["slot_id"],
        "from_slot": ["from_slot_id"],
        "to_slot": ["to_slot_id"],
    },
)


def _booking_position(column: str) -> int:
    return column_position(models.Booking, column)


def _customer_position(column: str) -> int:
    return column_position(models.Booking, column, joined=USER_COLUMNS)


def _record_position(column: str) -> int:
    return column_position(models.Record, column)


_ROW_NAMES = {
    "_Cursor": Cursor,
    **USER_MAP.row_namespace(),
    **BOOKING_MAP.row_namespace(),
    **RECORD_MAP.row_namespace(),
}
_BOOKING_COLUMNS = BOOKING_MAP.row_expressions(_booking_position)
_CUSTOMER_COLUMNS = USER_MAP.row_expressions(_customer_position)
_RECORD_COLUMNS = RECORD_MAP.row_expressions(_record_position)


# A page's row -> its node and edge, built inline (engine.rows_builder); with the engine off,
# by the classes.
_EDGE = Built("edge", Edge, {"node": "node", "_row": "r", "_cursor_of": "_cursor_of"})
_EDGE_NAMES = {**_ROW_NAMES, "_cursor_of": id_cursor}
_CUSTOMER_OF_ROW = Built(
    "user",
    User,
    # (`_model` as customer_of makes it, without the call)
    {**_CUSTOMER_COLUMNS, "_model": f"_tuple(_Customer, r[{CUSTOMER_AT}:])"},
)


def _booking_of(user: str) -> Built:
    return Built("node", Booking, {**_BOOKING_COLUMNS, "_model": "r", "_user": user})


def _edges_by_class(rows: Sequence[Any], node: Callable[[Any], Any]) -> list[Any]:
    return [Edge(node=node(r), _row=r, _cursor_of=id_cursor) for r in rows]


def _switched(
    fast: Callable[[Sequence[Any]], list[Any]], node: Callable[[Any], Any]
) -> Callable[[Sequence[Any]], list[Any]]:
    """The generated builder, or the classes' constructors when the engine is off."""

    def build(rows: Sequence[Any]) -> list[Any]:
        return fast(rows) if engine_enabled() else _edges_by_class(rows, node)

    return build


_booking_edges = _switched(
    rows_builder("booking_edges", [_booking_of("None"), _EDGE], _EDGE_NAMES),
    Booking.from_model,
)
_booking_edges_with_users = _switched(
    rows_builder(
        "booking_edges_with_users",
        [_CUSTOMER_OF_ROW, _booking_of("user"), _EDGE],
        {**_EDGE_NAMES, "_tuple": tuple.__new__, "_Customer": Customer},
    ),
    lambda r: Booking.from_model(r, User.from_model(customer_of(r))),
)
_record_edges = _switched(
    rows_builder(
        "record_edges",
        [Built("node", Record, {**_RECORD_COLUMNS, "_model": "r"}), _EDGE],
        _EDGE_NAMES,
    ),
    Record.from_model,
)
