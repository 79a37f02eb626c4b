"""Bookings: the verbs that take, move and release places, and the lists that show them.

Capacity is enforced by the database: a place is taken by a conditional UPDATE
(`booked_count < capacity`) whose row count decides, backed by a CHECK constraint. Locks are taken
in one order (user, then slots by id, then bookings) so PostgreSQL transactions cannot deadlock;
SQLite write transactions start with BEGIN IMMEDIATE and so run one at a time."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.db import utcnow
from graphql_api.errors import AlreadyBooked, Conflict, Forbidden, NotFound, SlotFull
from graphql_api.models import (
    Booking,
    BookingSlot,
    BookingStatus,
    RecordKind,
    SlotStatus,
    User,
)
from graphql_api.pagination import Page, PageRequest
from graphql_api.services import queries, records, validation
from graphql_api.services import slots as slot_service
from graphql_api.services.tx import RetryTransaction, mark_slot_changed

_NO_BOOKING = "No such booking."


@dataclass(frozen=True, slots=True)
class BookingFilter:
    status: BookingStatus | None = None
    slot_id: int | None = None
    user_id: int | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None


def _conditions(viewer: User, flt: BookingFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not viewer.is_staff:  # ownership lives in the WHERE: a list can never leak rows
        conditions.append(Booking.user_id == viewer.id)
    if flt.status is not None:
        conditions.append(Booking.status == flt.status)
    if flt.slot_id is not None:
        conditions.append(Booking.slot_id == flt.slot_id)
    if flt.user_id is not None:
        conditions.append(Booking.user_id == flt.user_id)
    if flt.starts_after is not None or flt.starts_before is not None:
        window = select(BookingSlot.id).where(BookingSlot.id == Booking.slot_id)
        if flt.starts_after is not None:
            window = window.where(BookingSlot.starts_at >= flt.starts_after)
        if flt.starts_before is not None:
            window = window.where(BookingSlot.starts_at < flt.starts_before)
        conditions.append(exists(window))
    return conditions


async def list_bookings(
    session: queries.Reader, *, viewer: User, page: PageRequest, flt: BookingFilter
) -> Page[Row[Any]]:
    """Oldest first (by id). Plain rows with the model's columns as attributes."""
    query = select(Booking.__table__).where(*_conditions(viewer, flt))
    if page.after is not None:
        query = query.where(Booking.id > page.after.id)
    rows = (await session.execute(query.order_by(Booking.id).limit(page.limit))).all()
    return Page.from_overfetch(list(rows), page)


async def count_bookings(session: queries.Reader, *, viewer: User, flt: BookingFilter) -> int:
    query = select(func.count()).select_from(Booking).where(*_conditions(viewer, flt))
    return int(await session.scalar(query) or 0)


async def get_by_ids(session: queries.Reader, ids: Sequence[int]) -> list[Booking]:
    """Booking rows with these ids, in no particular order (detached entities)."""
    return await queries.by_ids(session, Booking, ids)


async def page_per_parent(
    session: queries.Reader,
    *,
    by_slot: bool,
    parent_ids: Sequence[int],
    page: PageRequest,
    status: BookingStatus | None,
    omitted: frozenset[str] = frozenset(),
) -> dict[int, list[Row[Any]]]:
    """Bookings of many slots (or users) at once, oldest first, `page.limit` each (the page
    and its probe row). A slot's bookings carry their customer as `users__<column>`
    (USER_COLUMNS). `omitted` columns are None (see queries.first_n_per_parent_query)."""
    after = page.after.id if page.after is not None else None
    query = _page_query(by_slot, after is not None, status is not None, omitted)
    return await queries.first_n_per_parent(
        session, query, parent_ids, page.limit, after=after, status=status
    )


@lru_cache(maxsize=1024)  # a variant per combination of omitted columns a client selects
def _page_query(
    by_slot: bool, after: bool, status: bool, omitted: frozenset[str]
) -> queries.PageQuery:
    where: list[ColumnElement[bool]] = []
    if after:
        where.append(Booking.id > bindparam("after"))
    if status:
        where.append(Booking.status == bindparam("status"))
    return queries.first_n_per_parent_query(
        Booking,
        Booking.slot_id if by_slot else Booking.user_id,
        order_by=[Booking.id],
        where=where,
        joined=[("user_id", User.metadata.tables["users"], USER_COLUMNS)] if by_slot else (),
        omitted=omitted,
    )


# A booking's customer as a slot's bookings page JOINs it: every column of `users` but the
# secrets (a new column joins by itself; unread ones are left out per query). A named tuple:
# one is built per booking of a page, ~3x cheaper than a dataclass.
USER_COLUMNS: tuple[str, ...] = tuple(
    column.key for column in User.__table__.columns if column.key not in User.SECRET_COLUMNS
)
_namedtuple: Any = namedtuple  # (its columns are known at import, from the table)
Customer: Any = _namedtuple("Customer", USER_COLUMNS)


