"""A GraphQL booking API: slots, bookings and an immutable history."""

__version__ = "0.1.0"
