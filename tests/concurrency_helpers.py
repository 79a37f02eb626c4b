"""Helpers for the concurrency and statement-count tests: fast bulk users, checks that a batch of
concurrent responses failed only in the documented ways, and database-level invariants."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from graphql_api import security
from graphql_api.graphql.schema import ids
from graphql_api.models import (
    Booking,
    BookingSlot,
    BookingStatus,
    Record,
    RecordKind,
    Role,
    SlotStatus,
    User,
)
from tests.helpers import _QUICK_HASH, Account, Api, GraphQLResult

# Words that must never reach a client: the database's locking leaking through the API.
LEAK_WORDS = ("locked", "serializ", "deadlock", "could not obtain", "concurrent operations")

_bulk_counter = 0


async def bulk_users(api: Api, count: int, role: Role = Role.CUSTOMER) -> list[Account]:
    """`count` users inserted in one transaction, each with a valid access token."""
    global _bulk_counter
    _bulk_counter += 1
    batch = _bulk_counter
    rows = [
        User(
            email=f"bulk{batch}-{role.value.lower()}{n}@example.com",
            full_name=f"Bulk {role.value.title()} {batch}-{n}",
            role=role,
            password_hash=_QUICK_HASH,
        )
        for n in range(count)
    ]
    async with api.db.write() as session, session.begin():
        session.add_all(rows)
        await session.flush()
        found = [(row.id, row.email) for row in rows]
    settings = api.app.state.settings
    return [
        Account(pk, ids.encode("User", pk), email, security.create_access_token(settings, pk), role)
        for pk, email in found
    ]


def assert_clean(results: Iterable[GraphQLResult], allowed: set[str]) -> None:
    """Every response is HTTP 200 and each error carries one of the `allowed` codes, with no
    word about locks, serialisation or deadlocks and no INTERNAL_SERVER_ERROR."""
    for result in results:
        assert result.status == 200, result
        for error in result.errors:
            code = error.get("extensions", {}).get("code")
            assert code != "INTERNAL_SERVER_ERROR", result
            assert code in allowed, result
            message = str(error.get("message", "")).lower()
            for word in LEAK_WORDS:
                assert word not in message, result


def codes(results: Sequence[GraphQLResult]) -> Counter[str]:
    """How many responses succeeded ("OK") or failed with each code (one error at most each)."""
    counted: Counter[str] = Counter()
    for result in results:
        assert len(result.errors) <= 1, result
        counted[result.code or "OK"] += 1
    return counted


def assert_no_unexpected_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """No error was logged (an unexpected exception is logged before being masked), and no
    transaction was retried after a PostgreSQL deadlock: locks are taken in one order, so a
    deadlock is a bug even though the retry hides it from the client (at a cost of
    `deadlock_timeout`, 1 s by default). Returns the retries the server logged, for the report."""
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    retries = [
        r.getMessage()
        for r in caplog.records
        if r.name == "graphql_api.services.tx" and "retrying" in r.getMessage()
    ]
    deadlocks = [m for m in retries if "deadlock" in m.lower()]
    assert not deadlocks, deadlocks
    return retries


@dataclass
class Snapshot:
    """The database state the invariants are checked on."""

    slots: dict[int, BookingSlot]
    bookings: dict[int, Booking]
    records: list[Record]

    def records_of(self, booking_id: int, kind: RecordKind) -> list[Record]:
        return [r for r in self.records if r.booking_id == booking_id and r.kind == kind]

    def slot_records(self, slot_id: int, kind: RecordKind) -> list[Record]:
        return [r for r in self.records if r.slot_id == slot_id and r.kind == kind]

    def confirmed_in(self, slot_id: int) -> list[Booking]:
        return [
            b
            for b in self.bookings.values()
            if b.slot_id == slot_id and b.status == BookingStatus.CONFIRMED
        ]


async def snapshot(api: Api) -> Snapshot:
    async with api.db.read() as session:
        slots = {s.id: s for s in (await session.scalars(select(BookingSlot))).all()}
        bookings = {b.id: b for b in (await session.scalars(select(Booking))).all()}
        records = list((await session.scalars(select(Record).order_by(Record.id))).all())
    return Snapshot(slots, bookings, records)


async def assert_invariants(api: Api) -> Snapshot:
    """What must hold after any interleaving, read straight from the database:
    booked_count is the number of CONFIRMED bookings and within capacity; a cancelled slot holds
    none; every booking has exactly one BOOKING_CREATED record, every cancelled booking exactly
    one BOOKING_CANCELLED record; no user holds two CONFIRMED bookings in one slot."""
    snap = await snapshot(api)
    for slot in snap.slots.values():
        confirmed = snap.confirmed_in(slot.id)
        assert slot.booked_count == len(confirmed), (slot.id, slot.booked_count, len(confirmed))
        assert 0 <= slot.booked_count <= slot.capacity, (slot.id, slot.booked_count, slot.capacity)
        if slot.status == SlotStatus.CANCELLED:
            assert slot.booked_count == 0
            assert len(snap.slot_records(slot.id, RecordKind.SLOT_CANCELLED)) == 1
        holders = Counter(b.user_id for b in confirmed)
        assert all(n == 1 for n in holders.values()), holders
    for booking in snap.bookings.values():
        assert len(snap.records_of(booking.id, RecordKind.BOOKING_CREATED)) == 1, booking.id
        cancelled = len(snap.records_of(booking.id, RecordKind.BOOKING_CANCELLED))
        assert cancelled == (1 if booking.status == BookingStatus.CANCELLED else 0), booking.id
    # Every BOOKING_CREATED record belongs to a booking that exists (nothing half-committed).
    created = [r for r in snap.records if r.kind == RecordKind.BOOKING_CREATED]
    assert all(r.booking_id in snap.bookings for r in created)
    assert len(created) == len(snap.bookings)
    return snap
