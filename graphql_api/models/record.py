from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.db import Base, UTCDateTime, utcnow


class RecordKind(enum.StrEnum):
    BOOKING_CREATED = "BOOKING_CREATED"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED"
    BOOKING_COMPLETED = "BOOKING_COMPLETED"
    BOOKING_NO_SHOW = "BOOKING_NO_SHOW"
    SLOT_CREATED = "SLOT_CREATED"
    SLOT_UPDATED = "SLOT_UPDATED"
    SLOT_CANCELLED = "SLOT_CANCELLED"
    NOTE = "NOTE"
    USER_DELETED = "USER_DELETED"


class Record(Base):
    """An append-only history entry. Nothing in the code updates or deletes one, and database
    triggers (see the migrations) refuse UPDATE and DELETE as a second line of defence."""

    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_user_id_id", "user_id", "id"),
        Index("ix_records_booking_id_id", "booking_id", "id"),
        Index("ix_records_slot_id_id", "slot_id", "id"),
        Index("ix_records_kind_id", "kind", "id"),
        Index("ix_records_actor_id", "actor_id"),
        Index("ix_records_from_slot_id", "from_slot_id"),
        Index("ix_records_to_slot_id", "to_slot_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[RecordKind] = mapped_column(
        Enum(RecordKind, name="record_kind", native_enum=False, length=32, validate_strings=True)
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), default=None
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), default=None
    )
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="RESTRICT"), default=None
    )
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_slots.id", ondelete="RESTRICT"), default=None
    )
    from_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_slots.id", ondelete="RESTRICT"), default=None
    )
    to_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_slots.id", ondelete="RESTRICT"), default=None
    )
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
