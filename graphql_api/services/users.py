"""Accounts: lookup, listing, roles and profiles."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from graphql_api import security
from graphql_api.errors import BadUserInput, Conflict, NotFound
from graphql_api.models import Role, User
from graphql_api.pagination import Page, PageRequest
from graphql_api.services import queries, validation

T = TypeVar("T")


async def get_by_ids(session: queries.Reader, ids: Sequence[int]) -> list[User]:
    """User rows with these ids, in no particular order (detached entities)."""
    return await queries.by_ids(session, User, ids)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def create(
    session: AsyncSession, *, email: str, password: str, full_name: str, role: Role = Role.CUSTOMER
) -> User:
    """A new account; CONFLICT if the email is taken (case-insensitively)."""
    email = validation.normalize_email(email)
    validation.check_password(password)
    full_name = validation.check_text(full_name, "fullName")
    if await get_by_email(session, email) is not None:
        raise Conflict("An account with this email already exists.", argument="email")
    user = User(
        email=email,
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        password_hash=await asyncio.to_thread(security.hash_password, password),
        full_name=full_name,
        role=role,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # lost a race with a concurrent registration
        raise Conflict("An account with this email already exists.", argument="email") from exc
    return user


def _filtered(query: Select[T], *, role: Role | None, search: str | None) -> Select[T]:
    if role is not None:
        query = query.where(User.role == role)
    if search:
        pattern = validation.contains_pattern(search)
        query = query.where(
            or_(
                func.lower(User.full_name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    return query


async def list_users(
    session: queries.Reader,
    *,
    page: PageRequest,
    role: Role | None = None,
    search: str | None = None,
) -> Page[Row[Any]]:
    """Plain rows with the model's columns as attributes (read-only)."""
    query = _filtered(select(User.__table__), role=role, search=search)
    if page.after is not None:
        query = query.where(User.id > page.after.id)
    rows = (await session.execute(query.order_by(User.id).limit(page.limit))).all()
    return Page.from_overfetch(list(rows), page)


async def count_users(
    session: queries.Reader, *, role: Role | None = None, search: str | None = None
) -> int:
    query = _filtered(select(func.count()).select_from(User), role=role, search=search)
    return int(await session.scalar(query) or 0)


async def set_role(session: AsyncSession, *, user_id: int, role: Role) -> User:
    """Change a role; CONFLICT when it would leave no ADMIN."""
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("No such user.")
    if user.role == Role.ADMIN and role != Role.ADMIN:
        admins = await session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN)
        )
        if (admins or 0) <= 1:
            raise Conflict("This is the last ADMIN; promote another account first.")
    user.role = role
    await session.flush()
    return user


@dataclass(frozen=True)
class Home:
    latitude: float
    longitude: float


# The profile fields updateProfile may change (a change names only those it sets).
PROFILE_FIELDS = frozenset(
    {"full_name", "phone", "date_of_birth", "time_zone", "home", "email_notifications"}
)


async def update_profile(session: AsyncSession, *, user_id: int, changes: dict[str, Any]) -> User:
    """Apply any subset of PROFILE_FIELDS to the user's own account (checked first: a bad
    value changes nothing). `home` is a Home or None (cleared); `phone` None clears it."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    values: dict[str, Any] = {}
    if "full_name" in changes:
        values["full_name"] = validation.check_text(changes["full_name"] or "", "fullName")
    if "phone" in changes:
        values["phone"] = validation.check_phone(changes["phone"])
    if "date_of_birth" in changes:
        today = datetime.now(UTC).date()
        values["date_of_birth"] = validation.check_birth_date(changes["date_of_birth"], today)
    if "time_zone" in changes:
        values["time_zone"] = validation.check_time_zone(changes["time_zone"] or "")
    if "home" in changes:
        home: Home | None = changes["home"]
        latitude, longitude = (
            validation.check_geo_point(home.latitude, home.longitude, "home")
            if home is not None
            else (None, None)
        )
        values.update(home_latitude=latitude, home_longitude=longitude)
    if "email_notifications" in changes:
        if changes["email_notifications"] is None:
            raise BadUserInput(
                "`emailNotifications` must be true or false.", argument="emailNotifications"
            )
        values["email_notifications"] = bool(changes["email_notifications"])
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("No such user.")
    for name, value in values.items():
        setattr(user, name, value)
    await session.flush()
    return user
