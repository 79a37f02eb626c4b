"""Comparing the level-at-a-time executor with graphql-core's over HTTP: a small world of
slots, bookings and records, and the same request answered by both (tests/test_executor.py,
tests/test_written.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql_api.engine.executor import FastExecutor
from graphql_api.models import Role
from tests.domain_helpers import (
    add_note,
    base_time,
    book,
    cancel_booking,
    complete,
    make_slot,
    reschedule,
)
from tests.helpers import Account, Api


async def world(api: Api) -> dict[str, Any]:
    staff = await api.user(Role.STAFF, name="Staff Member")
    other_staff = await api.user(Role.STAFF)
    alice = await api.user()
    bob = await api.user()
    carol = await api.user()
    slots = [
        await make_slot(
            api, staff, base_time(48 + 2 * i), capacity=3, title=f"Slot {i}", staffId=staff.gid
        )
        for i in range(4)
    ]
    slots.append(await make_slot(api, other_staff, base_time(60), location=None))  # no staff
    kept = await book(api, alice, slots[0]["id"], notes="window seat")
    await book(api, bob, slots[0]["id"])
    moved = await book(api, alice, slots[1]["id"])
    (await reschedule(api, alice.token, moved["id"], slots[2]["id"])).ok()
    dropped = await book(api, carol, slots[3]["id"])
    (await cancel_booking(api, carol.token, dropped["id"], "ill")).ok()
    done = await book(api, bob, slots[4]["id"])
    (await complete(api, staff.token, done["id"], "went well")).ok()
    (await add_note(api, staff.token, note="called back", bookingId=kept["id"])).ok()
    (await add_note(api, staff.token, note="prefers mornings", userId=bob.gid)).ok()
    admin = await api.user(Role.ADMIN)
    return {"staff": staff, "admin": admin, "alice": alice, "bob": bob, "kept": kept}


@contextmanager
def _graphql_core(api: Api) -> Iterator[None]:
    schema = api.app.state.schema
    assert schema.execution_context_class is FastExecutor
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        yield
    finally:
        schema.execution_context_class = FastExecutor


async def same(
    api: Api, query: str, variables: dict[str, Any] | None, who: Account | None
) -> dict[str, Any]:
    token = who.token if who else None
    fast = await api.gql(query, variables, token=token)
    with _graphql_core(api):
        core = await api.gql(query, variables, token=token)
    assert fast.status == core.status
    assert fast.data == core.data
    assert json.dumps(fast.data) == json.dumps(core.data)  # the key order too
    assert fast.body.keys() == core.body.keys()
    if fast.data is None and core.data is None and fast.errors and core.errors:
        # A null that propagated up to `data`: execution stops at the first of the sibling
        # failures to happen, and which sibling fails first is scheduling (the spec leaves it
        # open; graphql-core alone reports a different list index depending on what ran
        # before). The same errors, then, up to the list positions in their paths.
        assert _up_to_positions(fast.errors) == _up_to_positions(core.errors)
        return fast.body
    # The same errors; their order is the order fields finished in, which the spec leaves open.
    assert sorted(fast.errors, key=repr) == sorted(core.errors, key=repr)
    return fast.body


def _up_to_positions(errors: list[dict[str, Any]]) -> set[str]:
    return {
        repr({**e, "path": ["#" if isinstance(p, int) else p for p in e.get("path") or []]})
        for e in errors
    }
