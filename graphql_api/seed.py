"""`graphql-api seed [--demo]`: fill an empty database.

Without --demo: an admin, a staff member, a customer and a week of slots. With --demo: a clinic
group in four time zones: an admin, three staff, forty customers, four weeks of slots (one past,
three ahead), bookings in every status, and their records. Deterministic (fixed random seed)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import security
from graphql_api.config import Settings
from graphql_api.db import create_database
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
from graphql_api.services.tx import in_transaction

# Documented in README.md: demo accounts, for local use only.
DEMO_PASSWORDS = {
    Role.ADMIN: "demo-admin-password",
    Role.STAFF: "demo-staff-password",
    Role.CUSTOMER: "demo-customer-password",
}

LOCATIONS = [
    ("Berlin Mitte Clinic", "Europe/Berlin"),
    ("Brooklyn Health Studio", "America/New_York"),
    ("Singapore Wellness Centre", "Asia/Singapore"),
    ("Online (video call)", "UTC"),
]
SERVICES = [
    ("Flu vaccination", 8, 20),
    ("Physiotherapy session", 1, 60),
    ("Yoga class", 12, 60),
    ("Career consultation", 1, 45),
    ("Dental check-up", 2, 30),
    ("Nutrition workshop", 15, 90),
]
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloé",
    "Dmitri",
    "Emma",
    "Farah",
    "Gustav",
    "Hana",
    "Ivan",
    "Jun",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
]
LAST_NAMES = ["Okafor", "Müller", "Tanaka", "Silva", "Nguyen", "Kowalski", "Haddad", "Larsen"]


@dataclass
class _Counts:
    users: int = 0
    slots: int = 0
    bookings: int = 0
    records: int = 0

    def __str__(self) -> str:
        return (
            f"seeded {self.users} users, {self.slots} slots, {self.bookings} bookings, "
            f"{self.records} records"
        )


async def seed(settings: Settings, *, demo: bool) -> str:
    db = create_database(settings)
    try:
        return await in_transaction(db, lambda s: _seed(s, demo=demo))
    finally:
        await db.dispose()


async def _seed(session: AsyncSession, *, demo: bool) -> str:
    if await session.scalar(select(func.count()).select_from(User)):
        return "the database already has users: nothing seeded"
    rng = random.Random(42)  # noqa: S311 - demo data, not secrets
    counts = _Counts()
    hashes = {role: security.hash_password(pw) for role, pw in DEMO_PASSWORDS.items()}

    def add_user(email: str, name: str, role: Role) -> User:
        user = User(email=email, full_name=name, role=role, password_hash=hashes[role])
        session.add(user)
        counts.users += 1
        return user

    admin = add_user("admin@example.com", "Alex Admin", Role.ADMIN)
    staff_count, customer_count = (3, 40) if demo else (1, 1)
    staff = [
        add_user(f"staff{i}@example.com", f"Sam Staff {i}", Role.STAFF)
        for i in range(1, staff_count + 1)
    ]
    customers = [
        add_user(
            f"customer{i:02d}@example.com",
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[i % len(LAST_NAMES)]}",
            Role.CUSTOMER,
        )
        for i in range(1, customer_count + 1)
    ]
    await session.flush()

    def record(kind: RecordKind, at: datetime, **fields: Any) -> None:
        session.add(Record(kind=kind, created_at=at, **fields))
        counts.records += 1

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    today = now.date()
    first_day, days = (today - timedelta(days=7), 28) if demo else (today, 7)
    locations = LOCATIONS if demo else LOCATIONS[:1]
    slots: list[BookingSlot] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() == 6:  # closed on Sundays
            continue
        for location, zone in locations:
            for hour in rng.sample([9, 10, 11, 14, 15, 16], k=2 if demo else 1):
                title, capacity, minutes = rng.choice(SERVICES)
                starts = datetime.combine(day, time(hour), ZoneInfo(zone)).astimezone(UTC)
                runner = rng.choice(staff)
                created = min(now, starts) - timedelta(days=14)
                slot = BookingSlot(
                    title=title,
                    location=location,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=minutes),
                    time_zone=zone,
                    capacity=capacity,
                    booked_count=0,
                    status=SlotStatus.OPEN,
                    staff_id=runner.id,
                    created_at=created,
                )
                session.add(slot)
                slots.append(slot)
    await session.flush()
    counts.slots = len(slots)
    for slot in slots:
        record(RecordKind.SLOT_CREATED, slot.created_at, actor_id=slot.staff_id, slot_id=slot.id)

    held: dict[int, list[BookingSlot]] = {c.id: [] for c in customers}

    def free(user: User, slot: BookingSlot) -> bool:
        return all(
            s.ends_at <= slot.starts_at or s.starts_at >= slot.ends_at for s in held[user.id]
        )

    for slot in slots:
        past = slot.starts_at <= now
        wanted = rng.randint(0, slot.capacity)
        for customer in rng.sample(customers, k=min(wanted, len(customers))):
            if not free(customer, slot):
                continue
            booked_at = slot.created_at + timedelta(hours=rng.randint(1, 48))
            roll = rng.random()
            if past:
                status = BookingStatus.NO_SHOW if roll < 0.12 else BookingStatus.COMPLETED
            else:
                status = BookingStatus.CANCELLED if roll < 0.1 else BookingStatus.CONFIRMED
            booking = Booking(
                slot_id=slot.id,
                user_id=customer.id,
                customer_name=customer.full_name,
                notes=rng.choice([None, None, "First visit", "Wheelchair access, please"]),
                status=status,
                created_at=booked_at,
                updated_at=booked_at,
            )
            session.add(booking)
            await session.flush()
            counts.bookings += 1
            ids = {"user_id": customer.id, "booking_id": booking.id, "slot_id": slot.id}
            record(RecordKind.BOOKING_CREATED, booked_at, actor_id=customer.id, **ids)
            if status is BookingStatus.CONFIRMED:
                slot.booked_count += 1
                held[customer.id].append(slot)
            elif status is BookingStatus.CANCELLED:
                record(
                    RecordKind.BOOKING_CANCELLED,
                    booked_at + timedelta(hours=2),
                    actor_id=customer.id,
                    **ids,
                )
            else:
                kind = (
                    RecordKind.BOOKING_COMPLETED
                    if status is BookingStatus.COMPLETED
                    else RecordKind.BOOKING_NO_SHOW
                )
                record(kind, slot.ends_at, actor_id=slot.staff_id, **ids)
    if demo:
        future = [s for s in slots if s.starts_at > now + timedelta(days=3)]
        cancelled, closed = rng.sample(future, k=2)
        closed.status = SlotStatus.CLOSED
        record(
            RecordKind.SLOT_UPDATED,
            now,
            actor_id=admin.id,
            slot_id=closed.id,
            note="changed: status",
        )
        cancelled.status, cancelled.booked_count = SlotStatus.CANCELLED, 0
        await session.flush()
        for booking in (
            await session.scalars(
                select(Booking).where(
                    Booking.slot_id == cancelled.id, Booking.status == BookingStatus.CONFIRMED
                )
            )
        ).all():
            booking.status = BookingStatus.CANCELLED
            record(
                RecordKind.BOOKING_CANCELLED,
                now,
                actor_id=admin.id,
                user_id=booking.user_id,
                booking_id=booking.id,
                slot_id=cancelled.id,
                note="Instructor unwell",
            )
        record(
            RecordKind.SLOT_CANCELLED,
            now,
            actor_id=admin.id,
            slot_id=cancelled.id,
            note="Instructor unwell",
        )
    await session.flush()
    return str(counts)
