"""ORM models. Importing this package registers every table on `Base.metadata`."""

from graphql_api.models.booking import Booking, BookingStatus
from graphql_api.models.record import Record, RecordKind
from graphql_api.models.slot import BookingSlot, SlotStatus
from graphql_api.models.token import RefreshToken
from graphql_api.models.user import Role, User

__all__ = [
    "Booking",
    "BookingSlot",
    "BookingStatus",
    "Record",
    "RecordKind",
    "RefreshToken",
    "Role",
    "SlotStatus",
    "User",
]
