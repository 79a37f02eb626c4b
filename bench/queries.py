"""The GraphQL documents every variant serves. Each variant must answer them with the same data.

Q-small: 10 slots and their bookings, each with the customer's fullName.
Q-large: 50 slots x 10 bookings x user x the last 3 records, plus each slot's staff.
Q-large+tc: Q-large asking for `totalCount` on every connection (what `totalCount only when
selected` saves is the difference between the two).
"""

from __future__ import annotations

Q_SMALL = """query QSmall {
  slots(first: 10) {
    edges {
      node {
        id
        title
        startsAt
        bookings(first: 10) {
          edges { node { id customerName status user { fullName } } }
        }
      }
    }
  }
}"""


def q_large(
    slots: int = 50, bookings: int = 10, records: int = 3, *, total_count: bool = False
) -> str:
    tc = "totalCount" if total_count else ""
    return f"""query QLarge {{
  slots(first: {slots}) {{
    {tc}
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      cursor
      node {{
        id title location startsAt endsAt timeZone capacity bookedCount remaining status
        staff {{ id fullName }}
        bookings(first: {bookings}) {{
          {tc}
          pageInfo {{ hasNextPage }}
          edges {{
            node {{
              id customerName notes status createdAt
              user {{ id fullName }}
              records(first: {records}) {{
                {tc}
                edges {{ node {{ id kind note createdAt }} }}
              }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"""


Q_LARGE = q_large()
Q_LARGE_TC = q_large(total_count=True)

QUERIES: dict[str, str] = {"Q-small": Q_SMALL, "Q-large": Q_LARGE, "Q-large+tc": Q_LARGE_TC}

CREATE_BOOKING = """mutation Book($input: CreateBookingInput!) {
  createBooking(input: $input) { id status }
}"""
