"""Input rules shared by services. Each failure is a BadUserInput naming the argument."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from graphql_api.errors import BadUserInput

MIN_PASSWORD, MAX_PASSWORD = 8, 128
MAX_NAME = 200
MAX_TEXT = 2_000
# Pragmatic, not RFC 5322: one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_ZONES = frozenset(available_timezones()) | {"UTC"}


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise BadUserInput("`email` is not a valid email address.", argument="email")
    return value


def check_password(password: str, argument: str = "password") -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadUserInput(
            f"`{argument}` must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long.",
            argument=argument,
        )
    return password


def check_text(value: str, argument: str, *, max_length: int = MAX_NAME) -> str:
    """A required, trimmed, bounded line of text."""
    value = value.strip()
    if not value:
        raise BadUserInput(f"`{argument}` must not be empty.", argument=argument)
    if len(value) > max_length:
        raise BadUserInput(
            f"`{argument}` must be at most {max_length} characters.", argument=argument
        )
    return value


def check_optional_text(
    value: str | None, argument: str, *, max_length: int = MAX_TEXT
) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > max_length:
        raise BadUserInput(
            f"`{argument}` must be at most {max_length} characters.", argument=argument
        )
    return value or None


def check_time_zone(name: str) -> str:
    if name not in _ZONES:
        raise BadUserInput(
            f"`timeZone` {name!r} is not an IANA time zone name.", argument="timeZone"
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadUserInput(
            f"`timeZone` {name!r} is not an IANA time zone name.", argument="timeZone"
        ) from exc
    return name


def check_aware(value: datetime, argument: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadUserInput(
            f"`{argument}` needs a UTC offset, e.g. 2027-03-01T09:00:00+08:00.", argument=argument
        )
    return value.astimezone(UTC)


def contains_pattern(search: str) -> str:
    """A LIKE pattern matching `search` anywhere, case-folded, with wildcards escaped (use `\\`)."""
    escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