def customer_of(row: Row[Any]) -> Any:
    """The customer of a slot's bookings page row (its columns follow the booking's)."""
    return tuple.__new__(Customer, row[CUSTOMER_AT:])


# Where a slot's bookings page row holds its customer: after the booking's own columns.
CUSTOMER_AT = len(Booking.__table__.columns)


async def count_per_parent(
    session: queries.Reader,
    *,
    by_slot: bool,
    parent_ids: Sequence[int],
    status: BookingStatus | None,
) -> dict[int, int]:
    query = _count_query(by_slot, status is not None)
    return await queries.count_per_parent(session, query, parent_ids, status=status)


@cache
def _count_query(by_slot: bool, status: bool) -> Select[Any]:
    return queries.count_per_parent_query(
        Booking.slot_id if by_slot else Booking.user_id,
        where=[Booking.status == bindparam("status")] if status else [],
    )


# --- writes -------------------------------------------------------------------------------


async def _lock_user(session: AsyncSession, user_id: int) -> User:
    """Serialises one user's booking changes, so overlap checks cannot race (PostgreSQL).
    FOR NO KEY UPDATE (`key_share=True`), not FOR UPDATE: the FOR KEY SHARE lock a foreign-key
    check takes (a record naming this user, inserted by a transaction holding a slot lock we
    wait for) must not block on it, or the two transactions deadlock."""
    user = await session.scalar(
        select(User).where(User.id == user_id).with_for_update(key_share=True)
    )
    if user is None:
        raise NotFound("No such user.")
    return user


async def _visible_booking(session: AsyncSession, *, actor: User, booking_id: int) -> Booking:
    booking = await session.get(Booking, booking_id)
    if booking is None or (not actor.is_staff and booking.user_id != actor.id):
        raise NotFound(_NO_BOOKING)
    return booking


async def _lock_booking(session: AsyncSession, booking_id: int) -> Booking:
    booking = await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: see `_lock_user`
        .execution_options(populate_existing=True)
    )
    if booking is None:
        raise NotFound(_NO_BOOKING)
    return booking


def _require_bookable(slot: BookingSlot) -> None:
    if slot.status != SlotStatus.OPEN:
        raise Conflict(f"This slot is {slot.status.value.lower()}, not open for booking.")
    if slot.starts_at <= utcnow():
        raise Conflict("This slot has already started.")


async def _check_user_free(
    session: AsyncSession, *, user_id: int, slot: BookingSlot, ignore_booking: int | None = None
) -> None:
    """ALREADY_BOOKED if the user holds this slot, CONFLICT if they hold an overlapping one."""
    held = select(Booking.slot_id).where(
        Booking.user_id == user_id, Booking.status == BookingStatus.CONFIRMED
    )
    if ignore_booking is not None:
        held = held.where(Booking.id != ignore_booking)
    clash = await session.scalar(
        select(BookingSlot.id)
        .where(
            BookingSlot.id.in_(held.scalar_subquery()),
            BookingSlot.starts_at < slot.ends_at,
            BookingSlot.ends_at > slot.starts_at,
        )
        .order_by((BookingSlot.id == slot.id).desc())
        .limit(1)
    )
    if clash == slot.id:
        raise AlreadyBooked()
    if clash is not None:
        raise Conflict("You already hold a booking at an overlapping time.")


