"""A typed client walk-through with the `gql` library: sign in over HTTP, pick an open slot,
listen to it over WebSocket (graphql-transport-ws), book it, and print the live update.

    pip install 'gql[httpx,websockets]'
    python examples/book_and_listen.py --url http://127.0.0.1:8000/graphql \\
        --email customer01@example.com --password demo-customer-password
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from gql import Client, gql
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

LOGIN = gql(
    """mutation Login($email: String!, $password: String!) {
      login(input: {email: $email, password: $password}) { accessToken user { fullName } }
    }"""
)
OPEN_SLOTS = gql(
    """query OpenSlots {
      slots(first: 10, filter: {availableOnly: true}) {
        edges { node { id title startsAt remaining } }
      }
    }"""
)
SLOT_CHANGED = gql(
    """subscription SlotChanged($slotId: ID!) {
      slotChanged(slotId: $slotId) { id bookedCount remaining status }
    }"""
)
BOOK = gql(
    """mutation Book($slotId: ID!) {
      createBooking(input: {slotId: $slotId}) { id status slot { title } }
    }"""
)


async def run(url: str, email: str, password: str) -> dict[str, Any]:
    """Returns what happened (also printed), so a test can check it."""
    async with Client(transport=HTTPXAsyncTransport(url=url)) as anonymous:
        signed_in = await anonymous.execute(
            LOGIN, variable_values={"email": email, "password": password}
        )
    token = signed_in["login"]["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}

    http = HTTPXAsyncTransport(url=url, headers=auth)
    ws = WebsocketsTransport(
        url=url.replace("http", "ws", 1),
        init_payload=auth,  # the token travels in connection_init
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=http) as client, Client(transport=ws) as live:
        slots = await client.execute(OPEN_SLOTS)
        edges = slots["slots"]["edges"]
        if not edges:
            raise SystemExit("no open slot to book")
        slot = edges[0]["node"]
        updates = live.subscribe(SLOT_CHANGED, variable_values={"slotId": slot["id"]})
        first_update = asyncio.ensure_future(anext(updates))  # type: ignore[arg-type]

        # graphql-transport-ws has no "subscribed" acknowledgement: give the server a moment to
        # register the subscription before the booking it should report.
        await asyncio.sleep(0.5)
        booking = await client.execute(BOOK, variable_values={"slotId": slot["id"]})
        update = await asyncio.wait_for(first_update, timeout=10)
    result = {
        "user": signed_in["login"]["user"]["fullName"],
        "slot": slot,
        "booking": booking["createBooking"],
        "update": update["slotChanged"],
    }
    print(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--email", default="customer01@example.com")
    parser.add_argument("--password", default="demo-customer-password")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.email, args.password))


if __name__ == "__main__":
    main()
