from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.db import Base, UTCDateTime, utcnow

MAX_CAPACITY = 10_000


class SlotStatus(enum.StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class BookingSlot(Base):
    """A bookable window. `booked_count` is the number of CONFIRMED bookings, kept by the same
    conditional UPDATE that admits a booking, and guarded by a CHECK so no code path can
    overbook."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        CheckConstraint("booked_count <= capacity", name="booked_within_capacity"),
        CheckConstraint("booked_count >= 0", name="booked_not_negative"),
        CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}", name="capacity_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        Index("ix_booking_slots_starts_at_id", "starts_at", "id"),
        Index("ix_booking_slots_staff_id_starts_at", "staff_id", "starts_at"),
        Index("ix_booking_slots_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200), default=None)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity: Mapped[int] = mapped_column(Integer)
    booked_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[SlotStatus] = mapped_column(
        Enum(SlotStatus, name="slot_status", native_enum=False, length=16, validate_strings=True),
        default=SlotStatus.OPEN,
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked_count
