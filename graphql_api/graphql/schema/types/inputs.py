"""Input and payload types."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

import graphql_api.graphql.schema.types.base  # noqa: F401 - registers the GraphQL enums
from graphql_api.graphql.schema.types.nodes import User
from graphql_api.models import BookingStatus, RecordKind, Role, SlotStatus


@strawberry.input
class SlotFilter:
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    available_only: bool | None = None
    status: SlotStatus | None = None
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive match on title or location."
    )
    staff_id: strawberry.ID | None = None


@strawberry.input
class BookingFilter:
    status: BookingStatus | None = None
    slot_id: strawberry.ID | None = None
    user_id: strawberry.ID | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None


@strawberry.input
class RecordFilter:
    kind: RecordKind | None = None
    user_id: strawberry.ID | None = None
    booking_id: strawberry.ID | None = None
    slot_id: strawberry.ID | None = None


@strawberry.input
class UserFilter:
    role: Role | None = None
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive match on name or email."
    )


@strawberry.input
class RegisterInput:
    email: str
    password: str = strawberry.field(description="8 to 128 characters.")
    full_name: str


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class CreateSlotInput:
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int = strawberry.field(description="1 to 10,000.")
    location: str | None = None
    time_zone: str = "UTC"
    staff_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateSlotInput:
    title: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    capacity: int | None = strawberry.UNSET
    staff_id: strawberry.ID | None = strawberry.UNSET
    status: SlotStatus | None = strawberry.UNSET


@strawberry.input
class CreateBookingInput:
    slot_id: strawberry.ID
    notes: str | None = None
    customer_name: str | None = strawberry.field(
        default=None, description="Defaults to the user's full name."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="STAFF/ADMIN only: book for this user."
    )


@strawberry.input
class AddNoteInput:
    note: str
    booking_id: strawberry.ID | None = None
    user_id: strawberry.ID | None = None


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    user: User


@strawberry.input(description="A point: latitude -90..90, longitude -180..180 (degrees).")
class GeoPointInput:
    latitude: float
    longitude: float


@strawberry.input(description="Any subset; null clears phone, dateOfBirth and home.")
class UpdateProfileInput:
    full_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    date_of_birth: date | None = strawberry.field(
        default=strawberry.UNSET, description="Not in the future."
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="An IANA name, e.g. Europe/Berlin."
    )
    home: GeoPointInput | None = strawberry.UNSET
    email_notifications: bool | None = strawberry.UNSET
