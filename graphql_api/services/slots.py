"""Slots: browsing, and the staff verbs that create, change and cancel them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.db import utcnow
from graphql_api.engine import read_rows
from graphql_api.errors import BadUserInput, Conflict, NotFound
from graphql_api.models import Booking, BookingSlot, BookingStatus, RecordKind, SlotStatus, User
from graphql_api.models.slot import MAX_CAPACITY
from graphql_api.pagination import Page, PageRequest
from graphql_api.services import queries, records, validation
from graphql_api.services.tx import mark_slot_changed


@dataclass(frozen=True, slots=True)
class SlotFilter:
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    available_only: bool = False
    status: SlotStatus | None = None
    search: str | None = None
    staff_id: int | None = None


# The list and count statements are built once per filter shape (which filters are set, and
# whether a cursor is given), the values as bind parameters.
_Shape = tuple[bool, bool, bool, bool, bool, bool]


def _shape(flt: SlotFilter) -> _Shape:
    return (
        flt.starts_after is not None,
        flt.starts_before is not None,
        flt.available_only,
        flt.status is not None,
        bool(flt.search and flt.search.strip()),
        flt.staff_id is not None,
    )


def _values(flt: SlotFilter) -> dict[str, Any]:
    """The bind values of `_conditions(_shape(flt))` (a statement ignores those it lacks)."""
    return {
        "starts_after": flt.starts_after,
        "starts_before": flt.starts_before,
        "now": utcnow() if flt.available_only else None,
        "status": flt.status,
        "pattern": validation.contains_pattern(flt.search) if flt.search else None,
        "staff_id": flt.staff_id,
    }


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    starts_after, starts_before, available_only, status, search, staff = shape
    conditions: list[ColumnElement[bool]] = []
    if starts_after:
        conditions.append(BookingSlot.starts_at >= bindparam("starts_after"))
    if starts_before:
        conditions.append(BookingSlot.starts_at < bindparam("starts_before"))
    if available_only:
        conditions += [
            BookingSlot.status == SlotStatus.OPEN,
            BookingSlot.booked_count < BookingSlot.capacity,
            BookingSlot.starts_at > bindparam("now"),
        ]
    if status:
        conditions.append(BookingSlot.status == bindparam("status"))
    if search:
        pattern = bindparam("pattern", type_=String)
        conditions.append(
            or_(
                func.lower(BookingSlot.title).like(pattern, escape="\\"),
                func.lower(BookingSlot.location).like(pattern, escape="\\"),
            )
        )
    if staff:
        conditions.append(BookingSlot.staff_id == bindparam("staff_id"))
    return conditions


# Always read: the keyset cursor's columns (see list_slots).
_KEYSET = frozenset({"id", "starts_at"})


@lru_cache(maxsize=1024)  # a variant per filter shape and set of unread columns
def _list_query(shape: _Shape, after: bool, omitted: frozenset[str] = frozenset()) -> Select[Any]:
    assert not omitted & _KEYSET, "the keyset columns are always read"
    table = BookingSlot.__table__
    columns = [queries.or_null(c, c.key, omitted) for c in table.columns]
    query = select(*columns).select_from(table).where(*_conditions(shape))
    if after:
        query = query.where(
            or_(
                BookingSlot.starts_at > bindparam("after_at"),
                and_(
                    BookingSlot.starts_at == bindparam("after_at"),
                    BookingSlot.id > bindparam("after_id"),
                ),
            )
        )
    return (
        query.order_by(BookingSlot.starts_at, BookingSlot.id)
        .limit(bindparam("limit"))
        .execution_options(**queries.NULLS_UNSENT)
    )


@cache
def _count_query(shape: _Shape) -> Select[Any]:
    return select(func.count()).select_from(BookingSlot).where(*_conditions(shape))


async def list_slots(
    session: queries.Reader,
    *,
    page: PageRequest,
    flt: SlotFilter,
    omitted: frozenset[str] = frozenset(),
) -> Page[Row[Any]]:
    """Ordered by start time, then id (a stable order for keyset cursors). Plain rows with the
    model's columns as attributes (read-only; see queries.first_n_per_parent); `omitted`
    columns are None (no one reads them; `id` and `starts_at` are always read)."""
    params = {**_values(flt), "limit": page.limit}
    if page.after is not None:
        if page.after.at is None:
            raise BadUserInput("`after` is not a cursor of this list.", argument="after")
        params.update(after_at=page.after.at, after_id=page.after.id)
    query = _list_query(_shape(flt), page.after is not None, omitted)
    return Page.from_overfetch(await read_rows(session, query, params), page)


async def count_slots(session: queries.Reader, *, flt: SlotFilter) -> int:
    found = await read_rows(session, _count_query(_shape(flt)), _values(flt))
    return int(found[0][0] or 0)


async def get_by_ids(session: queries.Reader, ids: Sequence[int]) -> list[BookingSlot]:
    """BookingSlot rows with these ids, in no particular order (detached entities)."""
    return await queries.by_ids(session, BookingSlot, ids)


async def get_for_update(session: AsyncSession, slot_id: int) -> BookingSlot:
    """The slot, row-locked until the transaction ends (PostgreSQL; SQLite holds the write lock).
    FOR NO KEY UPDATE, so foreign-key checks (FOR KEY SHARE) of other transactions never wait on
    it: such a wait completes a deadlock cycle with our own lock order."""
    slot = await session.scalar(
        select(BookingSlot)
        .where(BookingSlot.id == slot_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if slot is None:
        raise NotFound("No such slot.")
    return slot


def _check_capacity(capacity: int) -> int:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise BadUserInput(f"`capacity` must be from 1 to {MAX_CAPACITY}.", argument="capacity")
    return capacity


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise BadUserInput("`endsAt` must be after `startsAt`.", argument="endsAt")


async def _check_staff(session: AsyncSession, staff_id: int | None) -> int | None:
    if staff_id is None:
        return None
    staff = await session.get(User, staff_id)
    if staff is None or not staff.is_staff:
        raise BadUserInput("`staffId` must name a STAFF or ADMIN user.", argument="staffId")
    return staff_id


async def create_slot(
    session: AsyncSession,
    *,
    actor: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    location: str | None = None,
    time_zone: str = "UTC",
    staff_id: int | None = None,
) -> BookingSlot:
    starts_at = validation.check_aware(starts_at, "startsAt")
    ends_at = validation.check_aware(ends_at, "endsAt")
    _check_window(starts_at, ends_at)
    slot = BookingSlot(
        title=validation.check_text(title, "title"),
        location=validation.check_optional_text(
            location, "location", max_length=validation.MAX_NAME
        ),
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=validation.check_time_zone(time_zone),
        capacity=_check_capacity(capacity),
        booked_count=0,
        status=SlotStatus.OPEN,
        staff_id=await _check_staff(session, staff_id),
    )
    session.add(slot)
    await session.flush()
    records.write(session, RecordKind.SLOT_CREATED, actor_id=actor.id, slot_id=slot.id)
    mark_slot_changed(session, slot.id)
    return slot


async def update_slot(
    session: AsyncSession, *, actor: User, slot_id: int, changes: dict[str, Any]
) -> BookingSlot:
    """Apply any subset of title, location, starts_at, ends_at, time_zone, capacity, staff_id,
    status. Status CANCELLED goes through `cancel_slot`, so bookings are cancelled with it."""
    slot = await get_for_update(session, slot_id)
    if slot.status == SlotStatus.CANCELLED:
        raise Conflict("A cancelled slot cannot be changed.")
    cleaned: dict[str, Any] = {}
    if "title" in changes:
        cleaned["title"] = validation.check_text(changes["title"], "title")
    if "location" in changes:
        cleaned["location"] = validation.check_optional_text(
            changes["location"], "location", max_length=validation.MAX_NAME
        )
    if "starts_at" in changes:
        cleaned["starts_at"] = validation.check_aware(changes["starts_at"], "startsAt")
    if "ends_at" in changes:
        cleaned["ends_at"] = validation.check_aware(changes["ends_at"], "endsAt")
    if "time_zone" in changes:
        cleaned["time_zone"] = validation.check_time_zone(changes["time_zone"])
    if "staff_id" in changes:
        cleaned["staff_id"] = await _check_staff(session, changes["staff_id"])
    if "capacity" in changes:
        cleaned["capacity"] = _check_capacity(changes["capacity"])
        if cleaned["capacity"] < slot.booked_count:
            raise Conflict(
                f"`capacity` cannot go below the {slot.booked_count} confirmed bookings.",
                argument="capacity",
            )
    status = changes.get("status")
    if status is not None and status != SlotStatus.CANCELLED:
        cleaned["status"] = status
    _check_window(cleaned.get("starts_at", slot.starts_at), cleaned.get("ends_at", slot.ends_at))

    changed = sorted(k for k, v in cleaned.items() if getattr(slot, k) != v)
    for key in changed:
        setattr(slot, key, cleaned[key])
    if changed:
        await session.flush()
        records.write(
            session,
            RecordKind.SLOT_UPDATED,
            actor_id=actor.id,
            slot_id=slot.id,
            note="changed: " + ", ".join(changed),
        )
        if {"capacity", "status"} & set(changed):
            mark_slot_changed(session, slot.id)
    if status == SlotStatus.CANCELLED:
        return await cancel_slot(session, actor=actor, slot_id=slot.id, reason=None)
    return slot


async def cancel_slot(
    session: AsyncSession, *, actor: User, slot_id: int, reason: str | None
) -> BookingSlot:
    """Cancel the slot and every confirmed booking in it, each with its own record."""
    reason = validation.check_optional_text(reason, "reason")
    slot = await get_for_update(session, slot_id)
    if slot.status == SlotStatus.CANCELLED:
        raise Conflict("This slot is already cancelled.")
    cancelled = (
        await session.execute(
            update(Booking)
            .where(Booking.slot_id == slot.id, Booking.status == BookingStatus.CONFIRMED)
            .values(status=BookingStatus.CANCELLED, updated_at=utcnow())
            .returning(Booking.id, Booking.user_id)
        )
    ).all()
    for booking_id, user_id in cancelled:
        records.write(
            session,
            RecordKind.BOOKING_CANCELLED,
            actor_id=actor.id,
            user_id=user_id,
            booking_id=booking_id,
            slot_id=slot.id,
            note=reason,
        )
    slot.status = SlotStatus.CANCELLED
    slot.booked_count = 0
    await session.flush()
    records.write(
        session, RecordKind.SLOT_CANCELLED, actor_id=actor.id, slot_id=slot.id, note=reason
    )
    mark_slot_changed(session, slot.id)
    return slot
