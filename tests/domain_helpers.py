"""Helpers for the booking-domain tests: slots at exact instants, the staff and customer verbs,
listings, and a snapshot of the whole state for "a failing mutation changes nothing"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graphql_api.graphql.schema import ids
from tests.helpers import Account, Api, GraphQLResult, future, iso

SLOT_FIELDS = """id title location startsAt endsAt timeZone capacity bookedCount remaining
    status createdAt staff { id }"""
BOOKING_FIELDS = """id status customerName notes createdAt updatedAt
    slot { id bookedCount remaining } user { id }"""
RECORD_FIELDS = """id kind note createdAt actor { id } user { id } booking { id } slot { id }
    fromSlot { id } toSlot { id }"""


def base_time(hours: float = 48) -> datetime:
    """A whole-second instant in the future, to build slots at exact offsets from."""
    return future(hours)


def parse_dt(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


def missing_id(type_name: str) -> str:
    return ids.encode(type_name, 987_654)


def slot_input(
    starts: datetime,
    *,
    minutes: int = 60,
    capacity: int = 5,
    title: str = "Flu vaccination",
    location: str | None = "Main clinic",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "title": title,
        "location": location,
        "startsAt": iso(starts),
        "endsAt": iso(starts + timedelta(minutes=minutes)),
        "capacity": capacity,
        **extra,
    }


async def create_slot_result(api: Api, token: str | None, data: dict[str, Any]) -> GraphQLResult:
    return await api.gql(
        f"""mutation($input: CreateSlotInput!) {{
            createSlot(input: $input) {{ {SLOT_FIELDS} }} }}""",
        {"input": data},
        token=token,
    )


async def make_slot(api: Api, staff: Account, starts: datetime, **kwargs: Any) -> dict[str, Any]:
    """A slot starting exactly at `starts` (see `slot_input` for the keywords)."""
    result = await create_slot_result(api, staff.token, slot_input(starts, **kwargs))
    slot: dict[str, Any] = result.ok()["createSlot"]
    return slot


async def update_slot(api: Api, token: str | None, slot_id: str, **fields: Any) -> GraphQLResult:
    return await api.gql(
        f"""mutation($id: ID!, $input: UpdateSlotInput!) {{
            updateSlot(id: $id, input: $input) {{ {SLOT_FIELDS} }} }}""",
        {"id": slot_id, "input": fields},
        token=token,
    )


async def cancel_slot(
    api: Api, token: str | None, slot_id: str, reason: str | None = None
) -> GraphQLResult:
    return await api.gql(
        f"""mutation($id: ID!, $reason: String) {{
            cancelSlot(id: $id, reason: $reason) {{ {SLOT_FIELDS} }} }}""",
        {"id": slot_id, "reason": reason},
        token=token,
    )


async def move_to_past(api: Api, staff: Account, slot_id: str, *, hours_ago: float = 1) -> None:
    """Staff move a slot's start into the past (its end stays in the future): it has started."""
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    (await update_slot(api, staff.token, slot_id, startsAt=iso(starts))).ok()


async def book(api: Api, account: Account, slot_id: str, **extra: Any) -> dict[str, Any]:
    """A booking that must succeed."""
    booking: dict[str, Any] = (await api.book(account, slot_id, **extra)).ok()["createBooking"]
    return booking


async def cancel_booking(
    api: Api, token: str | None, booking_id: str, reason: str | None = None
) -> GraphQLResult:
    return await api.gql(
        f"""mutation($id: ID!, $reason: String) {{
            cancelBooking(id: $id, reason: $reason) {{ {BOOKING_FIELDS} }} }}""",
        {"id": booking_id, "reason": reason},
        token=token,
    )


async def reschedule(api: Api, token: str | None, booking_id: str, slot_id: str) -> GraphQLResult:
    return await api.gql(
        f"""mutation($id: ID!, $slotId: ID!) {{
            rescheduleBooking(id: $id, slotId: $slotId) {{ {BOOKING_FIELDS} }} }}""",
        {"id": booking_id, "slotId": slot_id},
        token=token,
    )


async def complete(
    api: Api, token: str | None, booking_id: str, note: str | None = None
) -> GraphQLResult:
    return await api.gql(
        f"""mutation($id: ID!, $note: String) {{
            completeBooking(id: $id, note: $note) {{ {BOOKING_FIELDS} }} }}""",
        {"id": booking_id, "note": note},
        token=token,
    )


async def no_show(
    api: Api, token: str | None, booking_id: str, note: str | None = None
) -> GraphQLResult:
    return await api.gql(
        f"""mutation($id: ID!, $note: String) {{
            markNoShow(id: $id, note: $note) {{ {BOOKING_FIELDS} }} }}""",
        {"id": booking_id, "note": note},
        token=token,
    )


