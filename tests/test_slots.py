"""Slots through HTTP: createSlot, the slots/slot/node queries, updateSlot and cancelSlot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graphql_api.graphql.schema import ids
from graphql_api.models import Role
from tests.domain_helpers import (
    SLOT_FIELDS,
    base_time,
    book,
    cancel_booking,
    cancel_slot,
    create_slot_result,
    get_slot,
    list_bookings,
    make_slot,
    missing_id,
    new_records,
    parse_dt,
    record_total,
    slot_ids,
    slot_input,
    slots_page,
    snapshot,
    update_slot,
)
from tests.helpers import Api, every_page, iso, node_ids

# --- createSlot ---------------------------------------------------------------------------


async def test_staff_and_admin_create_slots(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    admin = await api.user(Role.ADMIN)
    starts = base_time()
    result = await create_slot_result(
        api,
        staff.token,
        slot_input(
            starts,
            minutes=45,
            capacity=3,
            title="Flu vaccination",
            location="Room 4",
            timeZone="Europe/Berlin",
            staffId=staff.gid,
        ),
    )
    slot = result.ok()["createSlot"]
    assert slot["title"] == "Flu vaccination"
    assert slot["location"] == "Room 4"
    assert parse_dt(slot["startsAt"]) == starts
    assert parse_dt(slot["endsAt"]) == starts + timedelta(minutes=45)
    assert slot["timeZone"] == "Europe/Berlin"
    assert (slot["capacity"], slot["bookedCount"], slot["remaining"]) == (3, 0, 3)
    assert slot["status"] == "OPEN"
    assert slot["staff"] == {"id": staff.gid}
    assert ids.decode(slot["id"], "BookingSlot") > 0

    by_admin = await create_slot_result(api, admin.token, slot_input(starts + timedelta(hours=2)))
    assert by_admin.ok()["createSlot"]["status"] == "OPEN"
    assert len(await slot_ids(api)) == 2


async def test_customer_may_not_create_slots_and_anonymous_must_sign_in(api: Api) -> None:
    customer = await api.user(Role.CUSTOMER)
    forbidden = await create_slot_result(api, customer.token, slot_input(base_time()))
    assert forbidden.code == "FORBIDDEN"
    assert forbidden.data is None
    anonymous = await create_slot_result(api, None, slot_input(base_time()))
    assert anonymous.code == "UNAUTHENTICATED"
    assert anonymous.data is None
    assert await slot_ids(api) == []


async def test_ends_at_must_be_after_starts_at(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    starts = base_time()
    for ends in (starts, starts - timedelta(minutes=1)):
        data = {**slot_input(starts), "endsAt": iso(ends)}
        result = await create_slot_result(api, staff.token, data)
        assert result.code == "BAD_USER_INPUT", result
    assert await slot_ids(api) == []


async def test_capacity_from_1_to_10000(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    starts = base_time()
    for capacity in (0, -1, 10_001):
        result = await create_slot_result(api, staff.token, slot_input(starts, capacity=capacity))
        assert result.code == "BAD_USER_INPUT", (capacity, result)
    assert await slot_ids(api) == []
    for capacity in (1, 10_000):
        slot = await make_slot(api, staff, starts, capacity=capacity)
        assert (slot["capacity"], slot["remaining"]) == (capacity, capacity)


async def test_naive_datetime_is_bad_user_input_as_variable(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    good = slot_input(datetime(2027, 3, 1, 9, tzinfo=UTC))
    for field in ("startsAt", "endsAt"):
        data = {**good, field: "2027-03-01T09:30:00"}
        result = await create_slot_result(api, staff.token, data)
        assert result.code == "BAD_USER_INPUT", (field, result)
    garbage = await create_slot_result(api, staff.token, {**good, "startsAt": "next tuesday"})
    assert garbage.code == "BAD_USER_INPUT"
    assert await slot_ids(api) == []


async def test_naive_datetime_is_bad_user_input_as_inline_literal(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    template = """mutation {{ createSlot(input: {{title: "Yoga", capacity: 3,
        startsAt: "{starts}", endsAt: "{ends}"}}) {{ id startsAt endsAt }} }}"""
    naive = await api.gql(
        template.format(starts="2027-03-01T09:00:00", ends="2027-03-01T10:00:00+00:00"),
        token=staff.token,
    )
    assert naive.code == "BAD_USER_INPUT", naive
    naive_end = await api.gql(
        template.format(starts="2027-03-01T09:00:00Z", ends="2027-03-01T10:00:00"),
        token=staff.token,
    )
    assert naive_end.code == "BAD_USER_INPUT", naive_end
    assert await slot_ids(api) == []
    aware = await api.gql(
        template.format(starts="2027-03-01T09:00:00+08:00", ends="2027-03-01T10:00:00+08:00"),
        token=staff.token,
    )
    assert aware.ok()["createSlot"]["startsAt"] == "2027-03-01T01:00:00Z"


async def test_time_zone_must_be_iana(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    for zone in ("Mars/Base", "", "Europe/Nowhere", "+08:00"):
        result = await create_slot_result(api, staff.token, slot_input(base_time(), timeZone=zone))
        assert result.code == "BAD_USER_INPUT", (zone, result)
    assert await slot_ids(api) == []
    slot = await make_slot(api, staff, base_time(), timeZone="Asia/Singapore")
    assert slot["timeZone"] == "Asia/Singapore"


async def test_time_zone_defaults_to_utc(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    data = slot_input(base_time())
    assert "timeZone" not in data
    slot = (await create_slot_result(api, staff.token, data)).ok()["createSlot"]
    assert slot["timeZone"] == "UTC"


async def test_outputs_are_utc_and_offsets_keep_the_instant(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    data = {
        **slot_input(base_time()),
        "startsAt": "2027-03-01T09:00:00+08:00",
        "endsAt": "2027-03-01T10:30:00+08:00",
        "timeZone": "Asia/Singapore",
    }
    slot = (await create_slot_result(api, staff.token, data)).ok()["createSlot"]
    assert slot["startsAt"] == "2027-03-01T01:00:00Z"
    assert slot["endsAt"] == "2027-03-01T02:30:00Z"
    assert slot["createdAt"].endswith("Z")
    stored = await get_slot(api, slot["id"])
    assert stored["startsAt"] == "2027-03-01T01:00:00Z"
    assert stored["endsAt"] == "2027-03-01T02:30:00Z"
    # The same instant written with another offset finds it.
    found = await slot_ids(
        api,
        {"startsAfter": "2027-02-28T20:00:00-05:00", "startsBefore": "2027-03-01T01:00:01Z"},
    )
    assert found == [slot["id"]]


async def test_staff_may_create_a_past_slot_that_can_never_be_booked(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    past = await api.create_slot(staff, starts_in_hours=-3, minutes=60)
    assert past["status"] == "OPEN"
    assert parse_dt(past["startsAt"]) < datetime.now(UTC)
    by_customer = await api.book(customer, past["id"])
    assert by_customer.code == "CONFLICT", by_customer
    by_staff = await api.book(staff, past["id"], userId=customer.gid)
    assert by_staff.code == "CONFLICT", by_staff
    # Still running (started, not ended): not bookable either.
    running = await api.create_slot(staff, starts_in_hours=-0.5, minutes=120)
    assert (await api.book(customer, running["id"])).code == "CONFLICT"
    assert (await get_slot(api, past["id"]))["bookedCount"] == 0
    assert (await list_bookings(api, staff.token))[1] == 0


async def test_create_slot_checks_title_and_staff_id(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    blank = await create_slot_result(api, staff.token, slot_input(base_time(), title="  "))
    assert blank.code == "BAD_USER_INPUT"
    not_staff = await create_slot_result(
        api, staff.token, slot_input(base_time(), staffId=customer.gid)
    )
    assert not_staff.code == "BAD_USER_INPUT"
    bad_id = await create_slot_result(api, staff.token, slot_input(base_time(), staffId="nope"))
    assert bad_id.code == "BAD_USER_INPUT"
    assert await slot_ids(api) == []


# --- slots query --------------------------------------------------------------------------


async def test_slots_are_ordered_by_start_with_a_total_count(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    offsets = [5, 1, 3, 0, 4, 2]
    created = {h: await make_slot(api, staff, base + timedelta(hours=h)) for h in offsets}
    data = (await slots_page(api)).ok()["slots"]
    assert data["totalCount"] == 6
    got = [edge["node"]["id"] for edge in data["edges"]]
    assert got == [created[h]["id"] for h in sorted(offsets)]
    starts = [parse_dt(edge["node"]["startsAt"]) for edge in data["edges"]]
    assert starts == sorted(starts)
    # Equal start times: a stable order (by id), no duplicates.
    twin = await make_slot(api, staff, base + timedelta(hours=3), title="Twin")
    again = [edge["node"]["id"] for edge in (await slots_page(api)).ok()["slots"]["edges"]]
    assert again.index(twin["id"]) == again.index(created[3]["id"]) + 1
    assert len(set(again)) == 7


async def test_slot_filter_by_time_window(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    a = await make_slot(api, staff, base)
    b = await make_slot(api, staff, base + timedelta(hours=2))
    c = await make_slot(api, staff, base + timedelta(hours=4))
    assert await slot_ids(api, {"startsAfter": iso(base + timedelta(hours=1))}) == [
        b["id"],
        c["id"],
    ]
    assert await slot_ids(api, {"startsAfter": iso(base + timedelta(hours=2))}) == [
        b["id"],
        c["id"],
    ]
    assert await slot_ids(api, {"startsBefore": iso(base + timedelta(hours=3))}) == [
        a["id"],
        b["id"],
    ]
    assert await slot_ids(
        api,
        {
            "startsAfter": iso(base + timedelta(hours=1)),
            "startsBefore": iso(base + timedelta(hours=3)),
        },
    ) == [b["id"]]
    naive = await slots_page(api, filter={"startsAfter": "2027-03-01T09:00:00"})
    assert naive.code == "BAD_USER_INPUT"
    total = (await slots_page(api, filter={"startsBefore": iso(base + timedelta(hours=3))})).ok()
    assert total["slots"]["totalCount"] == 2


async def test_slot_filter_available_only(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    base = base_time()
    open_slot = await make_slot(api, staff, base, capacity=2)
    full = await make_slot(api, staff, base + timedelta(hours=1), capacity=1)
    closed = await make_slot(api, staff, base + timedelta(hours=2))
    cancelled = await make_slot(api, staff, base + timedelta(hours=3))
    past = await api.create_slot(staff, starts_in_hours=-5)
    await book(api, customer, full["id"])
    await book(api, customer, open_slot["id"], notes="one place left")
    (await update_slot(api, staff.token, closed["id"], status="CLOSED")).ok()
    (await cancel_slot(api, staff.token, cancelled["id"])).ok()
    assert await slot_ids(api, {"availableOnly": True}) == [open_slot["id"]]
    assert len(await slot_ids(api, {"availableOnly": False})) == 5
    assert past["id"] in await slot_ids(api)
    data = (await slots_page(api, filter={"availableOnly": True})).ok()["slots"]
    assert data["totalCount"] == 1


async def test_slot_filter_by_status(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    open_slot = await make_slot(api, staff, base)
    closed = await make_slot(api, staff, base + timedelta(hours=1))
    cancelled = await make_slot(api, staff, base + timedelta(hours=2))
    (await update_slot(api, staff.token, closed["id"], status="CLOSED")).ok()
    (await cancel_slot(api, staff.token, cancelled["id"])).ok()
    assert await slot_ids(api, {"status": "OPEN"}) == [open_slot["id"]]
    assert await slot_ids(api, {"status": "CLOSED"}) == [closed["id"]]
    assert await slot_ids(api, {"status": "CANCELLED"}) == [cancelled["id"]]
    assert (await slots_page(api, filter={"status": "BOGUS"})).code == "BAD_USER_INPUT"


async def test_slot_filter_search_title_or_location_case_insensitive(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    flu = await make_slot(api, staff, base, title="Flu Vaccination", location="North Wing")
    yoga = await make_slot(api, staff, base + timedelta(hours=1), title="Yoga", location="Gym")
    pct = await make_slot(
        api, staff, base + timedelta(hours=2), title="100% fitness", location=None
    )
    assert await slot_ids(api, {"search": "vaccin"}) == [flu["id"]]
    assert await slot_ids(api, {"search": "FLU"}) == [flu["id"]]
    assert await slot_ids(api, {"search": "north wing"}) == [flu["id"]]
    assert await slot_ids(api, {"search": "gYm"}) == [yoga["id"]]
    assert await slot_ids(api, {"search": "o"}) == [flu["id"], yoga["id"]]
    assert await slot_ids(api, {"search": "nothing like it"}) == []
    # Wildcards are literal characters.
    assert await slot_ids(api, {"search": "%"}) == [pct["id"]]
    assert await slot_ids(api, {"search": "_"}) == []
    data = (await slots_page(api, filter={"search": "O"})).ok()["slots"]
    assert data["totalCount"] == 2


async def test_slot_filter_by_staff_id(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    other = await api.user(Role.STAFF)
    base = base_time()
    mine = await make_slot(api, staff, base, staffId=staff.gid)
    theirs = await make_slot(api, staff, base + timedelta(hours=1), staffId=other.gid)
    await make_slot(api, staff, base + timedelta(hours=2))
    assert await slot_ids(api, {"staffId": staff.gid}) == [mine["id"]]
    assert await slot_ids(api, {"staffId": other.gid}) == [theirs["id"]]
    assert (await slots_page(api, filter={"staffId": "garbage"})).code == "BAD_USER_INPUT"
    # Filters combine (AND).
    assert await slot_ids(api, {"staffId": other.gid, "search": "nope"}) == []


async def test_every_slot_filter_at_once_pages_with_a_cursor(api: Api) -> None:
    """The statements are built once per filter shape: the values of each request still
    decide (two requests of one shape, different values), and a cursor combines with them."""
    staff = await api.user(Role.STAFF)
    other = await api.user(Role.STAFF)
    base = base_time()
    wanted = [
        (await make_slot(api, staff, base + timedelta(hours=h), title="Yoga", staffId=staff.gid))[
            "id"
        ]
        for h in range(1, 6)
    ]
    theirs = await make_slot(api, staff, base + timedelta(hours=2), title="Yoga", staffId=other.gid)
    pilates = await make_slot(
        api, staff, base + timedelta(hours=3), title="Pilates", staffId=staff.gid
    )
    # Each of these fails exactly one filter: too late, too early, full, closed.
    await make_slot(api, staff, base + timedelta(hours=9), title="Yoga", staffId=staff.gid)
    early = await make_slot(api, staff, base - timedelta(hours=1), title="Yoga", staffId=staff.gid)
    full = await make_slot(
        api, staff, base + timedelta(hours=4), title="Yoga", staffId=staff.gid, capacity=1
    )
    await book(api, await api.user(), full["id"])
    closed = await make_slot(api, staff, base + timedelta(hours=6), title="Yoga", staffId=staff.gid)
    (await update_slot(api, staff.token, closed["id"], status="CLOSED")).ok()
    flt = {
        "startsAfter": iso(base),
        "startsBefore": iso(base + timedelta(hours=8)),
        "availableOnly": True,
        "status": "OPEN",
        "search": "yog",
        "staffId": staff.gid,
    }

    async def page(after: str | None) -> dict[str, Any]:
        slots: dict[str, Any] = (await slots_page(api, first=2, after=after, filter=flt)).ok()[
            "slots"
        ]
        return slots

    pages = await every_page(page)
    assert [data["totalCount"] for data in pages] == [5] * len(pages)
    assert node_ids(pages) == wanted
    # The same shape with other values.
    assert await slot_ids(api, {**flt, "staffId": other.gid}) == [theirs["id"]]
    assert await slot_ids(api, {**flt, "search": "pil"}) == [pilates["id"]]
    assert (
        await slot_ids(api, {**flt, "startsBefore": iso(base + timedelta(hours=3))}) == (wanted[:2])
    )
    assert await slot_ids(api, {**flt, "startsAfter": iso(base - timedelta(hours=2))}) == [
        early["id"],
        *wanted,
    ]
    assert await slot_ids(api, {**flt, "status": "CLOSED"}) == []


async def test_slots_cursor_pagination_has_no_gaps_or_repeats(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    expected = [(await make_slot(api, staff, base + timedelta(hours=h)))["id"] for h in range(7)]

    async def page(after: str | None) -> dict[str, Any]:
        slots: dict[str, Any] = (await slots_page(api, first=3, after=after)).ok()["slots"]
        return slots

    pages = await every_page(page)
    for number, data in enumerate(pages):
        assert data["totalCount"] == 7
        edges = data["edges"]
        info = data["pageInfo"]
        if number == 0:
            assert info["hasPreviousPage"] is False
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["endCursor"] == edges[-1]["cursor"]
    assert len(pages) == 3
    assert node_ids(pages) == expected
    # The default page size is 20; first: 0 is an empty page.
    assert len((await slots_page(api)).ok()["slots"]["edges"]) == 7
    empty = (await slots_page(api, first=0)).ok()["slots"]
    assert empty["edges"] == []
    assert empty["pageInfo"]["hasNextPage"] is True


async def test_slots_pagination_is_stable_while_slots_are_added(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    original = [
        (await make_slot(api, staff, base + timedelta(hours=2 * h)))["id"] for h in range(6)
    ]
    first = (await slots_page(api, first=2)).ok()["slots"]
    seen = [edge["node"]["id"] for edge in first["edges"]]
    after = first["pageInfo"]["endCursor"]
    # New slots arrive: one before the cursor, one at the very same start as the cursor's row,
    # and one later than every page seen so far.
    await make_slot(api, staff, base - timedelta(hours=1), title="Early")
    same_start = await make_slot(api, staff, base + timedelta(hours=2), title="Twin")
    late = await make_slot(api, staff, base + timedelta(hours=5), title="Late")
    while after is not None:
        data = (await slots_page(api, first=2, after=after)).ok()["slots"]
        seen += [edge["node"]["id"] for edge in data["edges"]]
        after = data["pageInfo"]["endCursor"] if data["pageInfo"]["hasNextPage"] else None
        # And one more lands between later fetches.
        if len(seen) == 4:
            await make_slot(api, staff, base + timedelta(hours=1), title="Behind")
    assert len(seen) == len(set(seen)), "a slot was repeated"
    assert [s for s in seen if s in original] == original, "an existing slot was skipped"
    assert same_start["id"] in seen  # same start, later id: it sorts after the cursor
    assert late["id"] in seen


async def test_first_defaults_to_20(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    base = base_time()
    for h in range(21):
        await make_slot(api, staff, base + timedelta(hours=h))
    data = (await slots_page(api)).ok()["slots"]
    assert len(data["edges"]) == 20
    assert data["totalCount"] == 21
    assert data["pageInfo"]["hasNextPage"] is True
    rest = (await slots_page(api, after=data["pageInfo"]["endCursor"])).ok()["slots"]
    assert len(rest["edges"]) == 1
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_first_over_100_and_bad_cursors(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    await make_slot(api, staff, base_time())
    assert (await slots_page(api, first=101)).code == "BAD_USER_INPUT"
    assert (await slots_page(api, first=-1)).code == "BAD_USER_INPUT"
    assert (await slots_page(api, first=100)).ok()["slots"]["totalCount"] == 1
    for cursor in ("not-a-cursor", "!!!", "Yzp4eXo", ids.encode("BookingSlot", 1)):
        result = await slots_page(api, first=5, after=cursor)
        assert result.code == "BAD_USER_INPUT", (cursor, result)
    # A cursor of another list (bookings are paged by id alone) is not a slots cursor either.
    customer = await api.user()
    slot = await make_slot(api, staff, base_time(72))
    await book(api, customer, slot["id"])
    booking_cursor = (
        await api.gql("{ bookings { edges { cursor } } }", token=customer.token)
    ).ok()["bookings"]["edges"][0]["cursor"]
    assert (await slots_page(api, after=booking_cursor)).code == "BAD_USER_INPUT"


# --- slot(id) and node(id) ----------------------------------------------------------------


async def test_slot_and_node_work_anonymously(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    slot = await make_slot(api, staff, base_time(), title="Open day")
    anonymous = await get_slot(api, slot["id"])
    assert anonymous == slot
    node = (
        await api.gql(
            f"""query($id: ID!) {{ node(id: $id) {{ __typename id
                ... on BookingSlot {{ {SLOT_FIELDS} }} }} }}""",
            {"id": slot["id"]},
        )
    ).ok()["node"]
    assert node["__typename"] == "BookingSlot"
    assert node["title"] == "Open day"
    assert node["id"] == slot["id"]
    listing = (await slots_page(api)).ok()["slots"]
    assert listing["edges"][0]["node"] == slot


async def test_unknown_and_malformed_slot_ids(api: Api) -> None:
    customer = await api.user()
    for token in (None, customer.token):
        unknown = await api.gql(
            "query($id: ID!) { slot(id: $id) { id } }", {"id": missing_id("BookingSlot")}, token
        )
        assert unknown.code == "NOT_FOUND", unknown
        node = await api.gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": missing_id("BookingSlot")}, token
        )
        assert node.code == "NOT_FOUND", node
        for bad in ("nope", "", "Qm9va2luZ1Nsb3Q6eA", ids.encode("Nothing", 1)):
            for field in ("slot", "node"):
                result = await api.gql(
                    f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", {"id": bad}, token
                )
                assert result.code == "BAD_USER_INPUT", (field, bad, result)
    # An id of another type is not a slot id.
    wrong_type = await api.gql(
        "query($id: ID!) { slot(id: $id) { id } }", {"id": customer.gid}, customer.token
    )
    assert wrong_type.code == "BAD_USER_INPUT"


# --- updateSlot ---------------------------------------------------------------------------


async def test_update_slot_changes_only_the_fields_given(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    other = await api.user(Role.STAFF)
    base = base_time()
    slot = await make_slot(api, staff, base, capacity=4, title="Old", location="Room 1")

    renamed = (await update_slot(api, staff.token, slot["id"], title="New")).ok()["updateSlot"]
    assert renamed == {**slot, "title": "New"}

    moved = (
        await update_slot(
            api,
            staff.token,
            slot["id"],
            startsAt="2027-05-01T10:00:00+02:00",
            endsAt="2027-05-01T11:15:00+02:00",
            timeZone="Europe/Paris",
        )
    ).ok()["updateSlot"]
    assert moved["startsAt"] == "2027-05-01T08:00:00Z"
    assert moved["endsAt"] == "2027-05-01T09:15:00Z"
    assert moved["timeZone"] == "Europe/Paris"
    assert (moved["title"], moved["location"], moved["capacity"]) == ("New", "Room 1", 4)

    bigger = (
        await update_slot(
            api, staff.token, slot["id"], capacity=9, location=None, staffId=other.gid
        )
    ).ok()["updateSlot"]
    assert (bigger["capacity"], bigger["remaining"], bigger["location"]) == (9, 9, None)
    assert bigger["staff"] == {"id": other.gid}
    assert bigger["title"] == "New"

    unchanged = (await update_slot(api, staff.token, slot["id"])).ok()["updateSlot"]
    assert unchanged == bigger
    assert await get_slot(api, slot["id"]) == bigger


async def test_update_slot_validates_like_create(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    slot = await make_slot(api, staff, base_time(), capacity=3)
    starts = parse_dt(slot["startsAt"])
    before = await snapshot(api, staff)
    cases = [
        {"endsAt": iso(starts)},
        {"startsAt": iso(starts + timedelta(hours=2))},
        {"startsAt": "2027-03-01T09:00:00"},
        {"endsAt": "2027-03-01T09:00:00"},
        {"timeZone": "Mars/Base"},
        {"capacity": 0},
        {"capacity": 10_001},
        {"title": ""},
        {"staffId": "garbage"},
    ]
    for fields in cases:
        result = await update_slot(api, staff.token, slot["id"], **fields)
        assert result.code == "BAD_USER_INPUT", (fields, result)
    assert await snapshot(api, staff) == before


async def test_update_slot_needs_staff_and_a_real_slot(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    assert (await update_slot(api, customer.token, slot["id"], title="x")).code == "FORBIDDEN"
    assert (await update_slot(api, None, slot["id"], title="x")).code == "UNAUTHENTICATED"
    missing = await update_slot(api, staff.token, missing_id("BookingSlot"), title="x")
    assert missing.code == "NOT_FOUND"
    assert (await update_slot(api, staff.token, "bad", title="x")).code == "BAD_USER_INPUT"
    assert (await get_slot(api, slot["id"]))["title"] == slot["title"]


async def test_capacity_cannot_go_below_booked_count(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    slot = await make_slot(api, staff, base_time(), capacity=5)
    for _ in range(3):
        await book(api, await api.user(), slot["id"])
    before = await snapshot(api, staff)
    result = await update_slot(api, staff.token, slot["id"], capacity=2, title="Renamed")
    assert result.code == "CONFLICT", result
    assert await snapshot(api, staff) == before
    exact = (await update_slot(api, staff.token, slot["id"], capacity=3)).ok()["updateSlot"]
    assert (exact["capacity"], exact["bookedCount"], exact["remaining"]) == (3, 3, 0)
    assert (await api.book(await api.user(), slot["id"])).code == "SLOT_FULL"


async def test_a_cancelled_slot_cannot_be_updated(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    slot = await make_slot(api, staff, base_time())
    (await cancel_slot(api, staff.token, slot["id"])).ok()
    before = await snapshot(api, staff)
    for fields in ({"title": "Back"}, {"status": "OPEN"}, {"capacity": 9}):
        result = await update_slot(api, staff.token, slot["id"], **fields)
        assert result.code == "CONFLICT", (fields, result)
    assert await snapshot(api, staff) == before
    assert (await get_slot(api, slot["id"]))["status"] == "CANCELLED"


async def test_closing_a_slot_makes_it_unbookable(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    early = await api.user()
    slot = await make_slot(api, staff, base_time(), capacity=3)
    held = await book(api, early, slot["id"])
    closed = (await update_slot(api, staff.token, slot["id"], status="CLOSED")).ok()["updateSlot"]
    assert closed["status"] == "CLOSED"
    assert closed["bookedCount"] == 1  # closing keeps the bookings already made
    result = await api.book(customer, slot["id"])
    assert result.code == "CONFLICT", result
    by_staff = await api.book(staff, slot["id"], userId=customer.gid)
    assert by_staff.code == "CONFLICT"
    assert (await get_slot(api, slot["id"]))["bookedCount"] == 1
    # Existing bookings of a closed slot can still be cancelled.
    (await cancel_booking(api, early.token, held["id"])).ok()
    reopened = (await update_slot(api, staff.token, slot["id"], status="OPEN")).ok()["updateSlot"]
    assert reopened["status"] == "OPEN"
    assert (await book(api, customer, slot["id"]))["status"] == "CONFIRMED"


async def test_update_slot_writes_one_slot_updated_record(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    admin = await api.user(Role.ADMIN)
    slot = await make_slot(api, staff, base_time())
    since = await record_total(api, staff)
    (await update_slot(api, admin.token, slot["id"], title="Renamed", capacity=8)).ok()
    written = await new_records(api, staff, since)
    assert len(written) == 1
    record = written[0]
    assert record["kind"] == "SLOT_UPDATED"
    assert (record["actor"], record["slot"]) == (admin.gid, slot["id"])
    assert (record["user"], record["booking"], record["fromSlot"], record["toSlot"]) == (
        None,
        None,
        None,
        None,
    )
    since += 1
    (await update_slot(api, staff.token, slot["id"], status="CLOSED")).ok()
    assert [r["kind"] for r in await new_records(api, staff, since)] == ["SLOT_UPDATED"]


async def test_update_slot_to_cancelled_cancels_its_bookings(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    booking = await book(api, customer, slot["id"])
    result = (await update_slot(api, staff.token, slot["id"], status="CANCELLED")).ok()
    assert result["updateSlot"]["status"] == "CANCELLED"
    assert result["updateSlot"]["bookedCount"] == 0
    bookings, _ = await list_bookings(api, staff.token, {"slotId": slot["id"]})
    assert [(b["id"], b["status"]) for b in bookings] == [(booking["id"], "CANCELLED")]


# --- cancelSlot ---------------------------------------------------------------------------


async def test_cancel_slot_cancels_every_confirmed_booking_with_records(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    customers = [await api.user() for _ in range(3)]
    slot = await make_slot(api, staff, base_time(), capacity=5)
    other = await make_slot(api, staff, base_time(96), capacity=5)
    booked = [await book(api, c, slot["id"]) for c in customers]
    # One booking was already cancelled by its customer; another customer is in another slot.
    (await cancel_booking(api, customers[0].token, booked[0]["id"])).ok()
    elsewhere = await book(api, customers[0], other["id"])
    since = await record_total(api, staff)

    result = (await cancel_slot(api, staff.token, slot["id"], reason="Nurse is ill")).ok()
    cancelled = result["cancelSlot"]
    assert cancelled["status"] == "CANCELLED"
    assert (cancelled["bookedCount"], cancelled["remaining"]) == (0, 5)

    written = await new_records(api, staff, since)
    assert len(written) == 3
    per_booking = sorted(
        (r for r in written if r["kind"] == "BOOKING_CANCELLED"), key=lambda r: r["booking"]
    )
    expected = sorted(
        (
            {
                "kind": "BOOKING_CANCELLED",
                "actor": staff.gid,
                "user": c.gid,
                "booking": b["id"],
                "slot": slot["id"],
                "fromSlot": None,
                "toSlot": None,
                "note": "Nurse is ill",
            }
            for c, b in zip(customers[1:], booked[1:], strict=True)
        ),
        key=lambda r: r["booking"],
    )
    assert per_booking == expected
    assert [r for r in written if r["kind"] == "SLOT_CANCELLED"] == [
        {
            "kind": "SLOT_CANCELLED",
            "actor": staff.gid,
            "user": None,
            "booking": None,
            "slot": slot["id"],
            "fromSlot": None,
            "toSlot": None,
            "note": "Nurse is ill",
        }
    ]
    bookings, _ = await list_bookings(api, staff.token, {"slotId": slot["id"]})
    assert {b["status"] for b in bookings} == {"CANCELLED"}
    assert len(bookings) == 3
    stored = await get_slot(api, slot["id"])
    assert (stored["status"], stored["bookedCount"]) == ("CANCELLED", 0)
    # Other slots are untouched.
    untouched = await get_slot(api, other["id"])
    assert untouched["bookedCount"] == 1
    assert (await list_bookings(api, staff.token, {"slotId": other["id"]}))[0][0][
        "id"
    ] == elsewhere["id"]
    # A cancelled slot cannot be booked.
    assert (await api.book(customers[1], slot["id"])).code == "CONFLICT"


async def test_cancelling_a_slot_twice_is_a_conflict(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    slot = await make_slot(api, staff, base_time())
    (await cancel_slot(api, staff.token, slot["id"])).ok()
    before = await snapshot(api, staff)
    again = await cancel_slot(api, staff.token, slot["id"], reason="again")
    assert again.code == "CONFLICT", again
    assert await snapshot(api, staff) == before


async def test_cancel_slot_needs_staff_and_a_real_slot(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    admin = await api.user(Role.ADMIN)
    customer = await api.user()
    slot = await make_slot(api, staff, base_time())
    assert (await cancel_slot(api, customer.token, slot["id"])).code == "FORBIDDEN"
    assert (await cancel_slot(api, None, slot["id"])).code == "UNAUTHENTICATED"
    assert (await cancel_slot(api, staff.token, missing_id("BookingSlot"))).code == "NOT_FOUND"
    assert (await cancel_slot(api, staff.token, "%%%")).code == "BAD_USER_INPUT"
    assert (await get_slot(api, slot["id"]))["status"] == "OPEN"
    assert (await cancel_slot(api, admin.token, slot["id"])).ok()["cancelSlot"]["status"] == (
        "CANCELLED"
    )
