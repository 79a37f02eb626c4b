"""The four node types. Scalar fields are plain attributes (copied from the ORM row once);
relations resolve through the per-request loaders, so nested lists cost one statement a level."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from graphql_api import models
from graphql_api.errors import Forbidden
from graphql_api.graphql import ids
from graphql_api.graphql.loaders import ChildCountKey, ChildPageKey
from graphql_api.graphql.types.base import (
    Connection,
    Info,
    Node,
    connection,
    empty_connection,
    id_cursor,
)
from graphql_api.models import BookingStatus, RecordKind, Role, SlotStatus
from graphql_api.pagination import Page, PageRequest

N = TypeVar("N")


async def _load_user(info: Info, pk: int | None) -> User | None:
    if pk is None:
        return None
    row = await info.context.loaders.user.load(pk)
    return User.from_model(row) if row else None


async def _load_slot(info: Info, pk: int | None) -> BookingSlot | None:
    if pk is None:
        return None
    row = await info.context.loaders.slot.load(pk)
    return BookingSlot.from_model(row) if row else None


async def _children(
    pages: DataLoader[ChildPageKey, list[Any]],
    counts: DataLoader[ChildCountKey, int],
    parent_id: int,
    page: PageRequest,
    status: BookingStatus | None,
    to_node: Callable[[Any], N],
) -> Connection[N]:
    """A nested connection: its page through one batched loader, `totalCount` through another
    (only if selected)."""
    rows = await pages.load(ChildPageKey(parent_id, page, status))
    result = Page.from_overfetch(rows, page)
    return connection(
        result,
        [to_node(row) for row in result.items],
        id_cursor,
        lambda: counts.load(ChildCountKey(parent_id, status)),
    )


@strawberry.type(description="An account.")
class User(Node):
    full_name: str
    role: Role
    created_at: datetime
    _model: strawberry.Private[models.User]
    # The account that just proved who it is (AuthPayload.user): its owner, with or without
    # a bearer token on the request.
    _owner: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, row: models.User, *, owner: bool = False) -> User:
        return cls(
            id=strawberry.ID(ids.encode("User", row.id)),
            full_name=row.full_name,
            role=row.role,
            created_at=row.created_at,
            _model=row,
            _owner=owner,
        )

    async def _sees_private(self, info: Info) -> bool:
        if self._owner:
            return True
        viewer = await info.context.viewer()
        return viewer is not None and (viewer.is_staff or viewer.id == self._model.id)

    @strawberry.field(description="Null unless it is you, or you are STAFF/ADMIN.")
    async def email(self, info: Info) -> str | None:
        return self._model.email if await self._sees_private(info) else None

    @strawberry.field(description="Empty unless it is you, or you are STAFF/ADMIN.")
    async def bookings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: BookingStatus | None = None,
    ) -> Connection[Booking]:
        page = PageRequest.of(first, after)
        if not await self._sees_private(info):
            return empty_connection()
        loaders = info.context.loaders
        return await _children(
            loaders.bookings_of_user,
            loaders.booking_count_of_user,
            self._model.id,
            page,
            status,
            Booking.from_model,
        )

    @strawberry.field(description="Newest first. Empty unless it is you, or you are STAFF/ADMIN.")
    async def records(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Record]:
        page = PageRequest.of(first, after)
        if not await self._sees_private(info):
            return empty_connection()
        loaders = info.context.loaders
        return await _children(
            loaders.records_of_user,
            loaders.record_count_of_user,
            self._model.id,
            page,
            None,
            Record.from_model,
        )


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
    _model: strawberry.Private[models.BookingSlot]

    @classmethod
    def from_model(cls, row: models.BookingSlot) -> BookingSlot:
        return cls(
            id=strawberry.ID(ids.encode("BookingSlot", row.id)),
            title=row.title,
            location=row.location,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            time_zone=row.time_zone,
            capacity=row.capacity,
            booked_count=row.booked_count,
            remaining=row.capacity - row.booked_count,
            status=row.status,
            created_at=row.created_at,
            _model=row,
        )

    @strawberry.field(description="Who runs it.")
    async def staff(self, info: Info) -> User | None:
        return await _load_user(info, self._model.staff_id)

    @strawberry.field(description="STAFF/ADMIN only: customers see counts, not people.")
    async def bookings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: BookingStatus | None = None,
    ) -> Connection[Booking]:
        viewer = await info.context.require_viewer()
        if not viewer.is_staff:
            raise Forbidden("Only STAFF and ADMIN see who booked a slot.")
        page = PageRequest.of(first, after)
        loaders = info.context.loaders
        return await _children(
            loaders.bookings_of_slot,
            loaders.booking_count_of_slot,
            self._model.id,
            page,
            status,
            Booking.from_model,
        )


@strawberry.type(description="One customer's place in a slot.")
class Booking(Node):
    customer_name: str
    notes: str | None
    status: BookingStatus
    created_at: datetime
    updated_at: datetime
    _model: strawberry.Private[models.Booking]

    @classmethod
    def from_model(cls, row: models.Booking) -> Booking:
        return cls(
            id=strawberry.ID(ids.encode("Booking", row.id)),
            customer_name=row.customer_name,
            notes=row.notes,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _model=row,
        )

    @strawberry.field
    async def slot(self, info: Info) -> BookingSlot:
        slot = await _load_slot(info, self._model.slot_id)
        assert slot is not None  # a foreign key guarantees it
        return slot

    @strawberry.field
    async def user(self, info: Info) -> User:
        user = await _load_user(info, self._model.user_id)
        assert user is not None  # a foreign key guarantees it
        return user

    @strawberry.field(description="This booking's history, newest first.")
    async def records(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Record]:
        page = PageRequest.of(first, after)
        loaders = info.context.loaders
        return await _children(
            loaders.records_of_booking,
            loaders.record_count_of_booking,
            self._model.id,
            page,
            None,
            Record.from_model,
        )


@strawberry.type(description="An immutable entry in the history.")
class Record(Node):
    kind: RecordKind
    note: str | None
    created_at: datetime
    _model: strawberry.Private[models.Record]

    @classmethod
    def from_model(cls, row: models.Record) -> Record:
        return cls(
            id=strawberry.ID(ids.encode("Record", row.id)),
            kind=row.kind,
            note=row.note,
            created_at=row.created_at,
            _model=row,
        )

    @strawberry.field(description="Who did it.")
    async def actor(self, info: Info) -> User | None:
        return await _load_user(info, self._model.actor_id)

    @strawberry.field(description="The customer it concerns.")
    async def user(self, info: Info) -> User | None:
        return await _load_user(info, self._model.user_id)

    @strawberry.field
    async def booking(self, info: Info) -> Booking | None:
        if self._model.booking_id is None:
            return None
        row = await info.context.loaders.booking.load(self._model.booking_id)
        return Booking.from_model(row) if row else None

    @strawberry.field
    async def slot(self, info: Info) -> BookingSlot | None:
        return await _load_slot(info, self._model.slot_id)

    @strawberry.field(description="Reschedules: where the booking came from.")
    async def from_slot(self, info: Info) -> BookingSlot | None:
        return await _load_slot(info, self._model.from_slot_id)

    @strawberry.field(description="Reschedules: where the booking went.")
    async def to_slot(self, info: Info) -> BookingSlot | None:
        return await _load_slot(info, self._model.to_slot_id)
