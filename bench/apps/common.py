"""Shared by the bench servers: settings from the environment, the SQL statement counter, the
viewer check and the product's output formats (global ids, cursors, DateTime).

Must not import Strawberry: the graphene server runs in its own virtualenv without it (graphene
3 pins graphql-core < 3.3; Strawberry needs >= 3.3).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graphql_api import security
from graphql_api.config import Settings
from graphql_api.db import Database
from graphql_api.models import User
from graphql_api.services import users as user_service
from graphql_api.statement_trace import watch_statements

_NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


def settings() -> Settings:
    """The product's Settings, read from the environment the runner sets."""
    return Settings()


class StatementCounter:
    """Counts the SQL statements the database runs for an engine (transaction control and
    pragmas excluded). Read over sequential requests only: increments come from aiosqlite's
    threads and are not locked."""

    def __init__(self) -> None:
        self.statements = 0

    def install(self, engine: AsyncEngine) -> None:
        # Counted by the database where it can (graphql_api.statement_trace.watch_statements):
        # an engine event listener would switch the product's direct SQLite reads off.
        watch_statements(engine, self._count)

    def _count(self, statement: str) -> None:
        if not statement.lstrip().upper().startswith(_NOT_COUNTED):
            self.statements += 1

    def route(self) -> Route:
        async def stats(_request: Request) -> JSONResponse:
            return JSONResponse({"statements": self.statements, "pid": os.getpid()})

        return Route("/__bench/stats", stats)


def disposing(db: Database) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A Starlette lifespan that closes the engine's pool on shutdown."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        await db.dispose()

    return lifespan


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def serialize_datetime(value: datetime) -> str:
    """The product's DateTime output (graphql_api/graphql/types/base.py)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Forbidden(Exception):
    code = "FORBIDDEN"


class Unauthenticated(Exception):
    code = "UNAUTHENTICATED"


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def load_viewer(db: Database, config: Settings, authorization: str | None) -> User | None:
    """What the product's context does: decode the access token, read the user, check
    `tokens_valid_after`. One statement."""
    token = bearer(authorization)
    claims = security.decode_access_token(config, token) if token else None
    if claims is None:
        return None
    async with db.read() as session:
        found = await user_service.get_by_ids(session, [claims.user_id])
    user = found[0] if found else None
    return user if user is not None and token_still_valid(claims, user) else None


def token_still_valid(claims: Any, user: Any) -> bool:
    """The product's revocation rule, whichever of its two forms this checkout has: a token
    version bumped by a password change, or a `tokens_valid_after` instant."""
    if hasattr(user, "token_version"):
        return bool(getattr(claims, "version", 0) == user.token_version)
    valid_after = getattr(user, "tokens_valid_after", None)
    return valid_after is None or claims.issued_at >= valid_after


async def require_staff(viewer: User | None) -> User:
    if viewer is None:
        raise Unauthenticated("An access token is required.")
    if not viewer.is_staff:
        raise Forbidden("Only STAFF and ADMIN see who booked a slot.")
    return viewer
