"""Deleting an account: the person erased, the history kept, in one transaction."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import security
from graphql_api.db import utcnow
from graphql_api.errors import Conflict, NotFound, Unauthenticated
from graphql_api.models import Booking, BookingSlot, BookingStatus, RecordKind, Role, User
from graphql_api.services import auth, records
from graphql_api.services import bookings as booking_service

DELETED_NAME = "Deleted user"


async def delete_account(
    session: AsyncSession, *, actor: User, user_id: int, password: str | None = None
) -> None:
    """Delete `user_id` as `actor` (the user themself with their `password`, or an ADMIN):
    future confirmed bookings cancelled (each with its record, places freed), every token
    ended, name, email, phone, date of birth and home erased, the password made unusable, one
    USER_DELETED record. Records are never deleted. The last ADMIN cannot go (CONFLICT)."""
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None or user.deleted_at is not None:
        raise NotFound("No such user.")
    if password is not None:
        ok = await asyncio.to_thread(security.verify_password, password, user.password_hash)
        if not ok:
            raise Unauthenticated("The password is wrong.", argument="password")
    if user.role == Role.ADMIN:
        admins = await session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.deleted_at.is_(None))
        )
        if (admins or 0) <= 1:
            raise Conflict("This is the last ADMIN; promote another account first.")
    future = await session.scalars(
        select(Booking.id)
        .join(BookingSlot, BookingSlot.id == Booking.slot_id)
        .where(
            Booking.user_id == user.id,
            Booking.status == BookingStatus.CONFIRMED,
            BookingSlot.starts_at > utcnow(),
        )
        .order_by(Booking.id)
    )
    for booking_id in list(future):
        # As staff would: the actor may be an ADMIN, or the user (their own, in the future).
        await booking_service.cancel_booking(
            session, actor=actor, booking_id=booking_id, reason="The account was deleted."
        )
    await auth.end_sessions(session, user)
    unusable = await asyncio.to_thread(security.hash_password, secrets.token_urlsafe(48))
    user.password_hash = unusable
    user.full_name = DELETED_NAME
    # The address is freed for a new account; the column stays unique and not null.
    user.email = f"deleted-{user.id}-{secrets.token_hex(4)}@deleted.invalid"
    user.phone = None
    user.date_of_birth = None
    user.home_latitude = user.home_longitude = None
    user.email_notifications = False
    user.deleted_at = utcnow()
    await session.flush()
    records.write(session, RecordKind.USER_DELETED, actor_id=actor.id, user_id=user.id)
