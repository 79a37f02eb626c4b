"""WebSocket operations under the persisted-query allow-list.

Strawberry's WebSocket handlers run whatever document a `subscribe` (graphql-transport-ws) or
`start` (graphql-ws) message carries; the allow-list (`PERSISTED_QUERIES_ONLY`) is applied by
the router's HTTP path only (`BookingRouter.execute_single`). These handlers refuse a document
that is not on the list before it is parsed, with the protocol's own error message, so "only the
documents in that file run" (docs/CLIENTS.md) holds on every transport.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from graphql_api.graphql.apq import sha256_of

REFUSED = "Only registered (persisted) documents are accepted."


def _refused(view: Any, query: object) -> bool:
    """Whether allow-list mode is on and `query` is not on the list."""
    persisted = getattr(view, "persisted_queries", None)
    allow_list = getattr(persisted, "allow_list", None)
    if allow_list is None:
        return False
    return not isinstance(query, str) or sha256_of(query) not in allow_list


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: Any = message.get("payload") or {}
        if self.connection_acknowledged and _refused(self.view, payload.get("query")):
            error = GraphQLError(REFUSED, extensions={"code": "BAD_USER_INPUT"})
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)


class LegacyWSHandler(BaseGraphQLWSHandler[Any, None]):
    async def handle_start(self, message: StartMessage) -> None:
        payload: Any = message.get("payload") or {}
        if self.connection_acknowledged and _refused(self.view, payload.get("query")):
            await self.send_message(
                {
                    "type": "error",
                    "id": message["id"],
                    "payload": {"message": REFUSED, "extensions": {"code": "BAD_USER_INPUT"}},
                }
            )
            return
        await super().handle_start(message)