async def _take_place(session: AsyncSession, slot: BookingSlot) -> None:
    """The one place where capacity is granted: a conditional UPDATE decides."""
    taken = await session.execute(
        update(BookingSlot)
        .where(
            BookingSlot.id == slot.id,
            BookingSlot.status == SlotStatus.OPEN,
            BookingSlot.booked_count < BookingSlot.capacity,
        )
        .values(booked_count=BookingSlot.booked_count + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise SlotFull()
    mark_slot_changed(session, slot.id)


async def _release_place(session: AsyncSession, slot_id: int) -> None:
    await session.execute(
        update(BookingSlot)
        .where(BookingSlot.id == slot_id, BookingSlot.booked_count > 0)
        .values(booked_count=BookingSlot.booked_count - 1)
        .execution_options(synchronize_session=False)
    )
    mark_slot_changed(session, slot_id)


async def create_booking(
    session: AsyncSession,
    *,
    actor: User,
    slot_id: int,
    user_id: int | None = None,
    customer_name: str | None = None,
    notes: str | None = None,
) -> Booking:
    if user_id is not None and not actor.is_staff:  # API.md: a customer passing userId
        raise Forbidden("Only STAFF and ADMIN may pass `userId`.")
    customer_name = (
        None if customer_name is None else validation.check_text(customer_name, "customerName")
    )
    notes = validation.check_optional_text(notes, "notes")
    user = await _lock_user(session, user_id if user_id is not None else actor.id)
    slot = await slot_service.get_for_update(session, slot_id)
    _require_bookable(slot)
    await _check_user_free(session, user_id=user.id, slot=slot)
    await _take_place(session, slot)
    booking = Booking(
        slot_id=slot.id,
        user_id=user.id,
        customer_name=customer_name or user.full_name,
        notes=notes,
        status=BookingStatus.CONFIRMED,
    )
    session.add(booking)
    await session.flush()
    records.write(
        session,
        RecordKind.BOOKING_CREATED,
        actor_id=actor.id,
        user_id=user.id,
        booking_id=booking.id,
        slot_id=slot.id,
    )
    return booking


async def _locked_confirmed_booking(
    session: AsyncSession, *, actor: User, booking_id: int, customer_before_start: bool
) -> tuple[Booking, BookingSlot]:
    """The booking and its slot, both locked, after the visibility and state checks."""
    booking = await _visible_booking(session, actor=actor, booking_id=booking_id)
    slot = await slot_service.get_for_update(session, booking.slot_id)
    booking = await _lock_booking(session, booking_id)
    if booking.slot_id != slot.id:  # moved by a concurrent reschedule: run again on fresh data
        raise RetryTransaction(Conflict("This booking changed meanwhile; try again."))
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(f"This booking is {booking.status.value.lower()}, not confirmed.")
    if customer_before_start and not actor.is_staff and slot.starts_at <= utcnow():
        raise Conflict("This slot has already started.")
    return booking, slot


async def cancel_booking(
    session: AsyncSession, *, actor: User, booking_id: int, reason: str | None = None
) -> Booking:
    reason = validation.check_optional_text(reason, "reason")
    booking, slot = await _locked_confirmed_booking(
        session, actor=actor, booking_id=booking_id, customer_before_start=True
    )
    booking.status = BookingStatus.CANCELLED
    await _release_place(session, slot.id)
    await session.flush()
    records.write(
        session,
        RecordKind.BOOKING_CANCELLED,
        actor_id=actor.id,
        user_id=booking.user_id,
        booking_id=booking.id,
        slot_id=slot.id,
        note=reason,
    )
    return booking


async def finish_booking(
    session: AsyncSession, *, actor: User, booking_id: int, outcome: BookingStatus, note: str | None
) -> Booking:
    """Staff mark the outcome: COMPLETED or NO_SHOW. The place stops counting as confirmed."""
    if not actor.is_staff:
        raise Forbidden("Only staff may mark an outcome.")
    kinds = {
        BookingStatus.COMPLETED: RecordKind.BOOKING_COMPLETED,
        BookingStatus.NO_SHOW: RecordKind.BOOKING_NO_SHOW,
    }
    note = validation.check_optional_text(note, "note")
    booking, slot = await _locked_confirmed_booking(
        session, actor=actor, booking_id=booking_id, customer_before_start=False
    )
    booking.status = outcome
    await _release_place(session, slot.id)
    await session.flush()
    records.write(
        session,
        kinds[outcome],
        actor_id=actor.id,
        user_id=booking.user_id,
        booking_id=booking.id,
        slot_id=slot.id,
        note=note,
    )
    return booking


async def reschedule_booking(
    session: AsyncSession, *, actor: User, booking_id: int, slot_id: int
) -> Booking:
    """Move a confirmed booking to another slot, keeping its id: the new place is taken and the
    old one freed in one transaction, or nothing changes."""
    booking = await _visible_booking(session, actor=actor, booking_id=booking_id)
    if booking.slot_id == slot_id:
        raise Conflict("The booking is already in this slot.")
    await _lock_user(session, booking.user_id)
    first, second = sorted((booking.slot_id, slot_id))
    locked = {
        first: await slot_service.get_for_update(session, first),
        second: await slot_service.get_for_update(session, second),
    }
    booking = await _lock_booking(session, booking_id)
    if booking.slot_id not in locked:  # moved by a concurrent reschedule: run again
        raise RetryTransaction(Conflict("This booking changed meanwhile; try again."))
    if booking.slot_id == slot_id:
        raise Conflict("The booking is already in this slot.")
    old_slot, new_slot = locked[booking.slot_id], locked[slot_id]
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(f"This booking is {booking.status.value.lower()}, not confirmed.")
    if not actor.is_staff and old_slot.starts_at <= utcnow():
        raise Conflict("This booking's slot has already started.")
    _require_bookable(new_slot)
    await _check_user_free(
        session, user_id=booking.user_id, slot=new_slot, ignore_booking=booking.id
    )
    await _take_place(session, new_slot)
    await _release_place(session, old_slot.id)
    booking.slot_id = new_slot.id
    await session.flush()
    records.write(
        session,
        RecordKind.BOOKING_RESCHEDULED,
        actor_id=actor.id,
        user_id=booking.user_id,
        booking_id=booking.id,
        slot_id=new_slot.id,
        from_slot_id=old_slot.id,
        to_slot_id=new_slot.id,
    )
    return booking
