"""Relay global ids: base64 of "TypeName:pk", opaque to clients."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from graphql_api.errors import BadUserInput
from graphql_api.pagination import MAX_ROW_ID

TYPE_NAMES = frozenset({"User", "BookingSlot", "Booking", "Record"})


@lru_cache(maxsize=16_384)  # pure, and called for every node of every answer (~3 MB full)
def encode(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_any(global_id: str, argument: str = "id") -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode((global_id + "=" * (-len(global_id) % 4)).encode()).decode()
        type_name, _, pk_text = raw.partition(":")
        if type_name not in TYPE_NAMES or not pk_text.isdigit() or len(pk_text) > 10:
            raise ValueError(global_id)
        if int(pk_text) > MAX_ROW_ID:  # no such row can exist; PostgreSQL would refuse the query
            raise ValueError(global_id)
        return type_name, int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadUserInput(f"`{argument}` is not a valid id.", argument=argument) from exc


def decode(global_id: str, type_name: str, argument: str = "id") -> int:
    """The primary key inside an id that must be of `type_name`."""
    found, pk = decode_any(global_id, argument)
    if found != type_name:
        raise BadUserInput(f"`{argument}` is not a {type_name} id.", argument=argument)
    return pk


def decode_optional(global_id: str | None, type_name: str, argument: str) -> int | None:
    return None if global_id is None else decode(global_id, type_name, argument)
