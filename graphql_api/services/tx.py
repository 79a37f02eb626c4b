"""Running a unit of work in one write transaction, retried when the database asks us to."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.db import Database

T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
MAX_ATTEMPTS = 8
_CHANGED_SLOTS = "changed_slots"
_RECORD_KINDS = "record_kinds"


class CommitAndRaise(Exception):
    """Raised by a unit of work whose changes must persist although it fails (for example,
    revoking a token family on refresh-token reuse): the transaction commits, then `error` is
    raised."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class RetryTransaction(Exception):
    """Raised by a unit of work that found, under its locks, that a concurrent transaction changed
    what it read before locking (e.g. a booking moved to another slot): the transaction is rolled
    back and run again on fresh data; after the last attempt `error` is raised."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def is_retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    # SQLite: BEGIN IMMEDIATE waits out the busy timeout; past it, try again rather than fail.
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def note_record(session: AsyncSession, kind: str) -> None:
    """Note a history entry's kind; reported (for metrics) once the commit succeeds."""
    session.info.setdefault(_RECORD_KINDS, []).append(kind)


def mark_slot_changed(session: AsyncSession, slot_id: int) -> None:
    """Note that a slot's bookedCount or status changed; announced once the commit succeeds."""
    session.info.setdefault(_CHANGED_SLOTS, set()).add(slot_id)


async def in_transaction(
    db: Database,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    on_slots_changed: Callable[[set[int]], Awaitable[None]] | None = None,
    on_records: Callable[[list[str]], None] | None = None,
) -> T:
    """Run `work` in one write transaction: all of it commits, or none of it.
    `on_slots_changed` and `on_records` hear about changed slots and written records only after
    a successful commit."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            async with db.write() as session:
                try:
                    result = await work(session)
                except CommitAndRaise as signal:
                    await session.commit()
                    raise signal.error from None
                except BaseException:
                    await session.rollback()
                    raise
                await session.commit()
                changed = session.info.pop(_CHANGED_SLOTS, None)
                kinds = session.info.pop(_RECORD_KINDS, None)
            if kinds and on_records is not None:
                on_records(kinds)
            if changed and on_slots_changed is not None:
                await on_slots_changed(changed)
            return result
        except DBAPIError as exc:
            if attempt == MAX_ATTEMPTS or not is_retryable(exc):
                raise
            log.info("retrying a transaction after %s (attempt %d)", exc.orig, attempt)
            await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311
        except RetryTransaction as signal:
            if attempt == MAX_ATTEMPTS:
                raise signal.error from None
            # The competitor has committed already: run again at once on what it left.
            log.info("retrying a transaction after %s (attempt %d)", signal, attempt)
    raise AssertionError("unreachable")
