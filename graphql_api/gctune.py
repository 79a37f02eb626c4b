"""The garbage collector's settings for a serving process (graphql_api/asgi.py; bench/ uses the
same so it measures what production runs).

A response builds thousands of short-lived objects (rows, nodes, GraphQL values): with Python's
default thresholds one large query triggers ~100 young collections and a full one. Freezing the
start-up heap and collecting young objects less often measured 1.2-1.6x requests/s
(docs/PERFORMANCE.md). The young threshold trades pause length for frequency: 20,000 paused up
to 12 ms per young collection (Q-small's p99 at half rate), 7,000 up to 6 ms for the same total
time in the collector and the same requests/s."""

import gc

THRESHOLDS = (7_000, 50, 100)


def tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
