"""A walk through the API with the typed client that ariadne-codegen generates (booking_client).

Sign in, rotate the refresh token, read `me`, page through the available slots with cursors,
book one while listening to it over WebSocket (graphql-transport-ws), find the booking among
mine, cancel it, hear the slot change, and show that the spent refresh token is refused.

    ./setup.sh      # generates booking_client/ from ../../schema.graphql and queries.graphql
    python run.py --url http://127.0.0.1:8000/graphql \\
        --email customer05@example.com --password demo-customer-password

The last line printed is JSON: {"ok": true, ...}, or {"ok": false, "errors": [...]} with exit
status 1 (GraphQL errors carry their `extensions.code`, e.g. UNAUTHENTICATED).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import httpx
from booking_client import (
    BookingStatus,
    Client,
    GraphQLClientError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    MyBookingsMeBookingsEdgesNode,
    SlotChanged,
    SlotFields,
    SlotFilter,
    SlotStatus,
)
from websockets.exceptions import WebSocketException


class Failure(Exception):
    """The API answered, but not what the walk-through expects."""


def error_codes(error: GraphQLClientGraphQLMultiError) -> list[str]:
    """Each GraphQL error's `extensions.code` (the API's contract: every error has one)."""
    return [str((e.extensions or {}).get("code")) for e in error.errors]


def overlaps(slot: SlotFields, booking: MyBookingsMeBookingsEdgesNode) -> bool:
    return slot.starts_at < booking.slot.ends_at and booking.slot.starts_at < slot.ends_at


def slot_json(slot: SlotFields) -> dict[str, Any]:
    return {
        "id": slot.id,
        "title": slot.title,
        "startsAt": slot.starts_at.isoformat(),
        "timeZone": slot.time_zone,
        "bookedCount": slot.booked_count,
        "capacity": slot.capacity,
    }


async def confirmed_bookings(client: Client, page_size: int) -> list[MyBookingsMeBookingsEdgesNode]:
    """All of my CONFIRMED bookings, page by page."""
    found: list[MyBookingsMeBookingsEdgesNode] = []
    after: str | None = None
    while True:
        me = (
            await client.my_bookings(first=page_size, after=after, status=BookingStatus.CONFIRMED)
        ).me
        if me is None:
            raise Failure("me is null although a token was sent")
        found.extend(edge.node for edge in me.bookings.edges)
        if not me.bookings.page_info.has_next_page:
            return found
        after = me.bookings.page_info.end_cursor


async def available_slots(client: Client, page_size: int) -> tuple[list[SlotFields], int]:
    """Every available future slot, following `pageInfo.endCursor`; and how many pages it took."""
    slot_filter = SlotFilter(available_only=True, starts_after=datetime.now(UTC))
    slots: list[SlotFields] = []
    pages = 0
    after: str | None = None
    while True:
        page = (await client.slots(first=page_size, after=after, filter_=slot_filter)).slots
        pages += 1
        slots.extend(edge.node for edge in page.edges)
        if not page.page_info.has_next_page:
            if len(slots) != page.total_count:
                raise Failure(f"paged {len(slots)} slots, totalCount says {page.total_count}")
            return slots, pages
        if page.edges[-1].cursor != page.page_info.end_cursor:
            raise Failure("the last edge's cursor is not pageInfo.endCursor")
        after = page.page_info.end_cursor


class LiveClient(Client):
    """The generated client, telling when a subscription's `subscribe` message has gone out.

    graphql-transport-ws has no "subscribed" acknowledgement, and the generated subscription
    method connects, waits for connection_ack and subscribes all inside its first `anext()`.
    This hook (on the base class ariadne-codegen copies into the package) lets us start a
    mutation only once the server has the subscription, instead of guessing with a sleep.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscribe_sent = asyncio.Event()

    async def _send_subscribe(self, *args: Any, **kwargs: Any) -> None:
        await super()._send_subscribe(*args, **kwargs)
        self.subscribe_sent.set()


