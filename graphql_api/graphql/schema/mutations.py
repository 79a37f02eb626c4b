"""Mutation resolvers: each runs one service call in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.errors import Unauthenticated
from graphql_api.graphql.schema import ids
from graphql_api.graphql.schema.permissions import IsAdmin, IsAuthenticated, IsStaff
from graphql_api.graphql.schema.types.base import Info
from graphql_api.graphql.schema.types.inputs import (
    AddNoteInput,
    AuthPayload,
    ChangePasswordInput,
    CreateBookingInput,
    CreateSlotInput,
    LoginInput,
    RegisterInput,
    UpdateProfileInput,
    UpdateSlotInput,
)
from graphql_api.graphql.schema.types.nodes import Booking, BookingSlot, Record, User
from graphql_api.models import Role
from graphql_api.services import account_deletion
from graphql_api.services import auth as auth_service
from graphql_api.services import bookings as booking_service
from graphql_api.services import records as record_service
from graphql_api.services import slots as slot_service
from graphql_api.services import users as user_service
from graphql_api.services.tx import in_transaction

T = TypeVar("T")


async def _run(info: Info, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    ctx = info.context
    return await in_transaction(
        ctx.db, work, on_slots_changed=ctx.broker.publish, on_records=ctx.metrics.count_records
    )


def _auth_payload(pair: auth_service.TokenPair) -> AuthPayload:
    return AuthPayload(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type="Bearer",
        expires_in=pair.expires_in,
        user=User.from_model(pair.user, owner=True),
    )


# UpdateSlotInput attributes that map 1:1 onto slot_service.update_slot's change keys; all of
# them are required on the slot, so null means "leave as is" (location is handled apart).
_REQUIRED_SLOT_FIELDS = ("title", "starts_at", "ends_at", "time_zone", "capacity", "status")


def _profile_changes(data: UpdateProfileInput) -> dict[str, Any]:
    """The fields the input sets (UNSET ones left out), as update_profile takes them."""
    changes = {
        name: value
        for name in user_service.PROFILE_FIELDS
        if (value := getattr(data, name)) is not strawberry.UNSET
    }
    home = changes.get("home")
    if home is not None:
        changes["home"] = user_service.Home(home.latitude, home.longitude)
    return changes


def _slot_changes(data: UpdateSlotInput) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in _REQUIRED_SLOT_FIELDS:
        value = getattr(data, name)
        if value is not strawberry.UNSET and value is not None:
            changes[name] = value
    if data.location is not strawberry.UNSET:
        changes["location"] = data.location  # null clears it
    if data.staff_id is not strawberry.UNSET:
        changes["staff_id"] = ids.decode_optional(data.staff_id, "User", "staffId")
    return changes


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a CUSTOMER account and sign in.")
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        await info.context.limits.check_register(info.context.client_ip)
        settings = info.context.settings
        pair = await _run(
            info,
            lambda s: auth_service.register(
                s, settings, email=input.email, password=input.password, full_name=input.full_name
            ),
        )
        return _auth_payload(pair)

    @strawberry.mutation
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        limits, ip = info.context.limits, info.context.client_ip
        await limits.check_login(input.email, ip)
        settings = info.context.settings
        try:
            pair = await _run(
                info,
                lambda s: auth_service.login(
                    s, settings, email=input.email, password=input.password
                ),
            )
        except Unauthenticated:
            await limits.record_login_failure(input.email, ip)
            raise
        return _auth_payload(pair)

    @strawberry.mutation(description="Rotate: the refresh token given stops working.")
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        settings = info.context.settings
        pair = await _run(
            info, lambda s: auth_service.refresh(s, settings, refresh_token=refresh_token)
        )
        return _auth_payload(pair)

    @strawberry.mutation(description="End the session the refresh token belongs to.")
    async def logout(self, info: Info, refresh_token: str) -> bool:
        return await _run(info, lambda s: auth_service.logout(s, refresh_token=refresh_token))

    @strawberry.mutation(
        description="Signs out every session (refresh and access tokens).",
        permission_classes=[IsAuthenticated],
    )
    async def change_password(self, info: Info, input: ChangePasswordInput) -> bool:
        viewer = await info.context.require_viewer()
        await _run(
            info,
            lambda s: auth_service.change_password(
                s,
                user_id=viewer.id,
                current_password=input.current_password,
                new_password=input.new_password,
            ),
        )
        return True

    @strawberry.mutation(
        description="Your own profile: any subset of its fields.",
        permission_classes=[IsAuthenticated],
    )
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        viewer = await info.context.require_viewer()
        changes = _profile_changes(input)
        user = await _run(
            info, lambda s: user_service.update_profile(s, user_id=viewer.id, changes=changes)
        )
        return User.from_model(user, owner=True)

    @strawberry.mutation(
        description="Deletes your own account: you are erased, the history is kept.",
        permission_classes=[IsAuthenticated],
    )
    async def delete_account(self, info: Info, password: str) -> bool:
        viewer = await info.context.require_viewer()
        await _run(
            info,
            lambda s: account_deletion.delete_account(
                s, actor=viewer, user_id=viewer.id, password=password
            ),
        )
        return True

    @strawberry.mutation(
        description="ADMIN: deletes an account as deleteAccount does.",
        permission_classes=[IsAdmin],
    )
    async def delete_user(self, info: Info, id: strawberry.ID) -> bool:
        admin = await info.context.require_admin()
        pk = ids.decode(id, "User")
        await _run(info, lambda s: account_deletion.delete_account(s, actor=admin, user_id=pk))
        return True

    @strawberry.mutation(permission_classes=[IsStaff])
    async def create_slot(self, info: Info, input: CreateSlotInput) -> BookingSlot:
        actor = await info.context.require_staff()
        staff_id = ids.decode_optional(input.staff_id, "User", "staffId")
        slot = await _run(
            info,
            lambda s: slot_service.create_slot(
                s,
                actor=actor,
                title=input.title,
                location=input.location,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                time_zone=input.time_zone,
                capacity=input.capacity,
                staff_id=staff_id,
            ),
        )
        return BookingSlot.from_model(slot)

    @strawberry.mutation(permission_classes=[IsStaff])
    async def update_slot(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateSlotInput,
    ) -> BookingSlot:
        actor = await info.context.require_staff()
        slot_id = ids.decode(id, "BookingSlot")
        changes = _slot_changes(input)
        slot = await _run(
            info,
            lambda s: slot_service.update_slot(s, actor=actor, slot_id=slot_id, changes=changes),
        )
        return BookingSlot.from_model(slot)

    @strawberry.mutation(
        description="Cancels the slot and every confirmed booking in it.",
        permission_classes=[IsStaff],
    )
    async def cancel_slot(
        self,
        info: Info,
        id: strawberry.ID,
        reason: str | None = None,
    ) -> BookingSlot:
        actor = await info.context.require_staff()
        slot_id = ids.decode(id, "BookingSlot")
        slot = await _run(
            info, lambda s: slot_service.cancel_slot(s, actor=actor, slot_id=slot_id, reason=reason)
        )
        return BookingSlot.from_model(slot)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_booking(self, info: Info, input: CreateBookingInput) -> Booking:
        actor = await info.context.require_viewer()
        slot_id = ids.decode(input.slot_id, "BookingSlot", "slotId")
        user_id = ids.decode_optional(input.user_id, "User", "userId")
        booking = await _run(
            info,
            lambda s: booking_service.create_booking(
                s,
                actor=actor,
                slot_id=slot_id,
                user_id=user_id,
                customer_name=input.customer_name,
                notes=input.notes,
            ),
        )
        return Booking.from_model(booking)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def cancel_booking(
        self,
        info: Info,
        id: strawberry.ID,
        reason: str | None = None,
    ) -> Booking:
        actor = await info.context.require_viewer()
        booking_id = ids.decode(id, "Booking")
        booking = await _run(
            info,
            lambda s: booking_service.cancel_booking(
                s, actor=actor, booking_id=booking_id, reason=reason
            ),
        )
        return Booking.from_model(booking)

    @strawberry.mutation(
        description="Move a confirmed booking to another slot; it keeps its id.",
        permission_classes=[IsAuthenticated],
    )
    async def reschedule_booking(
        self,
        info: Info,
        id: strawberry.ID,
        slot_id: strawberry.ID,
    ) -> Booking:
        actor = await info.context.require_viewer()
        booking_id = ids.decode(id, "Booking")
        target = ids.decode(slot_id, "BookingSlot", "slotId")
        booking = await _run(
            info,
            lambda s: booking_service.reschedule_booking(
                s, actor=actor, booking_id=booking_id, slot_id=target
            ),
        )
        return Booking.from_model(booking)

    @strawberry.mutation(permission_classes=[IsStaff])
    async def complete_booking(
        self,
        info: Info,
        id: strawberry.ID,
        note: str | None = None,
    ) -> Booking:
        return await _finish(info, id, models.BookingStatus.COMPLETED, note)

    @strawberry.mutation(permission_classes=[IsStaff])
    async def mark_no_show(
        self,
        info: Info,
        id: strawberry.ID,
        note: str | None = None,
    ) -> Booking:
        return await _finish(info, id, models.BookingStatus.NO_SHOW, note)

    @strawberry.mutation(permission_classes=[IsStaff])
    async def add_note(self, info: Info, input: AddNoteInput) -> Record:
        actor = await info.context.require_staff()
        booking_id = ids.decode_optional(input.booking_id, "Booking", "bookingId")
        user_id = ids.decode_optional(input.user_id, "User", "userId")
        record = await _run(
            info,
            lambda s: record_service.add_note(
                s, actor=actor, note=input.note, booking_id=booking_id, user_id=user_id
            ),
        )
        return Record.from_model(record)

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def set_user_role(self, info: Info, user_id: strawberry.ID, role: Role) -> User:
        await info.context.require_admin()
        pk = ids.decode(user_id, "User", "userId")
        user = await _run(info, lambda s: user_service.set_role(s, user_id=pk, role=role))
        return User.from_model(user)


async def _finish(
    info: Info, global_id: str, outcome: models.BookingStatus, note: str | None
) -> Booking:
    actor = await info.context.require_staff()
    booking_id = ids.decode(global_id, "Booking")
    booking = await _run(
        info,
        lambda s: booking_service.finish_booking(
            s, actor=actor, booking_id=booking_id, outcome=outcome, note=note
        ),
    )
    return Booking.from_model(booking)
