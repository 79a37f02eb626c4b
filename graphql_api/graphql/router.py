"""The GraphQL router: Strawberry's FastAPI router with our JSON encoder and WebSocket sign-in."""

from __future__ import annotations

from typing import Any

import orjson
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UnsetType

from graphql_api.graphql.context import Context


class BookingRouter(GraphQLRouter[Context, None]):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws: the access token comes in connection_init's payload."""
        params: Any = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        if not isinstance(authorization, str):
            raise ConnectionRejectionError({"message": "An access token is required."})
        context.use_authorization(authorization)
        if await context.viewer() is None:
            raise ConnectionRejectionError({"message": "The access token is invalid or expired."})
        return None
