// Every operation the SPA sends. `npm run codegen` turns each graphql(`...`) call into a typed
// document (src/gql/graphql.ts) and an entry of the persisted-documents manifest.
import { graphql } from './gql';

export const LoginDocument = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(input: { email: $email, password: $password }) {
      accessToken
      refreshToken
      expiresIn
      user {
        id
        fullName
      }
    }
  }
`);

export const RefreshTokenDocument = graphql(`
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`);

export const SlotsDocument = graphql(`
  query Slots($first: Int, $after: String, $filter: SlotFilter) {
    slots(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          id
          title
          location
          startsAt
          endsAt
          timeZone
          remaining
          status
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`);

// The signed-in customer's confirmed bookings: a slot overlapping one of them is a CONFLICT.
export const MyBookingsDocument = graphql(`
  query MyBookings {
    me {
      bookings(first: 100, status: CONFIRMED) {
        edges {
          node {
            slot {
              id
              startsAt
              endsAt
            }
          }
        }
      }
    }
  }
`);

export const CreateBookingDocument = graphql(`
  mutation CreateBooking($slotId: ID!) {
    createBooking(input: { slotId: $slotId }) {
      id
      status
      slot {
        id
        bookedCount
      }
    }
  }
`);

export const CancelBookingDocument = graphql(`
  mutation CancelBooking($id: ID!) {
    cancelBooking(id: $id) {
      id
      status
      slot {
        id
        bookedCount
      }
    }
  }
`);

export const SlotChangedDocument = graphql(`
  subscription SlotChanged($slotId: ID!) {
    slotChanged(slotId: $slotId) {
      id
      bookedCount
      remaining
      status
    }
  }
`);
