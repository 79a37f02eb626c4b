"""The garbage collector's settings for a serving process (graphql_api/asgi.py; the benchmark
uses the same, so it measures what production runs).

A response builds thousands of short-lived objects (rows, nodes, GraphQL values): the start-up
heap is frozen and young objects are collected less often than Python's defaults; the young
threshold trades pause length for frequency (the measurements: docs/PERFORMANCE.md)."""

import gc

THRESHOLDS = (7_000, 50, 100)


def tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
