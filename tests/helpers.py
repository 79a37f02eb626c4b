"""Helpers for driving the API in tests: GraphQL calls, quick users, slots."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select

from graphql_api import security
from graphql_api.db import Database
from graphql_api.graphql.schema import ids
from graphql_api.models import Role, User
from graphql_api.statement_trace import watch_statements

# One real argon2id hash, shared by quick users: hashing per user would dominate test time.
QUICK_PASSWORD = "correct horse battery"
_QUICK_HASH = security.hash_password(QUICK_PASSWORD)
_counter = itertools.count(1)


@dataclass
class Account:
    id: int
    gid: str
    email: str
    token: str
    role: Role


class GraphQLResult:
    def __init__(self, response: Response) -> None:
        self.response = response
        self.status = response.status_code
        self.body: dict[str, Any] = response.json()
        self.data: dict[str, Any] | None = self.body.get("data")
        self.errors: list[dict[str, Any]] = self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]

    @property
    def code(self) -> str | None:
        return self.codes[0] if self.codes else None

    def ok(self) -> dict[str, Any]:
        assert not self.errors, self.errors
        assert self.data is not None
        return self.data

    def __repr__(self) -> str:
        return f"GraphQLResult({self.status}, {self.body})"


def future(hours: float = 24, *, base: datetime | None = None) -> datetime:
    return (base or datetime.now(UTC)).replace(microsecond=0) + timedelta(hours=hours)


async def every_page(
    fetch: Callable[[str | None], Awaitable[dict[str, Any]]], *, most: int = 20
) -> list[dict[str, Any]]:
    """Every page of a connection: `fetch(after)` from the first, following `endCursor` while
    `hasNextPage` (more than `most` pages fails the test instead of looping on)."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while len(pages) < most:
        page = await fetch(after)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"still hasNextPage after {most} pages")


def node_ids(pages: list[dict[str, Any]]) -> list[str]:
    return [edge["node"]["id"] for page in pages for edge in page["edges"]]


def iso(value: datetime) -> str:
    return value.isoformat()


class Api:
    def __init__(self, app: FastAPI, client: AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResult:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        return GraphQLResult(response)

    async def user(self, role: Role = Role.CUSTOMER, *, name: str | None = None) -> Account:
        """A user inserted directly (fast), with a valid access token."""
        n = next(_counter)
        email = f"{role.value.lower()}{n}@example.com"
        async with self.db.write() as session, session.begin():
            row = User(
                email=email,
                full_name=name or f"{role.value.title()} Number{n}",
                role=role,
                password_hash=_QUICK_HASH,
            )
            session.add(row)
            await session.flush()
            user_id = row.id
        token = security.create_access_token(self.app.state.settings, user_id)
        return Account(user_id, ids.encode("User", user_id), email, token, role)

    async def user_row(self, user_id: int) -> User:
        async with self.db.read() as session:
            row = await session.scalar(select(User).where(User.id == user_id))
        assert row is not None
        return row

    async def create_slot(
        self,
        staff: Account,
        *,
        capacity: int = 5,
        starts_in_hours: float = 48,
        minutes: int = 60,
        title: str = "Flu vaccination",
        location: str | None = "Main clinic",
        time_zone: str = "UTC",
    ) -> dict[str, Any]:
        starts = future(starts_in_hours)
        result = await self.gql(
            """mutation($input: CreateSlotInput!) { createSlot(input: $input) {
                id title capacity bookedCount remaining status startsAt endsAt timeZone } }""",
            {
                "input": {
                    "title": title,
                    "location": location,
                    "startsAt": iso(starts),
                    "endsAt": iso(starts + timedelta(minutes=minutes)),
                    "timeZone": time_zone,
                    "capacity": capacity,
                }
            },
            token=staff.token,
        )
        slot: dict[str, Any] = result.ok()["createSlot"]
        return slot

    async def book(self, account: Account, slot_id: str, **extra: Any) -> GraphQLResult:
        return await self.gql(
            """mutation($input: CreateBookingInput!) { createBooking(input: $input) {
                id status customerName notes slot { id bookedCount remaining } user { id } } }""",
            {"input": {"slotId": slot_id, **extra}},
            token=account.token,
        )


class StatementCounter:
    """Counts the SQL statements a database runs for an engine, for N+1 tests (on SQLite by
    the database itself, so the direct read path is counted as it runs; see
    graphql_api.statement_trace.watch_statements)."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.statements: list[str] = []
        self._stop: Callable[[], None] | None = None

    def _on_execute(self, statement: str) -> None:
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"):
            self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        self._stop = watch_statements(self.engine, self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self._stop()

    @property
    def count(self) -> int:
        return len(self.statements)
