"""WebSocket operations under the persisted-query allow-list.

Strawberry's WebSocket handlers run whatever document a `subscribe` (graphql-transport-ws) or
`start` (graphql-ws) message carries; the allow-list (`PERSISTED_QUERIES_ONLY`) is applied by
the router's HTTP path only (`BookingRouter.execute_single`). These handlers refuse a document
that is not on the list before it is parsed, with the protocol's own error message, so "only the
documents in that file run" (docs/CLIENTS.md) holds on every transport.
"""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from graphql_api.graphql.apq import NOT_REGISTERED, PersistedQueries, refused


async def _refused(view: Any, query: object) -> bool:
    """Whether allow-list mode is on and `query` is not on the list (the HTTP path's own check,
    PersistedQueries.resolve, for a document sent in full)."""
    persisted: PersistedQueries | None = getattr(view, "persisted_queries", None)
    if persisted is None or persisted.allow_list is None:
        return False
    if not isinstance(query, str):
        return True
    return (await persisted.resolve(query, None)).error is not None


def _query_of(message: Any) -> tuple[bool, object]:
    """(whether the message carries a document to check, the document). Without a payload or
    a `query`, Strawberry's own handling answers (it closes the socket as malformed)."""
    payload = message.get("payload")
    if not isinstance(payload, dict) or "query" not in payload:
        return False, None
    return True, payload["query"]


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        carries, query = _query_of(message)
        # A reused id or a socket not yet acknowledged: Strawberry closes the socket itself.
        if (
            carries
            and self.connection_acknowledged
            and message["id"] not in self.operations
            and await _refused(self.view, query)
        ):
            error = refused(NOT_REGISTERED).formatted
            await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
            return
        await super().handle_subscribe(message)


class LegacyWSHandler(BaseGraphQLWSHandler[Any, None]):
    async def handle_start(self, message: StartMessage) -> None:
        carries, query = _query_of(message)
        if carries and self.connection_acknowledged and await _refused(self.view, query):
            # A `start` with an id in use replaces that operation (as Strawberry's does).
            await self.cleanup_operation(message["id"])
            error = refused(NOT_REGISTERED).formatted
            await self.send_message({"type": "error", "id": message["id"], "payload": error})
            return
        await super().handle_start(message)
