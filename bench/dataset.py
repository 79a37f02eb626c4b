"""The fixed synthetic dataset: created in a fresh database, migrated with the product's own
migrations, rows inserted directly with SQLAlchemy Core (no services, no password hashing per row).

Everything is a pure function of the size parameters, so two runs build identical data.
User 1 is the STAFF account the bench signs in as.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from graphql_api import migrate
from graphql_api.config import Settings
from graphql_api.models import Booking, BookingSlot, Record, User

# Slots start here and run back to back, an hour each: all in the future, never overlapping.
EPOCH = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
CREATED = datetime(2030, 11, 5, 9, 30, tzinfo=UTC)
BENCH_SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"
# One argon2 hash shared by every account (nobody logs in; hashing per row would take minutes).
PASSWORD_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0YmVuY2g$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy"
)

TITLES = ["Flu vaccination", "Physiotherapy", "Yoga class", "Consultation", "Dental check-up"]
LOCATIONS = ["Room 1", "Room 2", "Main hall", None, "Clinic B"]
ZONES = ["Europe/Berlin", "UTC", "America/New_York", "Asia/Singapore"]


@dataclass(frozen=True, slots=True)
class Size:
    slots: int = 500
    bookings_per_slot: int = 10
    records_per_booking: int = (
        4  # BOOKING_CREATED plus notes: more than the 3 that Q-large asks for
    )
    customers: int = 2000
    staff: int = 20
    capacity: int = 12

    @classmethod
    def quick(cls) -> Size:
        return cls(slots=8, bookings_per_slot=3, records_per_booking=4, customers=100, staff=3)


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": BENCH_SECRET,
        "environment": "production",
        "access_token_expire_minutes": 24 * 60,
    }
    values.update(overrides)
    return Settings(**values)


def _user_rows(staff: int, customers: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(1, staff + customers + 1):
        is_staff = i <= staff
        rows.append(
            {
                "id": i,
                "email": f"{'staff' if is_staff else 'customer'}{i}@bench.example",
                "password_hash": PASSWORD_HASH,
                "full_name": f"{'Staff' if is_staff else 'Customer'} Number {i}",
                "role": "STAFF" if is_staff else "CUSTOMER",
                "created_at": CREATED + timedelta(seconds=i),
                "updated_at": CREATED + timedelta(seconds=i),
            }
        )
    return rows


def _slot_row(
    slot_id: int, index: int, *, staff: int, capacity: int, booked: int
) -> dict[str, Any]:
    starts = EPOCH + timedelta(hours=index)
    return {
        "id": slot_id,
        "title": TITLES[index % len(TITLES)],
        "location": LOCATIONS[index % len(LOCATIONS)],
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=45),
        "time_zone": ZONES[index % len(ZONES)],
        "capacity": capacity,
        "booked_count": booked,
        "status": "OPEN",
        "staff_id": 1 + index % staff if index % 7 else None,  # some slots have no staff
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def read_rows(size: Size) -> dict[str, list[dict[str, Any]]]:
    """Users, slots, bookings and records of the read dataset."""
    users = _user_rows(size.staff, size.customers)
    slots, bookings, records = [], [], []
    booking_id = record_id = 0
    for s in range(size.slots):
        slot_id = s + 1
        slots.append(
            _slot_row(
                slot_id, s, staff=size.staff, capacity=size.capacity, booked=size.bookings_per_slot
            )
        )
        for b in range(size.bookings_per_slot):
            booking_id += 1
            # Distinct customers within a slot (131 is prime to the customer count used here).
            user_id = size.staff + 1 + (s * 7 + b * 131) % size.customers
            created = CREATED + timedelta(
                seconds=booking_id * 13, microseconds=booking_id * 7919 % 10**6
            )
            bookings.append(
                {
                    "id": booking_id,
                    "slot_id": slot_id,
                    "user_id": user_id,
                    "customer_name": users[user_id - 1]["full_name"],
                    "notes": None if booking_id % 3 else f"Please bring form {booking_id}",
                    "status": "CONFIRMED",
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for r in range(size.records_per_booking):
                record_id += 1
                records.append(
                    {
                        "id": record_id,
                        "kind": "BOOKING_CREATED" if r == 0 else "NOTE",
                        "actor_id": 1 + (s + r) % size.staff,
                        "user_id": user_id,
                        "booking_id": booking_id,
                        "slot_id": slot_id,
                        "note": None if r == 0 else f"note {r} on booking {booking_id}",
                        "created_at": created + timedelta(minutes=r),
                    }
                )
    return {"users": users, "slots": slots, "bookings": bookings, "records": records}


async def _insert(url: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for model, key in (
                (User, "users"),
                (BookingSlot, "slots"),
                (Booking, "bookings"),
                (Record, "records"),
            ):
                batch = rows.get(key) or []
                for start in range(0, len(batch), 5000):
                    await conn.execute(insert(model.__table__), batch[start : start + 5000])  # type: ignore[attr-defined]
            if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
                for table in ("users", "booking_slots", "bookings", "records"):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                        )
                    )
        if engine.dialect.name == "sqlite":
            async with engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE")
        else:
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(settings_for(url))
    return url


def build_db(path: Path, size: Size, plan: WritePlan | None = None) -> str:
    """A fresh, migrated SQLite file holding the read dataset (and the write benchmark's slots,
    after the read slots in time, so they never show in the read queries' pages)."""
    url = fresh_sqlite(path)
    rows = read_rows(size)
    if plan is not None:
        rows["slots"] += write_slots(plan)
    asyncio.run(_insert(url, rows))
    return url


# --- the write dataset --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WritePlan:
    """Slots for every write run: each run owns its slots, so runs never interfere. Customers
    are the read dataset's (ids staff+1 ...); the write slots come after the read slots."""

    first_slot: int
    customer_ids: tuple[int, ...]
    spread_slots: int
    spread_capacity: int
    hot_capacity: int
    runs: int  # runs per pattern, all variants and rounds together

    def spread_ids(self, run: int) -> list[int]:
        first = self.first_slot + run * self.spread_slots
        return list(range(first, first + self.spread_slots))

    def hot_id(self, run: int) -> int:
        return self.first_slot + self.runs * self.spread_slots + run

    @property
    def last_slot(self) -> int:
        return self.hot_id(self.runs - 1)


def write_slots(plan: WritePlan) -> list[dict[str, Any]]:
    slots = []
    for run in range(plan.runs):
        for slot_id in plan.spread_ids(run):
            slots.append(
                _slot_row(slot_id, slot_id - 1, staff=1, capacity=plan.spread_capacity, booked=0)
            )
    for run in range(plan.runs):
        slot_id = plan.hot_id(run)
        slots.append(_slot_row(slot_id, slot_id - 1, staff=1, capacity=plan.hot_capacity, booked=0))
    return slots


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def create_postgres(base_url: str, size: Size, plan: WritePlan) -> str:
    """A private database on the server of `base_url` (like the tests' postgres_migrated),
    holding the read dataset's users and the write benchmark's slots."""
    base = make_url(base_url)
    name = f"bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(base_url, f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(settings_for(url))
    asyncio.run(
        _insert(url, {"users": _user_rows(size.staff, size.customers), "slots": write_slots(plan)})
    )
    return url


def drop_postgres(base_url: str, url: str) -> None:
    name = make_url(url).database
    asyncio.run(_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
