"""The typed request context: settings, database, loaders, and the viewer, read lazily."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum

from strawberry.fastapi import BaseContext

from graphql_api import security
from graphql_api.config import Settings
from graphql_api.db import Database
from graphql_api.errors import Forbidden, InvalidToken, Unauthenticated
from graphql_api.graphql.loading.loaders import Loaders
from graphql_api.graphql.loading.reads import Reads
from graphql_api.metrics import Metrics
from graphql_api.models import Role, User
from graphql_api.pubsub import Broker
from graphql_api.ratelimit import Limits


class TokenState(Enum):
    ABSENT = "absent"
    VALID = "valid"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class ViewerState:
    token: TokenState
    user: User | None = None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` value; '' for a malformed header."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


class Context(BaseContext):
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        broker: Broker,
        limits: Limits,
        metrics: Metrics,
        authorization: str | None,
        client_ip: str | None = None,
        shared_reads: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.db = db
        self.broker = broker
        self.limits = limits
        self.metrics = metrics
        self.client_ip = client_ip
        self._may_share_reads = shared_reads
        self._share_reads = False  # until the operation is known to be a query
        self._reads: Reads | None = None
        self._loaders: Loaders | None = None
        self._token = bearer_token(authorization)
        self._viewer: asyncio.Future[ViewerState] | None = None

    @property
    def reads(self) -> Reads:
        """Where this operation's reads run (graphql/reads.py; shared on SQLite over HTTP)."""
        if self._reads is None:
            self._reads = Reads(self.db, shared=self._may_share_reads and self._share_reads)
        return self._reads

    def share_reads(self, allowed: bool) -> None:
        """Set before execution: whether this operation's reads may share one connection."""
        self._share_reads = allowed

    def forbid_shared_reads(self) -> None:
        """From now on, for every operation on this context (a batch's operations run
        concurrently; an ended operation's late work must not open a shared connection)."""
        self._may_share_reads = False

    @property
    def loaders(self) -> Loaders:
        """This operation's DataLoaders (built on first use)."""
        if self._loaders is None:
            self._loaders = Loaders(self.reads)
        return self._loaders

    async def end_operation(self) -> None:
        """The operation is answered: free its loaders and give back its read connection.
        Work still settling afterwards (a sibling of a failed batch) reads on connections of
        its own, closed after each use: nothing would close a new shared one."""
        self.forbid_shared_reads()
        self.release_loaders()
        reads, self._reads = self._reads, None
        if reads is not None:
            await reads.close()

    def release_loaders(self) -> None:
        """Forget what this operation loaded, once it is answered.

        Whatever still refers to this context after the operation (an error's traceback, a
        reference cycle, a WebSocket between operations) then holds no rows. Over a WebSocket
        the next operation gets fresh loaders, and with them fresh data."""
        loaders, self._loaders = self._loaders, None
        if loaders is not None:
            loaders.clear()

    def use_authorization(self, authorization: str | None) -> None:
        """Replace the credentials (over WebSocket they arrive in `connection_init`, after the
        context was built)."""
        self._token = bearer_token(authorization)
        self._viewer = None

    async def viewer_state(self) -> ViewerState:
        # Sibling resolvers ask concurrently: decode and load the viewer once.
        if self._viewer is None:
            self._viewer = asyncio.ensure_future(self._load_viewer())
        return await self._viewer

    async def _load_viewer(self) -> ViewerState:
        if self._token is None:
            return ViewerState(TokenState.ABSENT)
        claims = security.decode_access_token(self.settings, self._token) if self._token else None
        if claims is None:
            return ViewerState(TokenState.INVALID)
        # Read from the database on every request: a role change or removal applies at once.
        user = await self.loaders.user.load(claims.user_id)
        if user is None:
            return ViewerState(TokenState.INVALID)
        if claims.version != user.token_version:  # issued before a password change
            return ViewerState(TokenState.INVALID)
        return ViewerState(TokenState.VALID, user)

    async def viewer(self) -> User | None:
        """The signed-in user, or None (anonymous, or a token that is not valid)."""
        return (await self.viewer_state()).user

    async def require_viewer(self) -> User:
        state = await self.viewer_state()
        if state.user is not None:
            return state.user
        if state.token is TokenState.INVALID:
            raise InvalidToken()
        raise Unauthenticated()

    async def require_staff(self) -> User:
        user = await self.require_viewer()
        if not user.is_staff:
            raise Forbidden("This needs the STAFF or ADMIN role.")
        return user

    async def require_admin(self) -> User:
        user = await self.require_viewer()
        if user.role != Role.ADMIN:
            raise Forbidden("This needs the ADMIN role.")
        return user
