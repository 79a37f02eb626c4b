// The SPA's session, end to end, with the generated typed documents:
//   npm start -- --url http://127.0.0.1:8000/graphql --email E --password P [--persisted]
// Signs in, rotates the refresh token, pages through the available slots with cursors, listens
// to one slot over graphql-ws, books it, sees the new bookedCount arrive, cancels, and prints one
// JSON line {"ok":true,...}. Any GraphQL error or non-2xx answer: printed, exit code 1.
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CancelBookingDocument,
  CreateBookingDocument,
  LoginDocument,
  MyBookingsDocument,
  RefreshTokenDocument,
  SlotChangedDocument,
  SlotsDocument,
} from './documents';
import type { SlotChangedSubscription, SlotsQuery, TypedDocumentString } from './gql/graphql';

const EVENT_TIMEOUT_MS = 15_000;
// graphql-transport-ws has no "subscribed" acknowledgement: a booking made just before the
// server registered the subscription is never reported. If its event has not come by then,
// cancel and book again (the cancel's own event proves the subscription is live).
const FIRST_EVENT_MS = 3_000;

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8000/graphql' },
    email: { type: 'string', default: 'customer01@example.com' },
    password: { type: 'string', default: 'demo-customer-password' },
    persisted: { type: 'boolean', default: false },
  },
});
const url = args.url;

type Document<R, V> = TypedDocumentString<R, V>;
type Slot = SlotsQuery['slots']['edges'][number]['node'];

interface GraphQLResponse<R> {
  data?: R | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

class ApiError extends Error {}

function operationName<R, V>(document: Document<R, V>): string {
  const name = /\b(?:query|mutation|subscription)\s+(\w+)/.exec(document.toString())?.[1];
  if (name === undefined) throw new ApiError('every document must be a named operation');
  return name;
}

function hashOf<R, V>(document: Document<R, V>): string {
  const hash: unknown = document.__meta__?.['hash'];
  if (typeof hash !== 'string') {
    throw new ApiError('no __meta__.hash: run `npm run codegen` (persistedDocuments is on)');
  }
  return hash;
}

/** The request body: the document text, or with --persisted only its hash (Apollo APQ). */
function payload<R, V>(document: Document<R, V>, variables: V) {
  const common = {
    operationName: operationName(document),
    variables: variables as Record<string, unknown>,
  };
  if (!args.persisted) return { ...common, query: document.toString() };
  return {
    ...common,
    extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(document) } },
  };
}

async function request<R, V>(document: Document<R, V>, variables: V, token?: string): Promise<R> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(payload(document, variables)),
    signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
  });
  const text = await response.text();
  let answer: GraphQLResponse<R> | undefined;
  try {
    answer = JSON.parse(text) as GraphQLResponse<R>;
  } catch {
    answer = undefined;
  }
  if (!response.ok || answer?.errors?.length || answer?.data == null) {
    throw new ApiError(`${operationName(document)}: HTTP ${response.status} ${text}`);
  }
  return answer.data;
}

/** What a subscription delivered, awaited one by one with a deadline (never a sleep). */
class Events<T> {
  readonly seen: T[] = [];
  private queue: T[] = [];
  private failure: unknown;
  private wake: (() => void) | undefined;

  push(value: T): void {
    this.queue.push(value);
    this.wake?.();
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.wake?.();
  }

  /** The next event matching `wanted` within `ms`, or undefined when time runs out. */
  async next(wanted: (value: T) => boolean, ms: number): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const value = this.queue.shift();
      if (value !== undefined) {
        this.seen.push(value);
        if (wanted(value)) return value;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

/** Subscribe over graphql-transport-ws; resolves once the server acknowledged the connection. */
async function subscribe<R, V>(
  client: Client,
  document: Document<R, V>,
  variables: V,
  events: Events<R>,
): Promise<void> {
  const connected = new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (event) => reject(new ApiError(`WebSocket: ${describe(event)}`)));
  });
  const body = payload(document, variables);
  // graphql-ws insists on a string `query`: a persisted operation sends it empty (as that
  // library's author advises), its hash travels in extensions.persistedQuery as over HTTP.
  const query = 'query' in body ? body.query : '';
  const name = body.operationName;
  client.subscribe<R>(
    { ...body, query },
    {
      next: (result) => {
        if (result.errors?.length || result.data == null) {
          events.fail(new ApiError(`${name}: ${JSON.stringify(result)}`));
        } else {
          events.push(result.data);
        }
      },
      error: (error) => events.fail(new ApiError(`${name}: ${describe(error)}`)),
      complete: () => events.fail(new ApiError(`${name}: completed by the server`)),
    },
  );
  await connected;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return JSON.stringify(error); // GraphQL errors
  const close = error as { code?: number; reason?: string };
  return close.code !== undefined
    ? `WebSocket closed ${close.code} ${close.reason ?? ''}`
    : String(error);
}

