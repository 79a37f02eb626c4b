"""Keyset pagination: opaque cursors and page sizes. Pure functions, no SQL."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, NamedTuple, TypeVar

from graphql_api.errors import BadUserInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# The id columns are INTEGER: on PostgreSQL a larger number in a query is an error, not a miss.
MAX_ROW_ID = 2**31 - 1

T = TypeVar("T")


def _row_id(text: str) -> int:
    if not text.isdigit() or int(text) > MAX_ROW_ID:
        raise ValueError(text)
    return int(text)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position after a row: its id, and for time-ordered lists its sort time."""

    id: int
    at: datetime | None = None

    def encode(self) -> str:
        raw = f"{self.id}" if self.at is None else f"{self.at.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(f"c:{raw}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Cursor:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            raw = base64.urlsafe_b64decode(padded.encode()).decode()
            if not raw.startswith("c:"):
                raise ValueError(cursor)
            body = raw[2:]
            if "|" in body:
                at_text, id_text = body.rsplit("|", 1)
                at = datetime.fromisoformat(at_text)
                if at.tzinfo is None:
                    raise ValueError(cursor)
                # In UTC here: an instant Python cannot hold in UTC (year 1 at +14:00) is invalid.
                return cls(id=_row_id(id_text), at=at.astimezone(UTC))
            return cls(id=_row_id(body))
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
            raise BadUserInput("`after` is not a valid cursor.", argument="after") from exc


class PageRequest(NamedTuple):
    """A page to read: a part of the page loaders' keys (a named tuple: hashed in C, a few
    times per parent)."""

    first: int
    after: Cursor | None
    # Read one row past the page, whose presence says there is a next page (`hasNextPage`).
    # Off when the query reads no `pageInfo` of the connection (the probe row, see
    # docs/ARCHITECTURE.md): has_next is then False whatever follows.
    probe: bool = True

    @classmethod
    def of(cls, first: int | None, after: str | None, *, probe: bool = True) -> PageRequest:
        size = DEFAULT_PAGE_SIZE if first is None else first
        if size < 0 or size > MAX_PAGE_SIZE:
            raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE_SIZE}.", argument="first")
        return cls(first=size, after=Cursor.decode(after) if after else None, probe=probe)

    @property
    def limit(self) -> int:
        """How many rows to read: the page, and the probe row when it is on."""
        return self.first + 1 if self.probe else self.first


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    has_previous: bool

    @classmethod
    def from_overfetch(cls, rows: list[T], request: PageRequest) -> Page[T]:
        items, has_next = overfetched(rows, request)
        return cls(items=items, has_next=has_next, has_previous=request.after is not None)


def overfetched(rows: list[T], request: PageRequest) -> tuple[list[T], bool]:
    """The page's rows and whether there is a next page, of `rows` fetched with LIMIT
    `request.limit`: a row past `first` (the probe) only says there is more. (Nested pages
    call this per parent without building a Page.)"""
    has_next = len(rows) > request.first
    return (rows[: request.first] if has_next else rows), has_next