class SlotListener:
    """Reads a slotChanged subscription in the background, so that mutations can run meanwhile.

    `heard` waits (up to a deadline, never a sleep) for an event showing a given bookedCount.
    """

    def __init__(self, client: LiveClient, slot_id: str) -> None:
        self._client = client
        self._events = client.slot_changed(slot_id=slot_id)
        self._next: asyncio.Future[SlotChanged] = asyncio.ensure_future(anext(self._events))
        self.seen: list[SlotFields] = []

    async def subscribed(self, within: float) -> None:
        """Return once the subscribe message is sent; raise the connection's error if it fails."""
        sent = asyncio.ensure_future(self._client.subscribe_sent.wait())
        either: set[asyncio.Future[Any]] = {sent, self._next}
        try:
            await asyncio.wait(either, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sent.cancel()
        if not self._client.subscribe_sent.is_set():
            if self._next.done():
                self._next.result()  # e.g. the WebSocket refused, or connection_ack never came
            raise Failure(f"not subscribed within {within} s")

    async def heard(self, booked_count: int, within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            done, _ = await asyncio.wait({self._next}, timeout=max(0.0, deadline - loop.time()))
            if not done:
                return False
            try:
                event = self._next.result().slot_changed
            except StopAsyncIteration:
                raise Failure("the server ended the subscription") from None
            self.seen.append(event)
            self._next = asyncio.ensure_future(anext(self._events))
            if event.booked_count == booked_count:
                return True

    async def close(self) -> None:
        self._next.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await self._next
        if isinstance(self._events, AsyncGenerator):
            await self._events.aclose()  # closes the WebSocket


async def walk(url: str, email: str, password: str, page_size: int) -> dict[str, Any]:
    ws_url = "ws" + url.removeprefix("http")  # http -> ws, https -> wss
    async with Client(url=url) as anonymous:
        signed_in = (await anonymous.login(email=email, password=password)).login
        # Rotation: the refresh token just used is spent; the answer holds its successor.
        session = (
            await anonymous.refresh_token(refresh_token=signed_in.refresh_token)
        ).refresh_token
    if session.refresh_token == signed_in.refresh_token:
        raise Failure("refreshToken did not rotate the refresh token")

    auth = {"Authorization": f"Bearer {session.access_token}"}
    async with LiveClient(
        url=url,
        headers=auth,  # every HTTP request
        ws_url=ws_url,
        ws_connection_init_payload=auth,  # the WebSocket's connection_init payload
    ) as client:
        me = (await client.me()).me
        if me is None or me.email is None or me.email.lower() != email.lower():
            raise Failure(f"me is {me!r}, not {email}")

        held = await confirmed_bookings(client, page_size)
        slots, pages = await available_slots(client, page_size)
        slot = next(
            (
                s
                for s in slots
                if s.status == SlotStatus.OPEN
                and s.remaining > 0
                and not any(overlaps(s, b) for b in held)
            ),
            None,
        )
        if slot is None:
            raise Failure("no available slot fits this user's calendar")

        listener = SlotListener(client, slot.id)
        try:
            await listener.subscribed(within=10)
            booking = (
                await client.create_booking(slot_id=slot.id, notes="python-client")
            ).create_booking
            if booking.status != BookingStatus.CONFIRMED or booking.slot.id != slot.id:
                raise Failure(f"createBooking answered {booking!r}")
            heard_booking = await listener.heard(booking.slot.booked_count, within=5)

            mine = await confirmed_bookings(client, page_size)
            if booking.id not in {b.id for b in mine}:
                raise Failure("the new booking is not among my confirmed bookings")

            cancelled = (
                await client.cancel_booking(id=booking.id, reason="example")
            ).cancel_booking
            if cancelled.status != BookingStatus.CANCELLED:
                raise Failure(f"cancelBooking answered {cancelled!r}")
            # Registered by now for certain (it heard the booking, or has had seconds more).
            if not await listener.heard(cancelled.slot.booked_count, within=10):
                raise Failure("no slotChanged event for the cancellation within 10 s")
        finally:
            await listener.close()

    # Presenting the spent refresh token again is refused (and, as reuse of a leaked token,
    # ends that session): a typed GraphQL error whose extensions.code we read.
    async with Client(url=url) as anonymous:
        try:
            await anonymous.refresh_token(refresh_token=signed_in.refresh_token)
        except GraphQLClientGraphQLMultiError as error:
            spent = error_codes(error)
        else:
            raise Failure("the spent refresh token still worked")
    if spent != ["UNAUTHENTICATED"]:
        raise Failure(f"the spent refresh token gave {spent}")

    return {
        "ok": True,
        "user": {"id": me.id, "fullName": me.full_name, "role": me.role.value},
        "availableSlots": len(slots),
        "pages": pages,
        "slot": slot_json(slot),
        "booking": {"id": booking.id, "status": booking.status.value},
        "cancelled": cancelled.status.value,
        "events": [e.booked_count for e in listener.seen],
        "heardBooking": heard_booking,
        "spentRefreshToken": spent[0],
    }


def failure_report(error: Exception) -> dict[str, Any]:
    if isinstance(error, GraphQLClientGraphQLMultiError):
        return {
            "ok": False,
            "errors": [
                {"code": code, "message": e.message, "path": e.path}
                for code, e in zip(error_codes(error), error.errors, strict=True)
            ],
        }
    if isinstance(error, GraphQLClientHttpError):
        # e.g. 401 with an UNAUTHENTICATED error when the access token is expired or revoked.
        body: Any = None
        if isinstance(error.response, httpx.Response):
            with contextlib.suppress(ValueError):
                body = error.response.json()
        errors = body.get("errors", []) if isinstance(body, dict) else []
        return {
            "ok": False,
            "httpStatus": error.status_code,
            "errors": [
                {"code": (e.get("extensions") or {}).get("code"), "message": e.get("message")}
                for e in errors
            ],
        }
    return {"ok": False, "error": f"{type(error).__name__}: {error}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--email", default="customer05@example.com")
    parser.add_argument("--password", default="demo-customer-password")
    parser.add_argument("--page-size", type=int, default=25)
    args = parser.parse_args()
    try:
        report = asyncio.run(walk(args.url, args.email, args.password, args.page_size))
    except (
        GraphQLClientError,
        Failure,
        httpx.HTTPError,
        WebSocketException,
        OSError,
        TimeoutError,
    ) as error:
        print(json.dumps(failure_report(error)))
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
