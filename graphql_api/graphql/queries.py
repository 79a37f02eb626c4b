"""Query resolvers: parse arguments, call a service, wrap rows in types."""

from __future__ import annotations

import strawberry

from graphql_api import models
from graphql_api.errors import NotFound
from graphql_api.graphql import ids
from graphql_api.graphql.permissions import IsAdmin, IsAuthenticated
from graphql_api.graphql.types.base import Connection, Info, Node, connection, id_cursor
from graphql_api.graphql.types.inputs import BookingFilter, RecordFilter, SlotFilter, UserFilter
from graphql_api.graphql.types.nodes import Booking, BookingSlot, Record, User
from graphql_api.pagination import Cursor, PageRequest
from graphql_api.services import bookings as booking_service
from graphql_api.services import records as record_service
from graphql_api.services import slots as slot_service
from graphql_api.services import users as user_service
from graphql_api.services import validation


def _slot_cursor(row: object) -> Cursor:
    assert isinstance(row, models.BookingSlot)
    return Cursor(id=row.id, at=row.starts_at)


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


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.", permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> User | None:
        return User.from_model(await info.context.require_viewer())

    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Slots ordered by start time. Public.")
    async def slots(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SlotFilter | None = None,
    ) -> Connection[BookingSlot]:
        page = PageRequest.of(first, after)
        flt = slot_filter(filter)
        db = info.context.db
        async with db.read() as session:
            result = await slot_service.list_slots(session, page=page, flt=flt)

        async def count() -> int:
            async with db.read() as session:
                return await slot_service.count_slots(session, flt=flt)

        return connection(
            result, [BookingSlot.from_model(r) for r in result.items], _slot_cursor, count
        )

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
        db = info.context.db
        async with db.read() as session:
            result = await booking_service.list_bookings(session, viewer=viewer, page=page, flt=flt)

        async def count() -> int:
            async with db.read() as session:
                return await booking_service.count_bookings(session, viewer=viewer, flt=flt)

        return connection(result, [Booking.from_model(r) for r in result.items], id_cursor, count)

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
        db = info.context.db
        async with db.read() as session:
            result = await record_service.list_records(session, viewer=viewer, page=page, flt=flt)

        async def count() -> int:
            async with db.read() as session:
                return await record_service.count_records(session, viewer=viewer, flt=flt)

        return connection(result, [Record.from_model(r) for r in result.items], id_cursor, count)

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
        db = info.context.db
        async with db.read() as session:
            result = await user_service.list_users(session, page=page, role=role, search=search)

        async def count() -> int:
            async with db.read() as session:
                return await user_service.count_users(session, role=role, search=search)

        return connection(result, [User.from_model(r) for r in result.items], id_cursor, count)
