"""`graphql`: the product itself, `create_app(Settings())` exactly as graphql_api.asgi builds it,
plus the bench's statement counter and profiler switch.

Toggles for measuring single optimisations without editing the product (each set by the runner
as an environment variable before the process starts):
- BENCH_JSON=stdlib: drop the router's orjson `encode_json` override (Strawberry's json.dumps).
- BENCH_CACHES=off: replace ParserCache and ValidationCache by extensions that do nothing.
- BENCH_GC=default: drop the product's GC tuning (graphql_api/gctune.py: after start-up
  `gc.freeze()` and higher thresholds), i.e. Python's default thresholds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from strawberry.extensions import SchemaExtension

from bench.apps.common import StatementCounter
from graphql_api import gctune
from graphql_api.config import Settings

if os.environ.get("BENCH_JSON") == "stdlib":
    from strawberry.http.base import BaseView

    from graphql_api.graphql.transport.router import BookingRouter

    BookingRouter.encode_json = BaseView.encode_json  # type: ignore[method-assign]

    import json
    import types

    from graphql_api.graphql.transport import router as router_module

    # HTTP responses are encoded in create_response with orjson directly: swap that too.
    # Responses only: request bodies are still decoded with orjson (decode_json).
    router_module.orjson = types.SimpleNamespace(  # type: ignore[assignment]
        dumps=lambda data: json.dumps(data, separators=(",", ":")).encode(),
        loads=router_module.orjson.loads,
    )

if os.environ.get("BENCH_CACHES") == "off":
    from graphql_api.graphql.schema import build as schema_module

    class _Off(SchemaExtension):
        def __init__(self, maxsize: int | None = None) -> None:
            super().__init__()

    schema_module.ParserCache = _Off  # type: ignore[misc,assignment]
    schema_module.ValidationCache = _Off  # type: ignore[misc,assignment]

from graphql_api.main import create_app

app = create_app(Settings())
counter = StatementCounter()
counter.install(app.state.db.engine)
app.router.routes.append(counter.route())

if os.environ.get("BENCH_GC") != "default":  # as graphql_api/asgi.py does
    gctune.tune()

_profiler: Any = None


async def _profile_start(_request: Request) -> JSONResponse:
    global _profiler
    from pyinstrument import Profiler

    _profiler = Profiler(interval=0.001, async_mode="disabled")
    _profiler.start()
    return JSONResponse({"profiling": True})


async def _profile_stop(request: Request) -> JSONResponse:
    global _profiler
    if _profiler is None:
        return JSONResponse({"profiling": False}, status_code=409)
    session = _profiler.stop()
    out = Path(request.query_params["out"])
    out.parent.mkdir(parents=True, exist_ok=True)
    session.save(str(out.with_suffix(".pyisession")))
    out.with_suffix(".txt").write_text(
        _profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
    )
    out.with_suffix(".html").write_text(_profiler.output_html(), encoding="utf-8")
    _profiler = None
    return JSONResponse({"profiling": False, "saved": str(out)})


app.add_route("/__bench/profile/start", _profile_start, methods=["POST"])
app.add_route("/__bench/profile/stop", _profile_stop, methods=["POST"])
