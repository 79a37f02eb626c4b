"""Instants in the database: stored as UTC, read back aware and equal, whichever way they are
read (ORM entity, a nested page's plain rows, text some other tool wrote with an offset)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, text

from graphql_api.models import BookingSlot, Role, SlotStatus
from tests.helpers import Api

BERLIN_SUMMER = timezone(timedelta(hours=2))


async def _slot(api: Api, starts_at: datetime) -> int:
    staff = await api.user(Role.STAFF)
    async with api.db.write() as session, session.begin():
        slot = BookingSlot(
            title="Instant",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            time_zone="Europe/Berlin",
            capacity=1,
            booked_count=0,
            status=SlotStatus.OPEN,
            staff_id=staff.id,
        )
        session.add(slot)
        await session.flush()
        return slot.id


async def test_instants_come_back_aware_and_equal(api: Api) -> None:
    for moment in (
        datetime(2031, 3, 3, 8, 0, tzinfo=UTC),
        datetime(2031, 3, 3, 10, 0, 0, 123456, tzinfo=BERLIN_SUMMER),
    ):
        slot_id = await _slot(api, moment)
        async with api.db.read() as session:
            entity = await session.get(BookingSlot, slot_id)
        async with api.db.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(BookingSlot.__table__).where(BookingSlot.id == slot_id)
                )
            ).one()
        for read in (entity.starts_at if entity else None, row.starts_at):
            assert read == moment
            assert read is not None and read.utcoffset() == timedelta(0)


async def test_text_written_with_an_offset_is_read_as_that_instant(api: Api) -> None:
    """Another tool writing an instant as text with an offset: SQLite keeps the text (the
    result processor's fallback path), PostgreSQL converts it to timestamptz."""
    slot_id = await _slot(api, datetime(2031, 1, 1, tzinfo=UTC))
    async with api.db.write() as session, session.begin():
        await session.execute(
            text(
                "UPDATE booking_slots SET starts_at = '2031-03-03T10:00:00+02:00',"
                " ends_at = '2031-03-03T11:00:00+02:00' WHERE id = :id"
            ),
            {"id": slot_id},
        )
    async with api.db.read() as session:
        entity = await session.get(BookingSlot, slot_id)
    assert entity is not None
    assert entity.starts_at == datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
    assert entity.starts_at.utcoffset() == timedelta(0)
