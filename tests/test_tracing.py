"""Optional OpenTelemetry tracing: spans when TRACING is on, and no secret in their attributes."""

from __future__ import annotations

import pytest

otel = pytest.importorskip("opentelemetry.sdk.trace", reason="needs the tracing extra")

from httpx import ASGITransport, AsyncClient  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from graphql_api.main import create_app  # noqa: E402
from tests.conftest import make_settings  # noqa: E402

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def tracer_provider() -> None:
    provider = otel.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)


@pytest.mark.parametrize("enabled", [True, False])
async def test_spans_only_when_enabled_and_without_secrets(
    database_url: str, enabled: bool
) -> None:
    EXPORTER.clear()
    app = create_app(make_settings(database_url, tracing=enabled))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        await client.post("/graphql", json={"query": "query Browse { slots { totalCount } }"})
        await client.post(
            "/graphql",
            json={
                "query": 'mutation { login(input: {email: "x@example.com", '
                'password: "hunter2-secret"}) { accessToken } }'
            },
        )
    await app.state.db.dispose()
    finished = EXPORTER.get_finished_spans()
    if not enabled:  # none at all: FastAPI's own HTTP spans follow TRACING too (main.py)
        assert [span.name for span in finished] == []
        return
    # The GraphQL spans; FastAPI adds HTTP spans of its own.
    spans = [s for s in finished if (s.attributes or {}).get("component") == "graphql"]
    assert len(spans) < len(finished)
    names = {span.name for span in spans}
    assert any("Browse" in name for name in names), names
    for span in spans:
        assert "hunter2-secret" not in str(dict(span.attributes or {}))
