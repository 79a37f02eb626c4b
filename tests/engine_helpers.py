"""Asserting that a document runs fully planned: no field of it leaves the engine's fast path
(graphql_api/engine/fallbacks.py has the reasons), and it answers without errors."""

from __future__ import annotations

from typing import Any

from graphql_api.engine import FastExecutor, FieldFallback, watch_fallbacks
from graphql_api.metrics import Metrics
from tests.helpers import Api


def fallback_counts(metrics: Metrics) -> dict[str, float]:
    """`graphql_engine_fallbacks_total` by reason, read from the app's registry."""
    counts: dict[str, float] = {}
    for family in metrics.registry.collect():
        if family.name == "graphql_engine_fallbacks":
            for sample in family.samples:
                if sample.name == "graphql_engine_fallbacks_total":
                    counts[sample.labels["reason"]] = sample.value
    return counts


async def fallbacks_of(
    api: Api, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> tuple[dict[str, Any], list[FieldFallback], dict[str, float]]:
    """One request over HTTP: its body, the fallbacks it reported (`watch_fallbacks`), and
    what the app's counter moved by, per reason."""
    metrics: Metrics = api.app.state.metrics
    before = fallback_counts(metrics)
    with watch_fallbacks() as seen:
        result = await api.gql(query, variables, token=token)
    moved = {
        reason: count - before.get(reason, 0.0)
        for reason, count in fallback_counts(metrics).items()
        if count != before.get(reason, 0.0)
    }
    return result.body, seen, moved


async def assert_fully_planned(
    api: Api,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    built: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Send `query` twice (planned, then from the kept plan and the prepared path); fail
    listing each fallback (field and reason) either request reported, or any error. Returns the
    second answer's data. `built`: the pages (`Type.field`) expected to run planned but be
    built as objects rather than written (`objects_built`), exactly those."""
    schema = api.app.state.schema
    assert schema.execution_context_class is FastExecutor, "the engine is not serving /graphql"
    data: dict[str, Any] = {}
    for attempt in ("planned", "from the kept plan"):
        body, seen, moved = await fallbacks_of(api, query, variables, token)
        assert not body.get("errors"), (attempt, body.get("errors"))
        listed = sorted(f"{fallback.field}: {fallback.reason.value}" for fallback in seen)
        expected = sorted(f"{field}: objects_built" for field in built)
        assert listed == expected, f"{attempt}: left the fast path: {listed}, not {expected}"
        assert moved == ({"objects_built": float(len(built))} if built else {}), (attempt, moved)
        data = body["data"]
        assert data is not None
    return data
