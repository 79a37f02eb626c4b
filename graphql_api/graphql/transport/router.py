"""The GraphQL router: Strawberry's FastAPI router with our JSON encoder and WebSocket sign-in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

import orjson
from fastapi import Response
from fastapi.responses import HTMLResponse
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from graphql_api import compat
from graphql_api.compat import AsyncHTTPRequestAdapter, HTTPException, InvalidOperationTypeError
from graphql_api.engine import run_prepared
from graphql_api.graphiql import graphiql_response
from graphql_api.graphql.loading.context import Context
from graphql_api.graphql.schema.build import Schema
from graphql_api.graphql.transport.apq import PersistedQueries, refused
from graphql_api.graphql.transport.extensions import finish_operation, format_error
from graphql_api.graphql.transport.websocket import LegacyWSHandler, TransportWSHandler

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# The media type negotiated for the response being built (set per request, read when encoding).
_response_media_type: ContextVar[str] = ContextVar("graphql_response_media_type", default=JSON)


def negotiate_media_type(accept: str | None) -> str:
    """GraphQL-over-HTTP: `application/graphql-response+json` when the client names it with a
    quality at least that of `application/json`; otherwise (no Accept, `*/*`, anything else)
    `application/json`, whose errors travel with HTTP 200 as the contract promises."""
    quality: dict[str, float] = {}
    for media_range in (accept or "").split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[media_type.lower()] = max(q, quality.get(media_type.lower(), 0.0))
    preferred = quality.get(GRAPHQL_RESPONSE_JSON, 0.0)
    if preferred > 0 and preferred >= quality.get(JSON, 0.0):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def _is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation, variable and document-limit errors: nothing was executed."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


_BODY_SHAPE = "The request body must be a JSON object, or a list of objects for a batch."


def _check_batch_item(item: GraphQLRequestData) -> None:
    """The checks Strawberry makes on a single request, for each operation of a batch."""
    if not isinstance(item.query, str | None):
        raise HTTPException(400, "The GraphQL operation's `query` must be a string or null.")
    if not isinstance(item.operation_name, str | None):
        raise HTTPException(400, "The `operationName` must be a string or null.")
    for name, value in (("variables", item.variables), ("extensions", item.extensions)):
        if not isinstance(value, dict | None):
            raise HTTPException(400, f"The GraphQL operation's `{name}` must be an object or null.")


ContextGetter = Callable[[HTTPConnection], Awaitable[Context]]


class BookingRouter(GraphQLRouter[Context, None]):
    """Strawberry's view with our JSON, errors, persisted queries and WebSocket sign-in, served
    by plain Starlette routes (`routes_for_app()`). GraphQLRouter also registers FastAPI routes
    on itself; they are not used: they solve a dependency graph per request (~0.1 ms, a third of
    a `{ me { id } }` request's time outside execution) only to build the context and a
    sub-response."""

    persisted_queries: PersistedQueries | None = None
    # The allow-list applies to WebSocket operations too (graphql/websocket.py).
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, schema: Any, *, path: str, context_getter: ContextGetter, **kwargs: Any):
        super().__init__(schema, path=path, context_getter=context_getter, **kwargs)
        self.path = path
        self._new_context = context_getter

    def routes_for_app(self) -> list[BaseRoute]:
        """GET, POST and the WebSocket at `path`; other methods answer 405 with `Allow`."""
        http = Route(self.path, self._serve_http, methods=["GET", "POST"])
        http.methods = {"GET", "POST"}  # Starlette adds HEAD to GET routes; GraphQL has none
        return [http, WebSocketRoute(self.path, self._serve_websocket)]

    async def _serve_http(self, request: Request) -> Response:
        context = await self._new_context(request)
        # What FastAPI injects as `response`: headers and a status for the answer, nothing else.
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        # (No `background_tasks`, which FastAPI injected: nothing here schedules any.)
        context.request = request
        context.response = sub_response
        request.state.graphql_sub_response = sub_response
        try:
            if request.method == "POST":
                answered = await self._serve_prepared(request, context, sub_response)
                if answered is not None:
                    return answered
            return await self.run(request=request, context=context, root_value=None)
        except HTTPException as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status_code)

    async def _serve_prepared(
        self, request: Request, context: Context, sub_response: Response
    ) -> Response | None:
        """A query document validated before, straight through graphql-core (graphql/prepared.py);
        None for the full path."""
        schema = self.schema
        if not isinstance(schema, Schema) or schema.prepared is None:
            return None
        if self.persisted_queries is not None and self.persisted_queries.allow_list is not None:
            return None  # allow-list mode (even an empty list): every document is checked
        store = schema.prepared
        content_type = request.headers.get("content-type", "")
        if content_type.partition(";")[0].strip().lower() != JSON:
            return None
        if compat.requests_streaming(self, request.headers):
            return None
        try:
            body = self.decode_json(await request.body())
        except orjson.JSONDecodeError:
            return None
        found = store.request(body)
        if found is None:
            return None
        document, variables = found
        result: Any = await run_prepared(
            compat.graphql_core_schema(schema),
            document,
            variables,
            context,
            schema.execution_context_class,
            finish_operation,
        )
        return self.create_response(await self.process_result(request, result), sub_response)

    async def _serve_websocket(self, websocket: WebSocket) -> None:
        context = await self._new_context(websocket)
        context.request = websocket
        await self.run(request=websocket, context=context, root_value=None)

    async def get_sub_response(self, request: Request) -> Response:
        # Made per request by _serve_http (GraphQLRouter passed it through an attribute of
        # the router, set and read back before the request could yield).
        sub_response: Response = request.state.graphql_sub_response
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry assumes an object (or a list of objects): `5`, `"x"`, `null` or `[1]` would
        raise AttributeError, a 500. They are 400, like any other malformed request."""
        try:
            data = await super().parse_http_body(request)
        except AttributeError as exc:
            raise HTTPException(400, _BODY_SHAPE) from exc
        if isinstance(data, list):
            for item in data:
                _check_batch_item(item)
        return data

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """Resolve persisted queries (APQ / allow-list) before Strawberry sees the document."""
        request_data: GraphQLRequestData = kwargs["request_data"]
        if self.persisted_queries is not None:
            resolution = await self.persisted_queries.resolve(
                request_data.query, request_data.extensions
            )
            if resolution.error is not None:
                return ExecutionResult(data=None, errors=[refused(resolution.error)])
            kwargs["request_data"] = replace(request_data, query=resolution.query)
        return await super().execute_single(*args, **kwargs)

    def decode_json(self, data: str | bytes) -> object:
        # orjson, not json: invalid UTF-8 and nesting past 1,024 levels raise its JSONDecodeError
        # (a json.JSONDecodeError, so Strawberry answers 400) instead of UnicodeDecodeError or
        # RecursionError, which were 500s.
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        # Text, not bytes: WebSocket messages must be text frames (graphql-transport-ws clients
        # refuse binary ones). HTTP responses use orjson's bytes directly (create_response).
        return orjson.dumps(data).decode()

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = _response_media_type.get()
        status = sub_response.status_code or 200
        if (
            media_type == GRAPHQL_RESPONSE_JSON
            and status == 200
            and isinstance(response_data, dict)
            and "data" not in response_data
        ):
            status = 400  # a request error (see process_result): the spec's 400
        response = Response(orjson.dumps(response_data), media_type=media_type, status_code=status)
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context")
        if isinstance(kwargs.get("request_data"), list) and isinstance(context, Context):
            # A batch's operations run concurrently on one context: a mutation among them must
            # not end up holding a shared read connection (graphql/reads.py).
            context.forbid_shared_reads()
        try:
            return await super().execute_operation(*args, **kwargs)
        except HTTPException as exc:
            # GraphQL-over-HTTP: a mutation over GET is 405 Method Not Allowed, not 400.
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, exc.reason) from exc
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # Errors raised while parsing (e.g. the token limit) skip the extensions' operation hook;
        # formatting here too gives every HTTP error its code (formatting is idempotent).
        if result.errors:
            result.errors = [format_error(error) for error in result.errors]
        media_type = negotiate_media_type(request.headers.get("accept"))
        _response_media_type.set(media_type)
        response = process_result(result)
        if media_type == GRAPHQL_RESPONSE_JSON and _is_request_error(result):
            # application/graphql-response+json: a request error has no `data` entry.
            response.pop("data", None)
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from this package's own assets (no CDN), headers pane on; see graphiql.py."""
        return graphiql_response(request)

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
