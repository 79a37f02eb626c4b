"""Input rules shared by services. Each failure is a BadUserInput naming the argument."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
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


# Digits with an optional leading + and the usual separators; 5 to 20 digits.
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,32}$")


def check_phone(value: str | None) -> str | None:
    """A phone number as people write it (trimmed); None or blank clears it."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 5 <= digits <= 20:
        raise BadUserInput("`phone` is not a phone number.", argument="phone")
    return value


def check_birth_date(value: date | None, today: date) -> date | None:
    """A date of birth: not in the future, not before 1900."""
    if value is not None and not date(1900, 1, 1) <= value <= today:
        raise BadUserInput("`dateOfBirth` must be a past date (from 1900).", argument="dateOfBirth")
    return value


def check_geo_point(latitude: float, longitude: float, argument: str) -> tuple[float, float]:
    """Latitude -90..90 and longitude -180..180, finite."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise BadUserInput(
            f"`{argument}` needs a latitude from -90 to 90 and a longitude from -180 to 180.",
            argument=argument,
        )
    return latitude, longitude
