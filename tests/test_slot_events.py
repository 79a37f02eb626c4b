"""slotChanged events: announced after the commit of every change of bookedCount or status, and
only then (a failed mutation announces nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from graphql_api.graphql.schema import ids
from graphql_api.models import Role
from tests.helpers import Api


@pytest.fixture
async def events(api: Api) -> AsyncIterator[asyncio.Queue[int]]:
    heard: asyncio.Queue[int] = asyncio.Queue()
    started = asyncio.Event()

    async def listen() -> None:
        subscription = api.app.state.broker.subscribe()
        first = asyncio.ensure_future(anext(subscription))
        started.set()
        heard.put_nowait(await first)
        async for slot_id in subscription:
            heard.put_nowait(slot_id)

    task = asyncio.create_task(listen())
    await started.wait()
    await asyncio.sleep(0)  # the subscriber's queue is registered on its first step
    yield heard
    task.cancel()


async def _drain(queue: asyncio.Queue[int]) -> list[int]:
    # Announcements are published before the mutation returns; one turn of the loop lets the
    # listener task move them from the broker into `queue`.
    await asyncio.sleep(0)
    found: list[int] = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


async def test_every_capacity_or_status_change_is_announced(
    api: Api, events: asyncio.Queue[int]
) -> None:
    staff, customer = await api.user(Role.STAFF), await api.user()
    first = await api.create_slot(staff, capacity=1, starts_in_hours=30)
    second = await api.create_slot(staff, capacity=2, starts_in_hours=60)
    pk = {s["id"]: ids.decode(s["id"], "BookingSlot") for s in (first, second)}
    await _drain(events)

    booking = (await api.book(customer, first["id"])).ok()["createBooking"]
    assert await _drain(events) == [pk[first["id"]]]

    full = await api.book(await api.user(), first["id"])
    assert full.code == "SLOT_FULL"
    assert await _drain(events) == []  # nothing committed, nothing announced

    moved = await api.gql(
        "mutation($id: ID!, $s: ID!) { rescheduleBooking(id: $id, slotId: $s) { id } }",
        {"id": booking["id"], "s": second["id"]},
        token=customer.token,
    )
    assert moved.errors == []
    assert sorted(await _drain(events)) == sorted(pk.values())

    cancelled = await api.gql(
        "mutation($id: ID!) { cancelBooking(id: $id) { id } }",
        {"id": booking["id"]},
        token=customer.token,
    )
    assert cancelled.errors == []
    assert await _drain(events) == [pk[second["id"]]]

    updated = await api.gql(
        "mutation($id: ID!) { updateSlot(id: $id, input: {status: CLOSED}) { id } }",
        {"id": first["id"]},
        token=staff.token,
    )
    assert updated.errors == []
    assert await _drain(events) == [pk[first["id"]]]

    renamed = await api.gql(
        'mutation($id: ID!) { updateSlot(id: $id, input: {title: "New"}) { id } }',
        {"id": first["id"]},
        token=staff.token,
    )
    assert renamed.errors == []
    assert await _drain(events) == []  # neither bookedCount nor status changed

    await api.book(customer, second["id"])
    await _drain(events)
    slot_cancel = await api.gql(
        "mutation($id: ID!) { cancelSlot(id: $id) { id } }",
        {"id": second["id"]},
        token=staff.token,
    )
    assert slot_cancel.errors == []
    assert await _drain(events) == [pk[second["id"]]]
