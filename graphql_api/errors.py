"""Domain errors. Each carries the `extensions.code` promised in API.md; the GraphQL layer turns
them into errors in one place (graphql/errors.py), and masks everything else."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "INTERNAL_SERVER_ERROR"
    default_message = "Unexpected error."

    def __init__(self, message: str | None = None, **extensions: Any) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.extensions = extensions


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    default_message = "Authentication required."


class InvalidToken(Unauthenticated):
    """A bearer token was sent but is not valid: answered with HTTP 401 (RFC 6750)."""

    default_message = "The access token is invalid or expired."


class Forbidden(DomainError):
    code = "FORBIDDEN"
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    code = "NOT_FOUND"
    default_message = "Not found."


class BadUserInput(DomainError):
    code = "BAD_USER_INPUT"
    default_message = "Invalid input."


class SlotFull(DomainError):
    code = "SLOT_FULL"
    default_message = "This slot has no place left."


class AlreadyBooked(DomainError):
    code = "ALREADY_BOOKED"
    default_message = "You already hold a confirmed booking in this slot."


class Conflict(DomainError):
    code = "CONFLICT"
    default_message = "This conflicts with the current state."


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    default_message = "Too many attempts; try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, retryAfter=max(1, int(retry_after)))
        self.retry_after = max(1, int(retry_after))


class QueryTooComplex(DomainError):
    code = "QUERY_TOO_COMPLEX"
    default_message = "The query is too complex."
