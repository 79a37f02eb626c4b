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
      slots(first: 50, filter: {availableOnly: true}) {
        edges { node { id title startsAt endsAt remaining } }
      }
      me { bookings(first: 100, status: CONFIRMED) { edges { node { slot { startsAt endsAt } } } } }
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
CANCEL = gql("mutation Cancel($id: ID!) { cancelBooking(id: $id) { id status } }")


def pick_free_slot(data: dict[str, Any]) -> dict[str, Any]:
    """The first open slot that overlaps none of the user's confirmed bookings."""
    held = [b["node"]["slot"] for b in data["me"]["bookings"]["edges"]]
    for edge in data["slots"]["edges"]:
        slot = edge["node"]
        if all(h["endsAt"] <= slot["startsAt"] or h["startsAt"] >= slot["endsAt"] for h in held):
            return dict(slot)
    raise SystemExit("no open slot fits this user's calendar")


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
        slot = pick_free_slot(await client.execute(OPEN_SLOTS))
        updates = live.subscribe(SLOT_CHANGED, variable_values={"slotId": slot["id"]})
        next_update = asyncio.ensure_future(anext(updates))  # type: ignore[arg-type]

        booking = await client.execute(BOOK, variable_values={"slotId": slot["id"]})
        try:
            update = await asyncio.wait_for(asyncio.shield(next_update), timeout=3)
        except TimeoutError:
            # graphql-transport-ws has no "subscribed" acknowledgement: the server may have
            # registered the subscription just after our booking. It is registered now, so
            # any later change reaches us: release the place and take it again.
            booking_id = booking["createBooking"]["id"]
            await client.execute(CANCEL, variable_values={"id": booking_id})
            await asyncio.wait_for(next_update, timeout=10)
            booking = await client.execute(BOOK, variable_values={"slotId": slot["id"]})
            update = await asyncio.wait_for(anext(updates), timeout=10)  # type: ignore[arg-type]
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
