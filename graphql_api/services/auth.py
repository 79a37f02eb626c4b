"""Sign-in, token issue and rotation, sign-out, password change."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import security
from graphql_api.config import Settings
from graphql_api.db import utcnow
from graphql_api.errors import Unauthenticated
from graphql_api.models import RefreshToken, User
from graphql_api.services import users as user_service
from graphql_api.services import validation
from graphql_api.services.tx import CommitAndRaise

_BAD_CREDENTIALS = "Wrong email or password."
_BAD_REFRESH = "The refresh token is invalid, expired or revoked; sign in again."


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


async def issue_tokens(
    session: AsyncSession, settings: Settings, *, user: User, family_id: str | None = None
) -> TokenPair:
    """A new access token and a new refresh token (in `family_id`, or a new family)."""
    refresh = security.new_refresh_token()
    now = utcnow()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or str(uuid.uuid4()),
            token_hash=security.hash_refresh_token(refresh),
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_expire_days),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=security.create_access_token(
            settings, user.id, version=user.token_version, now=now
        ),
        refresh_token=refresh,
        expires_in=settings.access_token_expire_minutes * 60,
        user=user,
    )


async def register(
    session: AsyncSession, settings: Settings, *, email: str, password: str, full_name: str
) -> TokenPair:
    user = await user_service.create(session, email=email, password=password, full_name=full_name)
    return await issue_tokens(session, settings, user=user)


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User | None:
    """The user for these credentials, or None. Unknown emails cost a hash check too."""
    try:
        normalized = validation.normalize_email(email)
    except Exception:
        normalized = None
    user = await user_service.get_by_email(session, normalized) if normalized else None
    ok = await asyncio.to_thread(
        security.verify_password,
        password[: validation.MAX_PASSWORD * 4],
        user.password_hash if user else None,
    )
    return user if ok and user is not None else None


async def login(
    session: AsyncSession, settings: Settings, *, email: str, password: str
) -> TokenPair:
    user = await authenticate(session, email=email, password=password)
    if user is None:
        raise Unauthenticated(_BAD_CREDENTIALS)
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(security.hash_password, password)
    return await issue_tokens(session, settings, user=user)


async def refresh(session: AsyncSession, settings: Settings, *, refresh_token: str) -> TokenPair:
    """Rotate: the presented token is spent and a successor issued in the same family.
    Presenting a spent token again means it leaked: the whole family is revoked (RFC 9700)."""
    token = await session.scalar(
        select(RefreshToken).where(
            RefreshToken.token_hash == security.hash_refresh_token(refresh_token)
        )
    )
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthenticated(_BAD_REFRESH)
    # Conditional update: of two concurrent uses of one token, exactly one wins.
    spent = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        await _revoke_family(session, token.family_id)
        raise CommitAndRaise(Unauthenticated(_BAD_REFRESH))
    user = await session.get(User, token.user_id)
    if user is None:
        raise Unauthenticated(_BAD_REFRESH)
    return await issue_tokens(session, settings, user=user, family_id=token.family_id)


async def _revoke_family(session: AsyncSession, family_id: str) -> int:
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def logout(session: AsyncSession, *, refresh_token: str) -> bool:
    """Revoke the token's family. True if a live session ended, False if there was none."""
    family_id = await session.scalar(
        select(RefreshToken.family_id).where(
            RefreshToken.token_hash == security.hash_refresh_token(refresh_token)
        )
    )
    if family_id is None:
        return False
    return await _revoke_family(session, family_id) > 0


async def change_password(
    session: AsyncSession, *, user_id: int, current_password: str, new_password: str
) -> None:
    """Set a new password and end every session: refresh tokens are revoked and access tokens
    issued before now stop working."""
    validation.check_password(new_password, "newPassword")
    user = await session.get(User, user_id)
    if user is None:
        raise Unauthenticated()
    ok = await asyncio.to_thread(security.verify_password, current_password, user.password_hash)
    if not ok:
        raise Unauthenticated("The current password is wrong.", argument="currentPassword")
    user.password_hash = await asyncio.to_thread(security.hash_password, new_password)
    await end_sessions(session, user)


async def end_sessions(session: AsyncSession, user: User) -> None:
    """Every refresh token of the user revoked, and every access token issued before now
    refused (the `ver` claim)."""
    user.token_version += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
