"""Persisted queries over WebSocket.

Strawberry's WebSocket handlers run whatever document a `subscribe` (graphql-transport-ws) or
`start` (graphql-ws) message carries; persisted queries are applied by the router's HTTP path
only (`BookingRouter.execute_single`). These handlers apply the same rules before Strawberry
parses anything: an operation sent by hash alone (`extensions.persistedQuery`, as Apollo's APQ
link and generated clients send it) runs the stored or listed document, and in allow-list mode
(`PERSISTED_QUERIES_ONLY`) a document not on the list is refused with the protocol's own error
message, so "only the documents in that file run" (docs/CLIENTS.md) holds on every transport.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from graphql_api.compat import (
    BaseGraphQLTransportWSHandler,
    BaseGraphQLWSHandler,
    StartMessage,
    SubscribeMessage,
)
from graphql_api.graphql.transport.apq import NOT_REGISTERED, PersistedQueries, refused


async def _resolve_persisted(view: Any, payload: object) -> GraphQLError | None:
    """Put the document to run into an operation's `payload`, or say why it is refused.

    A payload without a `query` or a `persistedQuery` is left to Strawberry (which closes the
    socket as malformed); a document sent in full is only checked against the allow-list."""
    persisted: PersistedQueries | None = getattr(view, "persisted_queries", None)
    if persisted is None or not isinstance(payload, dict):
        return None
    extensions = payload.get("extensions")
    by_hash = isinstance(extensions, dict) and "persistedQuery" in extensions
    if not by_hash:
        if persisted.allow_list is None or "query" not in payload:
            return None
        if not isinstance(payload["query"], str):
            return refused(NOT_REGISTERED)
    query = payload.get("query")
    resolution = await persisted.resolve(
        query if isinstance(query, str) else None, extensions if by_hash else None
    )
    if resolution.error is not None:
        return refused(resolution.error)
    payload["query"] = resolution.query
    return None


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # A reused id or a socket not yet acknowledged: Strawberry closes the socket itself.
        if self.connection_acknowledged and message["id"] not in self.operations:
            error = await _resolve_persisted(self.view, message.get("payload"))
            if error is not None:
                payload = [error.formatted]
                await self.send_message({"id": message["id"], "type": "error", "payload": payload})
                return
        await super().handle_subscribe(message)


class LegacyWSHandler(BaseGraphQLWSHandler[Any, None]):
    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            error = await _resolve_persisted(self.view, message.get("payload"))
            if error is not None:
                # A `start` with an id in use replaces that operation (as Strawberry's does).
                await self.cleanup_operation(message["id"])
                await self.send_message(
                    {"type": "error", "id": message["id"], "payload": error.formatted}
                )
                return
        await super().handle_start(message)