async def add_note(api: Api, token: str | None, **data: Any) -> GraphQLResult:
    return await api.gql(
        f"""mutation($input: AddNoteInput!) {{ addNote(input: $input) {{ {RECORD_FIELDS} }} }}""",
        {"input": data},
        token=token,
    )


async def get_slot(api: Api, slot_id: str, token: str | None = None) -> dict[str, Any]:
    result = await api.gql(
        f"query($id: ID!) {{ slot(id: $id) {{ {SLOT_FIELDS} }} }}", {"id": slot_id}, token=token
    )
    slot: dict[str, Any] = result.ok()["slot"]
    return slot


async def get_booking(api: Api, token: str, booking_id: str) -> dict[str, Any]:
    result = await api.gql(
        f"query($id: ID!) {{ booking(id: $id) {{ {BOOKING_FIELDS} }} }}",
        {"id": booking_id},
        token=token,
    )
    booking: dict[str, Any] = result.ok()["booking"]
    return booking


async def slots_page(
    api: Api,
    *,
    token: str | None = None,
    first: int | None = None,
    after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> GraphQLResult:
    return await api.gql(
        f"""query($first: Int, $after: String, $filter: SlotFilter) {{
            slots(first: $first, after: $after, filter: $filter) {{
                totalCount
                pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
                edges {{ cursor node {{ {SLOT_FIELDS} }} }} }} }}""",
        {"first": first, "after": after, "filter": filter},
        token=token,
    )


async def slot_ids(api: Api, filter: dict[str, Any] | None = None) -> list[str]:
    data = (await slots_page(api, first=100, filter=filter)).ok()["slots"]
    return [edge["node"]["id"] for edge in data["edges"]]


async def list_bookings(
    api: Api, token: str, filter: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    data = (
        await api.gql(
            f"""query($filter: BookingFilter) {{ bookings(first: 100, filter: $filter) {{
                totalCount edges {{ node {{ {BOOKING_FIELDS} }} }} }} }}""",
            {"filter": filter},
            token=token,
        )
    ).ok()["bookings"]
    return [edge["node"] for edge in data["edges"]], data["totalCount"]


async def list_records(
    api: Api, token: str, filter: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    data = (
        await api.gql(
            f"""query($filter: RecordFilter) {{ records(first: 100, filter: $filter) {{
                totalCount edges {{ node {{ {RECORD_FIELDS} }} }} }} }}""",
            {"filter": filter},
            token=token,
        )
    ).ok()["records"]
    return [edge["node"] for edge in data["edges"]], data["totalCount"]


async def record_total(api: Api, staff: Account) -> int:
    return (await list_records(api, staff.token))[1]


def ref(node: dict[str, Any] | None) -> str | None:
    return None if node is None else node["id"]


def shape(record: dict[str, Any]) -> dict[str, Any]:
    """A record reduced to its kind, references and note (for exact comparisons)."""
    return {
        "kind": record["kind"],
        "actor": ref(record["actor"]),
        "user": ref(record["user"]),
        "booking": ref(record["booking"]),
        "slot": ref(record["slot"]),
        "fromSlot": ref(record["fromSlot"]),
        "toSlot": ref(record["toSlot"]),
        "note": record["note"],
    }


async def new_records(api: Api, staff: Account, since: int) -> list[dict[str, Any]]:
    """Records written after `since` records existed (oldest first), as `shape`s."""
    nodes, total = await list_records(api, staff.token)
    assert total - since <= 100
    return [shape(r) for r in reversed(nodes[: total - since])]


async def snapshot(api: Api, staff: Account) -> dict[str, Any]:
    """Every slot, booking and record as staff see them: compare before/after a failure."""
    slots = (await slots_page(api, token=staff.token, first=100)).ok()["slots"]
    bookings, booking_total = await list_bookings(api, staff.token)
    records, record_total_ = await list_records(api, staff.token)
    return {
        "slots": [edge["node"] for edge in slots["edges"]],
        "slotTotal": slots["totalCount"],
        "bookings": bookings,
        "bookingTotal": booking_total,
        "records": records,
        "recordTotal": record_total_,
    }


async def assert_counts_consistent(api: Api, staff: Account) -> None:
    """bookedCount and remaining equal the confirmed bookings of every slot."""
    slots = (await slots_page(api, token=staff.token, first=100)).ok()["slots"]["edges"]
    bookings, _ = await list_bookings(api, staff.token, {"status": "CONFIRMED"})
    for edge in slots:
        slot = edge["node"]
        confirmed = sum(1 for b in bookings if b["slot"]["id"] == slot["id"])
        assert slot["bookedCount"] == confirmed, slot
        assert slot["remaining"] == slot["capacity"] - confirmed, slot
