"""Accounts: lookup, listing and roles."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from graphql_api import security
from graphql_api.errors import Conflict, NotFound
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
