"""CPU per request with no HTTP in between: each app's ASGI callable is called directly with a
prepared request, in one process on one core, so what is measured is the app (routing, GraphQL,
SQL, JSON) and not a client or a server. The ratio of two apps measured this way is close to the
end-to-end one (uvicorn adds about the same ~0.2 ms to both), and it is steadier, so this is the
tool for telling whether a change to the product pays before running the full bench.

    python -m bench.inprocess                        # graphql vs limit on Q-small, paired blocks
    python -m bench.inprocess --query q-large -n 200
    python -m bench.inprocess --apps graphql --query '{ me { id } }'
    python -m bench.inprocess --root /path/to/other/checkout   # that tree's product instead

Per app: ms of CPU per request (all threads), the main thread's share and aiosqlite's threads'
share (from /proc, in 10 ms ticks: use blocks of a few hundred requests or more), and
garbage-collector passes and time per request. With both apps: the median over the
blocks of limit ms / graphql ms (graphql's req/s over the limit's). Blocks alternate the apps and
each block is `-n` requests at `-c` concurrent. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {"q-small": ("Q-small", "QSmall"), "q-large": ("Q-large", "QLarge")}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", default="graphql,limit", help="graphql, limit or both")
    parser.add_argument("--query", default="q-small", help="q-small, q-large or a document")
    parser.add_argument("-n", type=int, default=1000, help="requests per block")
    parser.add_argument("-c", type=int, default=4, help="concurrent requests")
    parser.add_argument("--blocks", type=int, default=6, help="blocks per app (alternating)")
    parser.add_argument("--quick", action="store_true", help="tiny dataset, few requests")
    parser.add_argument("--root", type=Path, default=None, help="import the product from here")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    return parser.parse_args(argv)


def _thread_cpu() -> tuple[float, float]:
    """(main thread, other threads) CPU seconds of this process so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    main = other = 0.0
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a thread that ended meanwhile
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(tid) == os.getpid():
            main += seconds
        else:
            other += seconds
    return main, other


class _Collector:
    """Garbage-collector passes and the time they took, while enabled."""

    def __init__(self) -> None:
        self.passes = 0
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self.passes += 1
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


class Caller:
    """POSTs one prepared body to an ASGI app and checks the answer has data and no errors."""

    def __init__(self, app: Any, body: bytes, token: str) -> None:
        self.app = app
        self.body = body
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"bench"),
                (b"content-type", b"application/json"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }

    async def call(self) -> bytes:
        incoming = [{"type": "http.request", "body": self.body, "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return incoming.pop() if incoming else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(dict(self.scope), receive, send)
        answer = b"".join(message.get("body", b"") for message in sent[1:])
        if sent[0]["status"] != 200 or b'"errors"' in answer:
            raise RuntimeError(f"HTTP {sent[0]['status']}: {answer[:300]!r}")
        return answer

    async def block(self, requests: int, concurrency: int) -> dict[str, float]:
        async def worker(count: int) -> None:
            for _ in range(count):
                await self.call()

        collector = _Collector()
        gc.callbacks.append(collector)
        main0, other0 = _thread_cpu()
        cpu0 = time.process_time()
        try:
            shares = [requests // concurrency] * concurrency
            shares[0] += requests - sum(shares)
            await asyncio.gather(*(worker(share) for share in shares))
        finally:
            gc.callbacks.remove(collector)
        main1, other1 = _thread_cpu()
        per = 1000 / requests
        return {
            "cpu_ms": (time.process_time() - cpu0) * per,
            "main_ms": (main1 - main0) * per,
            "threads_ms": (other1 - other0) * per,
            "gc_per_1000": collector.passes * per,
            "gc_ms": collector.seconds * per,
        }


async def _measure(opts: argparse.Namespace, apps: dict[str, Any], body: bytes, token: str) -> None:
    callers = {name: Caller(app, body, token) for name, app in apps.items()}
    for name, caller in callers.items():
        answer = await caller.call()
        print(f"{name}: {len(answer):,} bytes, answers {sorted(json.loads(answer)['data'])}")
        for _ in range(max(20, opts.n // 5)):  # warm caches, pools and the allocator
            await caller.call()
    results: dict[str, list[dict[str, float]]] = {name: [] for name in callers}
    for block in range(opts.blocks):
        order = list(callers) if block % 2 == 0 else list(reversed(callers))
        for name in order:
            results[name].append(await callers[name].block(opts.n, opts.c))
    print(f"\n{opts.blocks} blocks of {opts.n} requests at {opts.c} concurrent, medians:")
    print("| app | CPU ms/req | main thread | aiosqlite threads | GC passes/1000 | GC ms/req |")
    print("|---|---|---|---|---|---|")
    for name, blocks in results.items():
        med = {key: statistics.median(b[key] for b in blocks) for key in blocks[0]}
        print(
            f"| {name} | {med['cpu_ms']:.3f} | {med['main_ms']:.3f} | {med['threads_ms']:.3f} "
            f"| {med['gc_per_1000']:.1f} | {med['gc_ms']:.3f} |"
        )
    if {"graphql", "limit"} <= set(results):
        ratios = [
            lim["cpu_ms"] / ours["cpu_ms"]
            for ours, lim in zip(results["graphql"], results["limit"], strict=True)
        ]
        print(
            f"\ngraphql / limit (limit ms / graphql ms per block): median "
            f"{statistics.median(ratios):.3f}, blocks {[round(r, 3) for r in ratios]}"
        )


async def _run(opts: argparse.Namespace, names: list[str], body: bytes, token: str) -> None:
    apps = {name: importlib.import_module(f"bench.apps.{name}_app").app for name in names}
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        await _measure(opts, apps, body, token)


def main(argv: list[str] | None = None) -> int:
    opts = _parse_args(argv)
    if opts.root is not None:  # before anything imports the product
        sys.path.insert(0, str(opts.root.resolve()))
    if not opts.no_pin:  # one core, like the bench's servers (threads inherit it)
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    from bench import dataset, queries
    from bench.runner import RESULTS, body, server_env
    from graphql_api.security import create_access_token

    names = [name.strip() for name in opts.apps.split(",") if name.strip()]
    if opts.query.lower() in QUERIES:
        label, operation = QUERIES[opts.query.lower()]
        payload = body(queries.QUERIES[label], operation)
    elif "limit" in names:
        raise SystemExit("the limit answers q-small and q-large only: use --apps graphql")
    else:
        payload = json.dumps({"query": opts.query})
    if opts.quick:
        opts.n, opts.blocks = min(opts.n, 30), min(opts.blocks, 2)
    size = dataset.Size.quick() if opts.quick else dataset.Size()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / ("inprocess-quick.db" if opts.quick else "inprocess.db")
    url = dataset.build_db(path, size)
    os.environ.update(server_env(url))
    token = create_access_token(dataset.settings_for(url), 1)
    print(f"product from {Path(importlib.import_module('graphql_api').__file__).parent.parent}")
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the bench extra
        asyncio.run(_run(opts, names, payload.encode(), token))
    else:
        uvloop.run(_run(opts, names, payload.encode(), token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