interface Interval {
  startsAt: string;
  endsAt: string;
}
const overlaps = (a: Interval, b: Interval) =>
  Date.parse(a.startsAt) < Date.parse(b.endsAt) && Date.parse(b.startsAt) < Date.parse(a.endsAt);

async function main(): Promise<void> {
  const { login } = await request(LoginDocument, { email: args.email, password: args.password });
  const { refreshToken: refreshed } = await request(RefreshTokenDocument, {
    refreshToken: login.refreshToken,
  });
  const token = refreshed.accessToken; // the rotated pair from here on

  const { me } = await request(MyBookingsDocument, {}, token);
  const held = me?.bookings.edges.map((e) => e.node.slot) ?? [];
  const bookable = (slot: Slot) =>
    slot.status === 'OPEN' &&
    slot.remaining > 0 &&
    Date.parse(slot.startsAt) > Date.now() &&
    !held.some((h) => overlaps(h, slot));

  // Pages of two, following endCursor: at least two pages, then on until a slot fits.
  const pages: { slots: string[]; hasNextPage: boolean; endCursor?: string | null }[] = [];
  let after: string | null | undefined = null;
  let slot: Slot | undefined;
  let totalCount = 0;
  do {
    const page: SlotsQuery['slots'] = (
      await request(SlotsDocument, { first: 2, after, filter: { availableOnly: true } }, token)
    ).slots;
    totalCount = page.totalCount;
    pages.push({
      slots: page.edges.map((e) => e.node.id),
      hasNextPage: page.pageInfo.hasNextPage,
      endCursor: page.pageInfo.endCursor,
    });
    slot ??= page.edges.map((e) => e.node).find(bookable);
    if (page.pageInfo.endCursor === after) break;
    after = page.pageInfo.endCursor;
    if (!page.pageInfo.hasNextPage) break;
  } while (pages.length < 2 || slot === undefined);
  if (slot === undefined) throw new ApiError("no available slot fits this user's calendar");

  const chosen = slot;
  const book = async () =>
    (await request(CreateBookingDocument, { slotId: chosen.id }, token)).createBooking;
  const cancel = async (id: string) =>
    (await request(CancelBookingDocument, { id }, token)).cancelBooking;

  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  try {
    const events = new Events<SlotChangedSubscription>();
    await subscribe(client, SlotChangedDocument, { slotId: chosen.id }, events);
    const shows = (count: number) => (e: SlotChangedSubscription) =>
      e.slotChanged.id === chosen.id && e.slotChanged.bookedCount === count;

    let booking = await book();
    let update = await events.next(shows(booking.slot.bookedCount), FIRST_EVENT_MS);
    if (update === undefined) {
      const released = await cancel(booking.id);
      await events.next(shows(released.slot.bookedCount), EVENT_TIMEOUT_MS);
      booking = await book();
      update = await events.next(shows(booking.slot.bookedCount), EVENT_TIMEOUT_MS);
    }
    if (update === undefined) {
      throw new ApiError(`no slotChanged event within ${EVENT_TIMEOUT_MS} ms`);
    }

    const cancelled = await cancel(booking.id);
    const afterCancel = await events.next(shows(cancelled.slot.bookedCount), EVENT_TIMEOUT_MS);
    if (afterCancel === undefined) {
      throw new ApiError('no slotChanged event for the cancellation');
    }

    const result = {
      ok: true,
      persisted: args.persisted,
      user: login.user.fullName,
      rotated: refreshed.refreshToken !== login.refreshToken,
      totalCount,
      pages,
      slot: chosen,
      booking: { id: booking.id, status: booking.status },
      update: update.slotChanged,
      cancelled: { id: cancelled.id, status: cancelled.status },
      afterCancel: afterCancel.slotChanged,
      events: events.seen.map((e) => e.slotChanged),
    };
    console.log(JSON.stringify(result));
  } finally {
    await client.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ApiError ? `error: ${error.message}` : error);
  process.exitCode = 1;
});
