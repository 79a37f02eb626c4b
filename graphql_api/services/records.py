"""The append-only history: writing entries (inside the caller's transaction) and reading them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import BadUserInput, NotFound
from graphql_api.models import Booking, Record, RecordKind, User
from graphql_api.pagination import Page, PageRequest
from graphql_api.services import queries, validation
from graphql_api.services.tx import note_record


def write(
    session: AsyncSession,
    kind: RecordKind,
    *,
    actor_id: int | None,
    user_id: int | None = None,
    booking_id: int | None = None,
    slot_id: int | None = None,
    from_slot_id: int | None = None,
    to_slot_id: int | None = None,
    note: str | None = None,
) -> Record:
    """Add one history entry to the session; it commits with the change it describes."""
    record = Record(
        kind=kind,
        actor_id=actor_id,
        user_id=user_id,
        booking_id=booking_id,
        slot_id=slot_id,
        from_slot_id=from_slot_id,
        to_slot_id=to_slot_id,
        note=note,
    )
    session.add(record)
    note_record(session, kind)
    return record


@dataclass(frozen=True, slots=True)
class RecordFilter:
    kind: RecordKind | None = None
    user_id: int | None = None
    booking_id: int | None = None
    slot_id: int | None = None


def _conditions(viewer: User, flt: RecordFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not viewer.is_staff:  # customers: only the history that concerns them
        conditions.append(Record.user_id == viewer.id)
    if flt.kind is not None:
        conditions.append(Record.kind == flt.kind)
    if flt.user_id is not None:
        conditions.append(Record.user_id == flt.user_id)
    if flt.booking_id is not None:
        conditions.append(Record.booking_id == flt.booking_id)
    if flt.slot_id is not None:
        conditions.append(Record.slot_id == flt.slot_id)
    return conditions


async def list_records(
    session: queries.Reader, *, viewer: User, page: PageRequest, flt: RecordFilter
) -> Page[Row[Any]]:
    """Newest first (ids grow with time). Plain rows with the model's columns as attributes."""
    query = select(Record.__table__).where(*_conditions(viewer, flt))
    if page.after is not None:
        query = query.where(Record.id < page.after.id)
    rows = (await session.execute(query.order_by(Record.id.desc()).limit(page.limit))).all()
    return Page.from_overfetch(list(rows), page)


async def count_records(session: queries.Reader, *, viewer: User, flt: RecordFilter) -> int:
    query = select(func.count()).select_from(Record).where(*_conditions(viewer, flt))
    return int(await session.scalar(query) or 0)


async def get_by_ids(session: queries.Reader, ids: Sequence[int]) -> list[Record]:
    """Record rows with these ids, in no particular order (detached entities)."""
    return await queries.by_ids(session, Record, ids)


async def page_per_parent(
    session: queries.Reader,
    *,
    by_booking: bool,
    parent_ids: Sequence[int],
    page: PageRequest,
    omitted: frozenset[str] = frozenset(),
) -> dict[int, list[Row[Any]]]:
    """Records of many bookings (or users) at once, newest first, `page.limit` each (the page
    and its probe row). `omitted` columns are None (see queries.first_n_per_parent_query)."""
    before = page.after.id if page.after is not None else None
    query = _page_query(by_booking, before is not None, omitted)
    return await queries.first_n_per_parent(session, query, parent_ids, page.limit, before=before)


@lru_cache(maxsize=1024)  # a variant per combination of omitted columns a client selects
def _page_query(by_booking: bool, after: bool, omitted: frozenset[str]) -> queries.PageQuery:
    return queries.first_n_per_parent_query(
        Record,
        Record.booking_id if by_booking else Record.user_id,
        order_by=[Record.id.desc()],
        where=[Record.id < bindparam("before")] if after else [],
        omitted=omitted,
    )


async def count_per_parent(
    session: queries.Reader, *, by_booking: bool, parent_ids: Sequence[int]
) -> dict[int, int]:
    return await queries.count_per_parent(session, _count_query(by_booking), parent_ids)


@cache
def _count_query(by_booking: bool) -> Select[Any]:
    return queries.count_per_parent_query(Record.booking_id if by_booking else Record.user_id)


async def add_note(
    session: AsyncSession,
    *,
    actor: User,
    note: str,
    booking_id: int | None,
    user_id: int | None,
) -> Record:
    """A staff note about a booking and/or a customer."""
    text = validation.check_text(note, "note", max_length=validation.MAX_TEXT)
    if booking_id is None and user_id is None:
        raise BadUserInput("A note needs a `bookingId` or a `userId`.", argument="bookingId")
    slot_id = None
    if booking_id is not None:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            raise NotFound("No such booking.")
        if user_id is not None and user_id != booking.user_id:
            raise BadUserInput("`userId` is not the customer of that booking.", argument="userId")
        user_id, slot_id = booking.user_id, booking.slot_id
    elif await session.get(User, user_id) is None:
        raise NotFound("No such user.")
    record = write(
        session,
        RecordKind.NOTE,
        actor_id=actor.id,
        user_id=user_id,
        booking_id=booking_id,
        slot_id=slot_id,
        note=text,
    )
    await session.flush()
    return record
