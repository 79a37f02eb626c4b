"""Query resolvers: parse arguments, call a service, wrap rows in types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from graphql_api.engine import batched
from graphql_api.errors import NotFound
from graphql_api.graphql.loading.context import Context
from graphql_api.graphql.schema import ids
from graphql_api.graphql.schema.permissions import IsAdmin, IsAuthenticated
from graphql_api.graphql.schema.types.base import Connection, Info, Node, connection, id_cursor
from graphql_api.graphql.schema.types.inputs import (
    BookingFilter,
    RecordFilter,
    SlotFilter,
    UserFilter,
)
from graphql_api.graphql.schema.types.nodes import (
    SLOT_LIST_PAGE,
    Booking,
    BookingSlot,
    Record,
    User,
)
from graphql_api.pagination import Cursor, Page, PageRequest
from graphql_api.services import bookings as booking_service
from graphql_api.services import records as record_service
from graphql_api.services import slots as slot_service
from graphql_api.services import users as user_service
from graphql_api.services import validation

N = TypeVar("N")


def _slot_cursor(row: object) -> Cursor:
    """A row of slot_service.list_slots: the keyset is (starts_at, id)."""
    return Cursor(id=row.id, at=row.starts_at)  # type: ignore[attr-defined]


def slot_filter(flt: SlotFilter | None) -> slot_service.SlotFilter:
    if flt is None:
        return slot_service.SlotFilter()
    return slot_service.SlotFilter(
        starts_after=flt.starts_after and validation.check_aware(flt.starts_after, "startsAfter"),
        starts_before=flt.starts_before
        and validation.check_aware(flt.starts_before, "startsBefore"),
        available_only=bool(flt.available_only),
        status=flt.status,
        search=flt.search,
        staff_id=ids.decode_optional(flt.staff_id, "User", "staffId"),
    )


def booking_filter(flt: BookingFilter | None) -> booking_service.BookingFilter:
    if flt is None:
        return booking_service.BookingFilter()
    return booking_service.BookingFilter(
        status=flt.status,
        slot_id=ids.decode_optional(flt.slot_id, "BookingSlot", "slotId"),
        user_id=ids.decode_optional(flt.user_id, "User", "userId"),
        starts_after=flt.starts_after,
        starts_before=flt.starts_before,
    )


def record_filter(flt: RecordFilter | None) -> record_service.RecordFilter:
    if flt is None:
        return record_service.RecordFilter()
    return record_service.RecordFilter(
        kind=flt.kind,
        user_id=ids.decode_optional(flt.user_id, "User", "userId"),
        booking_id=ids.decode_optional(flt.booking_id, "Booking", "bookingId"),
        slot_id=ids.decode_optional(flt.slot_id, "BookingSlot", "slotId"),
    )


async def resolve_node(info: Info, global_id: str) -> Node:
    """Any object by global id, with the same visibility as its own query."""
    type_name, pk = ids.decode_any(global_id)
    loaders = info.context.loaders
    if type_name == "BookingSlot":
        slot = await loaders.slot.load(pk)
        if slot is None:
            raise NotFound("No such slot.")
        return BookingSlot.from_model(slot)
    viewer = await info.context.require_viewer()
    if type_name == "User":
        user = await loaders.user.load(pk)
        if user is None:
            raise NotFound("No such user.")
        return User.from_model(user)
    if type_name == "Booking":
        booking = await loaders.booking.load(pk)
        if booking is None or not (viewer.is_staff or booking.user_id == viewer.id):
            raise NotFound("No such booking.")
        return Booking.from_model(booking)
    record = await loaders.record.load(pk)
    if record is None or not (viewer.is_staff or record.user_id == viewer.id):
        raise NotFound("No such record.")
    return Record.from_model(record)


async def _listed(
    context: Context,
    fetch: Callable[[AsyncConnection], Awaitable[Page[Any]]],
    count: Callable[[AsyncConnection], Awaitable[int]],
    to_node: Callable[[Any], N],
    cursor_of: Callable[[object], Cursor] = id_cursor,
) -> Connection[N]:
    """A root list: one read for the page (plain rows: the nodes copy their columns, relations
    read through the loaders); `totalCount` reads again only if it is selected."""
    reads = context.reads
    async with reads.connection() as reader:
        result = await fetch(reader)

    async def total() -> int:
        async with reads.connection() as reader:
            return await count(reader)

    return connection(result, [to_node(row) for row in result.items], cursor_of, total)


async def _slots(
    context: Context,
    roots: Sequence[object],
    first: int | None = None,
    after: str | None = None,
    filter: SlotFilter | None = None,
    probe: bool = True,
    omitted: frozenset[str] = frozenset(),
) -> list[Connection[BookingSlot]]:
    """The batch form of `slots` (a root field: one parent, the root value), so the planned
    executor runs the whole query and the list leaves out the columns no one reads."""
    page = PageRequest.of(first, after, probe=probe)
    flt = slot_filter(filter)
    found = await _listed(
        context,
        lambda session: slot_service.list_slots(session, page=page, flt=flt, omitted=omitted),
        lambda session: slot_service.count_slots(session, flt=flt),
        BookingSlot.from_model,
        _slot_cursor,
    )
    return [found for _ in roots]


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.", permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> User | None:
        return User.from_model(await info.context.require_viewer())

    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Slots ordered by start time. Public.")
    @batched(_slots, planned=SLOT_LIST_PAGE)
    async def slots(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SlotFilter | None = None,
    ) -> Connection[BookingSlot]:
        return (await _slots(info.context, [self], first, after, filter))[0]

    @strawberry.field(description="One slot. Public.")
    async def slot(self, info: Info, id: strawberry.ID) -> BookingSlot | None:
        row = await info.context.loaders.slot.load(ids.decode(id, "BookingSlot"))
        if row is None:
            raise NotFound("No such slot.")
        return BookingSlot.from_model(row)

    @strawberry.field(
        description="Bookings, oldest first. Customers see only their own.",
        permission_classes=[IsAuthenticated],
    )
    async def bookings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: BookingFilter | None = None,
    ) -> Connection[Booking]:
        viewer = await info.context.require_viewer()
        page = PageRequest.of(first, after)
        flt = booking_filter(filter)
        return await _listed(
            info.context,
            lambda session: booking_service.list_bookings(
                session, viewer=viewer, page=page, flt=flt
            ),
            lambda session: booking_service.count_bookings(session, viewer=viewer, flt=flt),
            Booking.from_model,
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def booking(self, info: Info, id: strawberry.ID) -> Booking | None:
        ids.decode(id, "Booking")
        node = await resolve_node(info, id)
        assert isinstance(node, Booking)
        return node

    @strawberry.field(
        description="The history, newest first. Customers see only what concerns them.",
        permission_classes=[IsAuthenticated],
    )
    async def records(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: RecordFilter | None = None,
    ) -> Connection[Record]:
        viewer = await info.context.require_viewer()
        page = PageRequest.of(first, after)
        flt = record_filter(filter)
        return await _listed(
            info.context,
            lambda session: record_service.list_records(session, viewer=viewer, page=page, flt=flt),
            lambda session: record_service.count_records(session, viewer=viewer, flt=flt),
            Record.from_model,
        )

    @strawberry.field(description="ADMIN only.", permission_classes=[IsAdmin])
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: UserFilter | None = None,
    ) -> Connection[User]:
        page = PageRequest.of(first, after)
        role = filter.role if filter else None
        search = filter.search if filter else None
        return await _listed(
            info.context,
            lambda session: user_service.list_users(session, page=page, role=role, search=search),
            lambda session: user_service.count_users(session, role=role, search=search),
            User.from_model,
        )
