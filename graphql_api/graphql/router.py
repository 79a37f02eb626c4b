"""The GraphQL router: Strawberry's FastAPI router with our JSON encoder and WebSocket sign-in."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, process_result
from cross_web import HTTPException
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from graphql_api.graphql.context import Context
from graphql_api.graphql.extensions import format_error


class BookingRouter(GraphQLRouter[Context, None]):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute_operation(*args, **kwargs)
        except HTTPException as exc:
            # GraphQL-over-HTTP: a mutation over GET is 405 Method Not Allowed, not 400.
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, exc.reason) from exc
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Errors raised while parsing (e.g. the token limit) skip the extensions' operation hook;
        # formatting here too gives every HTTP error its code (formatting is idempotent).
        if result.errors:
            result.errors = [format_error(error) for error in result.errors]
        return process_result(result)

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
