from __future__ import annotations

import enum
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import Boolean, Date, Enum, Float, Index, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    CUSTOMER = "CUSTOMER"
    STAFF = "STAFF"
    ADMIN = "ADMIN"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_role_id", "role", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored normalised (trimmed, lower-case), so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="role", native_enum=False, length=16, validate_strings=True),
        default=Role.CUSTOMER,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # IANA name of where the person is (their calendar and reminders' clock).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The profile: the owner and STAFF/ADMIN read these; others read null.
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    date_of_birth: Mapped[date | None] = mapped_column(Date(), default=None)
    home_latitude: Mapped[float | None] = mapped_column(Float(), default=None)
    home_longitude: Mapped[float | None] = mapped_column(Float(), default=None)
    email_notifications: Mapped[bool] = mapped_column(
        Boolean(), default=True, server_default=true()
    )
    # Set when the account was deleted: the person erased, the history kept.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Written into access tokens as `ver`; a password change bumps it, so every access token
    # issued before the change stops working at once (no clock granularity involved).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Never read outside the auth service (never JOINed into pages, never on a node).
    SECRET_COLUMNS: ClassVar[frozenset[str]] = frozenset({"password_hash", "token_version"})

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)
