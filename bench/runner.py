"""The orchestration behind `python -m bench`: dataset, servers, verification, statement counts,
interleaved load rounds, latency at half the maximum rate, a profile, the write benchmark, and
the tables (printed, and saved under bench/results/).

Nothing here asserts a timing. It does assert correctness: every variant answers each query
with the same data, and the write benchmark loses no booking and overbooks nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import dataset, queries
from bench.servers import (
    RESULTS,
    ROOT,
    Server,
    cpus,
    ensure_main_dependencies,
    graphene_python,
    pin,
    start_all,
)
from graphql_api.graphql.schema import ids
from graphql_api.security import create_access_token

MAIN_VARIANTS = ["graphql", "limit", "naive", "ariadne", "graphene"]
TOGGLES = {
    # name: (what it measures, env, loop, http)
    "graphql-stdlib-json": (
        "orjson -> stdlib json responses",
        {"BENCH_JSON": "stdlib"},
        None,
        None,
    ),
    "graphql-no-caches": ("ParserCache + ValidationCache off", {"BENCH_CACHES": "off"}, None, None),
    "graphql-asyncio-h11": ("uvloop+httptools -> asyncio+h11", {}, "asyncio", "h11"),
    # Not in the product: a proposed change, measured the same way (see graphql_app.py).
    "graphql-gc-default": (
        "GC tuning (gc.freeze + thresholds 7000/50/100) -> Python defaults",
        {"BENCH_GC": "default"},
        None,
        None,
    ),
}
PROPOSED: set[str] = set()  # every toggle now switches a product optimisation off
READ_QUERIES = ["Q-small", "Q-large"]
OPERATION = {"Q-small": "QSmall", "Q-large": "QLarge", "Q-large+tc": "QLarge"}


@dataclass
class Options:
    quick: bool
    rounds: int
    duration: float
    warmup: float
    concurrency: dict[str, int]
    min_requests: int
    max_seconds: float
    toggle_rounds: int
    half_rate_seconds: float
    half_rate_arrivals: int
    half_rate_rounds: int
    profile_seconds: float
    write_attempts: int
    write_rounds: int
    writes: bool
    toggles: bool
    pin: bool
    size: dataset.Size
    postgres_url: str | None


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny dataset, short rounds (CI smoke test)"
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5, quick 1)")
    parser.add_argument("--duration", type=float, help="measured seconds per round (default 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per round (default 1)")
    parser.add_argument(
        "--concurrency",
        type=int,
        help="connections in the closed loop (default: Q-small 4, Q-large 2)",
    )
    parser.add_argument("--slots", type=int, help="slots in the read dataset (default 500)")
    parser.add_argument("--bookings-per-slot", type=int, help="default 10")
    parser.add_argument("--records-per-booking", type=int, help="default 4")
    parser.add_argument(
        "--write-attempts", type=int, help="bookings attempted per write run (default 1200)"
    )
    parser.add_argument("--no-writes", action="store_true", help="skip the write benchmark")
    parser.add_argument("--no-toggles", action="store_true", help="skip the optimisation toggles")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and load generator to CPUs"
    )
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    base = dataset.Size.quick() if quick else dataset.Size()
    size = dataset.Size(
        slots=args.slots or base.slots,
        bookings_per_slot=args.bookings_per_slot or base.bookings_per_slot,
        records_per_booking=args.records_per_booking or base.records_per_booking,
        customers=base.customers,
        staff=base.staff,
        capacity=max(base.capacity, (args.bookings_per_slot or base.bookings_per_slot) + 2),
    )
    return Options(
        quick=quick,
        rounds=args.rounds or (1 if quick else 5),
        duration=args.duration or (0.5 if quick else 2.5),
        warmup=args.warmup if args.warmup is not None else (0.2 if quick else 0.5),
        concurrency={
            q: args.concurrency or (4 if q == "Q-small" else 2)
            for q in [*READ_QUERIES, "Q-large+tc"]
        },
        min_requests=1 if quick else 3,
        max_seconds=2.0 if quick else 10.0,
        toggle_rounds=min(args.rounds or (1 if quick else 3), 3),
        half_rate_seconds=1.0 if quick else 4.0,
        half_rate_arrivals=3 if quick else 8,
        half_rate_rounds=1 if quick else 3,
        profile_seconds=0 if (quick or args.no_profile) else 8.0,
        write_attempts=args.write_attempts or (64 if quick else 300),
        write_rounds=1 if quick else 3,
        writes=not args.no_writes,
        toggles=not (args.no_toggles or quick),
        pin=not args.no_pin,
        size=size,
        postgres_url=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )


# --- helpers ------------------------------------------------------------------------------

T0 = time.monotonic()


def progress(message: str) -> None:
    print(f"  [{time.monotonic() - T0:5.0f} s] {message}", flush=True)


def cpu_split(enabled: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, load generator CPUs): one core each on a machine with two or more."""
    available = cpus()
    if not enabled or len(available) < 2:
        return None, None
    return {available[-1]}, {available[0]}


def body(query: str, operation: str, variables: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = {"query": query, "operationName": operation}
    if variables is not None:
        payload["variables"] = variables
    return json.dumps(payload)


class LoadRunner:
    def __init__(self, token: str, load_cpu: set[int] | None) -> None:
        self.token = token
        self.load_cpu = load_cpu

    def run(self, server: Server, spec: dict[str, Any], path: str = "/graphql") -> dict[str, Any]:
        full = {
            "host": "127.0.0.1",
            "port": server.port,
            "path": path,
            "headers": {"Authorization": f"Bearer {self.token}"},
            **spec,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=RESULTS) as f:
            json.dump(full, f)
            spec_path = f.name
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.load", spec_path],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            pin(process.pid, self.load_cpu)
            out, err = process.communicate(timeout=600)
        finally:
            Path(spec_path).unlink(missing_ok=True)
        if process.returncode != 0:
            raise RuntimeError(f"load generator failed: {err.decode(errors='replace')[-2000:]}")
        return dict(json.loads(out))


_CLIENT: list[httpx.Client] = []


def _client() -> httpx.Client:
    """One client for the runner's own requests (a new httpx client builds an SSL context)."""
    if not _CLIENT:
        _CLIENT.append(httpx.Client(timeout=120))
    return _CLIENT[0]


def post(server: Server, token: str, payload: str) -> dict[str, Any]:
    response = _client().post(
        f"{server.base}/graphql",
        content=payload,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=120,
    )
    if response.status_code != 200:
        raise RuntimeError(
            f"{server.name} answered HTTP {response.status_code}: {response.text[:500]} "
            f"(log: {server.log})"
        )
    return dict(response.json())


def first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: present in only one answer"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def _spread(rounds: list[float]) -> str:
    """(max - min) / median of the rounds' req/s: how much the machine moved under the run."""
    mid = median(rounds)
    return f"{100 * (max(rounds) - min(rounds)) / mid:.0f}%" if len(rounds) > 1 and mid else "-"


def median(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else float("nan")


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    return str(value)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [
        [c if isinstance(c, str) else fmt(c) for c in r] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            cell.ljust(widths[i]) if i == 0 or not _numeric(cell) else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _numeric(cell: str) -> bool:
    return (bool(cell) and (cell[0].isdigit() or cell[0] in "-.") and cell != "-") or cell == "-"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    versions = {}
    for dist in (
        "strawberry-graphql",
        "graphql-core",
        "ariadne",
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "SQLAlchemy",
        "aiosqlite",
        "asyncpg",
        "orjson",
        "pyinstrument",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_mib": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "versions": versions,
    }


def graphene_versions(python: Path) -> dict[str, str]:
    code = "import importlib.metadata as m; print(m.version('graphene'), m.version('graphql-core'))"
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return {"graphene": out[0], "graphql-core (graphene venv)": out[1]}


# --- the read benchmark -------------------------------------------------------------------


def server_env(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": dataset.BENCH_SECRET,
        "ENVIRONMENT": "production",
        "ACCESS_TOKEN_EXPIRE_MINUTES": str(24 * 60),
        "LOG_LEVEL": "WARNING",
        # Q-large (cost 5,751) is under the default limit of 10,000, but the statement count at
        # 100 slots (the API's largest page) is not: 11,501 objects.
        "MAX_QUERY_COST": "100000",
    }


def read_servers(
    url: str, opts: Options, server_cpu: set[int] | None, graphene_py: Path
) -> dict[str, Server]:
    env = server_env(url)
    servers = {
        "graphql": Server("graphql", "graphql_app", env, cpu=server_cpu),
        "limit": Server("limit", "limit_app", env, cpu=server_cpu),
        "naive": Server("naive", "naive_app", env, cpu=server_cpu),
        "ariadne": Server("ariadne", "ariadne_app", env, cpu=server_cpu),
        "graphene": Server(
            "graphene", "graphene_app", env, python=str(graphene_py), cpu=server_cpu
        ),
    }
    if opts.toggles:
        for name, (_what, extra, loop, http) in TOGGLES.items():
            servers[name] = Server(
                name,
                "graphql_app",
                {**env, **extra},
                cpu=server_cpu,
                loop=loop or "uvloop",
                http=http or "httptools",
            )
    return servers


def verify(
    servers: dict[str, Server], token: str, answers: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Every variant answers every query with the same data as `graphql`; returns the answers'
    sizes and each variant's SQL statements per request (counted over one more request)."""
    report: dict[str, dict[str, Any]] = defaultdict(dict)
    for qname in [*READ_QUERIES, "Q-large+tc"]:
        payload = body(queries.QUERIES[qname], OPERATION[qname])
        reference = post(servers["graphql"], token, payload)
        if reference.get("errors") or not reference.get("data"):
            raise AssertionError(f"graphql {qname}: {reference.get('errors')}")
        if answers is not None:
            answers[qname] = reference
        # The limit serves Q-small and Q-large only; naive on Q-large+tc would take ~15 s.
        names = [n for n in servers if qname != "Q-large+tc" or n not in ("limit", "naive")]
        for name in names:
            server = servers[name]
            answer = post(server, token, payload)
            if answer.get("errors"):
                raise AssertionError(f"{name} {qname} answered errors: {answer['errors'][:2]}")
            diff = first_difference(reference["data"], answer.get("data"))
            if diff:
                raise AssertionError(f"{name} answers {qname} differently from graphql: {diff}")
            before = server.statements()
            post(server, token, payload)
            per_request = float(server.statements() - before)
            report[name][qname] = {
                "statements": per_request,
                "bytes": len(json.dumps(answer, separators=(",", ":"))),
            }
    return dict(report)


def statement_scaling(
    servers: dict[str, Server], token: str, checked: dict[str, dict[str, Any]]
) -> dict[str, dict[int, float]]:
    """Statements per request for the Q-large shape at 5, 50 and 100 slots (100 is the API's
    largest page)."""
    result: dict[str, dict[int, float]] = {}
    for name in ("graphql", "ariadne", "graphene", "naive"):
        counts: dict[int, float] = {}
        if name == "naive":  # 50 was counted by verify(); 100 would take ~2,000 statements
            counts[50] = checked["naive"]["Q-large"]["statements"]
        for n in (5, 50, 100) if name != "naive" else (5,):  # naive at 100: ~2,000 statements
            payload = body(queries.q_large(slots=n), "QLarge")
            server = servers[name]
            before = server.statements()
            answer = post(server, token, payload)
            if answer.get("errors"):
                raise AssertionError(f"{name} Q-large({n}): {answer['errors'][:2]}")
            counts[n] = float(server.statements() - before)
        result[name] = counts
    return result


def read_rounds(
    servers: dict[str, Server], load: LoadRunner, opts: Options
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Interleaved: every round runs every job once, the starting job moving each round. The
    optimisation toggles take part in the first `toggle_rounds` rounds only."""
    jobs = [(v, q) for q in READ_QUERIES for v in MAIN_VARIANTS]
    toggle_jobs = [(v, q) for q in READ_QUERIES for v in TOGGLES] + [("graphql", "Q-large+tc")]
    results: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in range(opts.rounds):
        round_jobs = jobs + (toggle_jobs if opts.toggles and r < opts.toggle_rounds else [])
        shift = (r * 3) % len(round_jobs)
        order = round_jobs[shift:] + round_jobs[:shift]
        started = time.monotonic()
        for variant, qname in order:
            spec = {
                "mode": "closed",
                "body": body(queries.QUERIES[qname], OPERATION[qname]),
                "concurrency": opts.concurrency[qname],
                "duration": opts.duration,
                "warmup": opts.warmup,
                "min_requests": opts.min_requests,
                "max_seconds": opts.max_seconds,
            }
            outcome = load.run(servers[variant], spec)
            if outcome["errors"]:
                progress(
                    f"! {variant} {qname}: {outcome['errors']} errors, "
                    f"e.g. {outcome.get('error_samples')}"
                )
            results[(variant, qname)].append(outcome)
        progress(f"read round {r + 1}/{opts.rounds} done in {time.monotonic() - started:.0f} s")
    return results


def half_rate(
    servers: dict[str, Server],
    load: LoadRunner,
    opts: Options,
    summary: dict[tuple[str, str], dict[str, float]],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Latency at half each variant's median req/s, in rounds (every variant once a round, so
    the machine's drift and stalls hit them alike); the medians over rounds, as for throughput,
    with each round's p99/p50 kept (`rounds_p99_p50`). A stall of the machine (this VM pauses
    for 5-80 ms now and then) puts a run of arrivals behind it, enough to move one 4-second
    run's p99 on its own."""
    specs: dict[tuple[str, str], dict[str, Any]] = {}
    for qname in READ_QUERIES:
        extra = (
            ["graphql-gc-default"]
            if qname == "Q-small" and ("graphql-gc-default", qname) in summary
            else []
        )
        for variant in MAIN_VARIANTS + extra:
            rate = summary[(variant, qname)]["rps"] / 2
            # Enough arrivals for a p99 to mean something (>= 20), within a time budget; a
            # variant too slow for that (naive on Q-large) is left out.
            # graphql's p99/p50 is a target: it gets more arrivals and more time.
            arrivals, budget = (
                (opts.half_rate_arrivals * 2, 12 * opts.half_rate_seconds)
                if variant.startswith("graphql")
                else (opts.half_rate_arrivals, 3 * opts.half_rate_seconds)
            )
            if opts.quick:  # a smoke test: one short run each
                seconds = opts.half_rate_seconds if rate else math.inf
            else:
                seconds = max(opts.half_rate_seconds, arrivals / rate) if rate else math.inf
            if seconds > budget:
                continue
            specs[(variant, qname)] = {
                "mode": "open",
                "body": body(queries.QUERIES[qname], OPERATION[qname]),
                "concurrency": 64,
                "rate": rate,
                "duration": seconds,
                "warmup": min(1.0, opts.half_rate_seconds / 2),
            }
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {key: [] for key in specs}
    keys = list(specs)
    for r in range(opts.half_rate_rounds):
        shift = (r * 3) % len(keys) if keys else 0  # the starting job moves, as in read_rounds
        for variant, qname in keys[shift:] + keys[:shift]:
            outcome = load.run(servers[variant], specs[(variant, qname)])
            if outcome["errors"]:
                progress(f"! {variant} {qname} at half rate: {outcome['errors']} errors")
            runs[(variant, qname)].append(outcome)
    return {key: _median_run(found) for key, found in runs.items()}


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One open-loop result from rounds of it: the median of each measure, and of the rounds'
    p99/p50 (`p99_p50`, the target's measure); errors and late starts summed, the largest
    `max`; every round kept (`rounds`)."""
    summed = {"errors", "late_starts", "count"}
    merged: dict[str, Any] = {
        key: statistics.median(run[key] for run in runs)
        for key, value in runs[0].items()
        if key not in summed
        and isinstance(value, int | float)
        and all(_finite(run.get(key)) for run in runs)
    }
    for key in summed:
        merged[key] = sum(run.get(key, 0) for run in runs)
    merged["max"] = (
        max(run["max"] for run in runs if _finite(run.get("max")))
        if any(_finite(run.get("max")) for run in runs)
        else None
    )
    ratios = [
        run["p99"] / run["p50"]
        for run in runs
        if _finite(run.get("p50")) and _finite(run.get("p99")) and run["p50"] > 0
    ]
    merged["rounds_p99_p50"] = ratios
    merged["p99_p50"] = statistics.median(ratios) if ratios else None
    merged["rounds"] = runs
    return merged


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def micro_costs(answers: dict[str, Any], quick: bool = False) -> dict[str, dict[str, float]]:
    """In-process, exact per-request CPU costs of the steps two optimisations remove: encoding
    the response (orjson vs the stdlib json Strawberry would use) and parsing + validating the
    document (what ParserCache and ValidationCache skip on a hit). Best of 5 repeats, ms."""
    import orjson
    from graphql import parse, validate

    from graphql_api.graphql.schema.build import build_schema

    schema = build_schema(dataset.settings_for("sqlite+aiosqlite:///:memory:"))
    graphql_schema = schema._schema

    def per_call(fn: Any, calls: int) -> float:
        best = math.inf
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(calls):
                fn()
            best = min(best, (time.perf_counter() - started) / calls)
        return best * 1000

    out = {}
    for qname, answer in answers.items():
        text_ = queries.QUERIES[qname]
        document = parse(text_)
        calls = 1 if quick else (20 if qname.startswith("Q-large") else 200)
        out[qname] = {
            "orjson_ms": per_call(lambda a=answer: orjson.dumps(a), calls),
            "stdlib_json_ms": per_call(
                lambda a=answer: json.dumps(a, separators=(",", ":")).encode(), calls
            ),
            "parse_ms": per_call(lambda t=text_: parse(t), calls),
            "validate_ms": per_call(lambda d=document: validate(graphql_schema, d), calls),
        }
    return out


CATEGORIES = [
    ("graphql_api/", "product code (graphql_api)"),
    ("/strawberry/", "Strawberry (schema, extensions, HTTP view)"),
    ("/graphql/", "graphql-core (parse, validate, execute)"),
    ("/sqlalchemy/", "SQLAlchemy (ORM + Core)"),
    ("/aiosqlite/", "aiosqlite (thread hand-off)"),
    ("/starlette/", "Starlette / FastAPI"),
    ("/fastapi/", "Starlette / FastAPI"),
    ("/uvicorn/", "uvicorn"),
    ("/httptools/", "uvicorn"),
    ("/h11/", "uvicorn"),
    ("/pydantic", "pydantic"),
    ("/jwt/", "PyJWT"),
    ("/json/", "stdlib json"),
    ("/asyncio/", "asyncio / event loop"),
    ("/uvloop/", "asyncio / event loop"),
    ("/bench/", "bench counter/profiler"),
    ("/pyinstrument/", "bench counter/profiler"),
]


def _category(path: str | None, function: str = "") -> str:
    if path and path.endswith("asyncio/runners.py") and function == "run":
        return "idle: loop waiting (network, SQLite thread)"
    if not path or path == "<built-in>":
        return "C built-ins (isinstance, datetime, tuple...)"
    if path == "<string>":
        return "generated code (dataclass __init__)"
    if path.endswith("_weakrefset.py"):
        return "asyncio / event loop"
    for needle, label in CATEGORIES:
        if needle in path:
            return label
    if "/lib/python3" in path and "site-packages" not in path:
        return "stdlib (other)"
    return "other"


def summarize_profile(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Self time (a frame's time minus its children's) by package and by function; synthetic
    frames ([self], [await]) count for the nearest real frame above them."""
    from pyinstrument.session import Session

    root = Session.load(str(path)).root_frame()
    by_category: dict[str, float] = defaultdict(float)
    by_function: dict[str, float] = defaultdict(float)
    stack = [root] if root else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        own = frame.time - sum(child.time for child in frame.children)
        if own <= 0:
            continue
        real = frame
        while real.is_synthetic and real.parent is not None:
            real = real.parent
        path_text = real.file_path or ""
        by_category[_category(path_text, real.function)] += own
        short = path_text.split("site-packages/")[-1].split("/lib/python3.11/")[-1] or "?"
        label = real.function if real is frame else f"{frame.function} in {real.function}"
        by_function[f"{label} ({short}:{real.line_no})"] += own
    return by_category, by_function


def profile(server: Server, load: LoadRunner, opts: Options) -> dict[str, Any]:
    out = RESULTS / "profile-graphql-qlarge"
    _client().post(f"{server.base}/__bench/profile/start").raise_for_status()
    spec = {
        "mode": "closed",
        "body": body(queries.Q_LARGE, "QLarge"),
        "concurrency": opts.concurrency["Q-large"],
        "duration": opts.profile_seconds,
        "warmup": 0.0,
    }
    outcome = load.run(server, spec)
    _client().post(
        f"{server.base}/__bench/profile/stop", params={"out": str(out)}
    ).raise_for_status()
    by_category, by_function = summarize_profile(out.with_suffix(".pyisession"))
    total = sum(by_category.values())
    return {
        "requests": outcome["count"],
        "rps_while_profiling": outcome["rps"],
        "sampled_seconds": total,
        "by_category": sorted(by_category.items(), key=lambda kv: -kv[1]),
        "top_functions": sorted(by_function.items(), key=lambda kv: -kv[1])[:20],
        "text": str(out.with_suffix(".txt")),
        "html": str(out.with_suffix(".html")),
    }


# --- the write benchmark ------------------------------------------------------------------


def write_plan(opts: Options) -> dataset.WritePlan:
    spread = 8 if opts.quick else 64
    size = opts.size
    attempts = min(opts.write_attempts, size.customers)
    return dataset.WritePlan(
        first_slot=size.slots + 1,
        customer_ids=tuple(range(size.staff + 1, size.staff + 1 + attempts)),
        spread_slots=spread,
        spread_capacity=math.ceil(attempts / spread) + 2,
        hot_capacity=max(1, attempts * 3 // 4),
        runs=opts.write_rounds * 2,
    )


async def _check_run(url: str, slot_ids: list[int]) -> dict[str, Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            marks = ",".join(str(int(s)) for s in slot_ids)
            rows = (
                await conn.execute(
                    text(
                        "SELECT s.id, s.booked_count, s.capacity, "
                        "(SELECT COUNT(*) FROM bookings b "
                        " WHERE b.slot_id = s.id AND b.status = 'CONFIRMED'), "
                        "(SELECT COUNT(*) FROM records r JOIN bookings b ON b.id = r.booking_id "
                        " WHERE b.slot_id = s.id AND r.kind = 'BOOKING_CREATED') "
                        f"FROM booking_slots s WHERE s.id IN ({marks})"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    return {
        "consistent": all(
            booked == confirmed <= capacity for _, booked, capacity, confirmed, _r in rows
        ),
        "confirmed": sum(r[3] for r in rows),
        "records": sum(r[4] for r in rows),
        "booked_count": sum(r[1] for r in rows),
    }


def write_servers(label: str, url: str, server_cpu: set[int] | None) -> dict[str, Server]:
    env = server_env(url)
    return {
        "graphql": Server(f"write-{label}-graphql", "graphql_app", env, cpu=server_cpu),
        "raw-sql": Server(f"write-{label}-raw", "limit_app", env, cpu=server_cpu),
    }


def write_benchmark(
    label: str, url: str, servers: dict[str, Server], opts: Options, load: LoadRunner
) -> list[dict[str, Any]]:
    plan = write_plan(opts)
    results = []
    try:
        for r in range(opts.write_rounds):
            order = ["graphql", "raw-sql"] if r % 2 == 0 else ["raw-sql", "graphql"]
            for pattern in ("spread", "hot"):
                for variant in order:
                    run = r * 2 + (0 if variant == "graphql" else 1)
                    slot_ids = plan.spread_ids(run) if pattern == "spread" else [plan.hot_id(run)]
                    bodies = []
                    for i, user_id in enumerate(plan.customer_ids):
                        slot_id = slot_ids[i % len(slot_ids)]
                        if variant == "graphql":
                            bodies.append(
                                body(
                                    queries.CREATE_BOOKING,
                                    "Book",
                                    {
                                        "input": {
                                            "slotId": ids.encode("BookingSlot", slot_id),
                                            "userId": ids.encode("User", user_id),
                                        }
                                    },
                                )
                            )
                        else:
                            bodies.append(json.dumps({"slot": slot_id, "user": user_id}))
                    spec = {"mode": "list", "bodies": bodies, "concurrency": 32}
                    path = "/graphql" if variant == "graphql" else "/book"
                    outcome = load.run(servers[variant], spec, path=path)
                    check = asyncio.run(_check_run(url, slot_ids))
                    capacity = (
                        plan.spread_capacity * len(slot_ids)
                        if pattern == "spread"
                        else plan.hot_capacity
                    )
                    attempts = len(plan.customer_ids)
                    expected = min(attempts, capacity)
                    ok = (
                        check["consistent"]
                        and check["confirmed"] == outcome["ok"] == expected
                        and check["records"] == outcome["ok"]
                        and outcome["full"] == attempts - expected
                        and outcome["error"] == 0
                    )
                    if not ok:
                        raise AssertionError(
                            f"write {label} {pattern} {variant}: lost or overbooked: "
                            f"{outcome} {check} expected {expected}"
                        )
                    results.append(
                        {
                            "db": label,
                            "pattern": pattern,
                            "variant": variant,
                            "round": r,
                            "attempts": attempts,
                            "booked": outcome["ok"],
                            "full": outcome["full"],
                            "errors": outcome["error"],
                            "booked_per_s": outcome["booked_per_s"],
                            "attempts_per_s": outcome["rps"],
                            "p50": outcome["p50"],
                            "p99": outcome["p99"],
                            "checks": "ok",
                        }
                    )
            progress(f"{label} write round {r + 1}/{opts.write_rounds} done")
    finally:
        for server in servers.values():
            server.stop()
    return results


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    ensure_main_dependencies()
    graphene_py = graphene_python()
    server_cpu, load_cpu = cpu_split(opts.pin)
    info = machine()
    info["versions"].update(graphene_versions(graphene_py))
    print(
        f"bench: {'quick' if opts.quick else 'full'} run on {info['cpu']} x{info['cpus']}, "
        f"Python {info['python']}"
    )
    print(
        f"  dataset {asdict(opts.size)}; rounds {opts.rounds} x {opts.duration:g} s "
        f"(+{opts.warmup:g} s warm-up), connections {opts.concurrency}; "
        f"pinned: server {server_cpu}, "
        f"load {load_cpu}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    plan = write_plan(opts)
    url = dataset.build_db(RESULTS / "bench.db", opts.size, plan if opts.writes else None)
    token = create_access_token(dataset.settings_for(url), 1)
    load = LoadRunner(token, load_cpu)
    servers = read_servers(url, opts, server_cpu, graphene_py)
    # SQLite writes go to the read servers once the reads are done (their slots come later in
    # time than every read page); PostgreSQL gets a database and two servers of its own.
    targets: list[tuple[str, str, dict[str, Server]]] = []
    if opts.writes:
        targets.append(
            ("sqlite", url, {"graphql": servers["graphql"], "raw-sql": servers["limit"]})
        )
        if opts.postgres_url:
            pg_url = dataset.create_postgres(opts.postgres_url, opts.size, plan)
            targets.append(("postgres", pg_url, write_servers("postgres", pg_url, server_cpu)))
    everything = list(servers.values()) + [
        s for label, _u, group in targets if label != "sqlite" for s in group.values()
    ]
    progress(f"datasets ready; starting {len(everything)} servers")
    writes: list[dict[str, Any]] = []
    try:
        start_all(everything)
        progress("servers up")
        answers: dict[str, Any] = {}
        checked = verify(servers, token, answers)
        progress("verified: every variant returns the same data for every query")
        scaling = statement_scaling(servers, token, checked)
        micro = micro_costs(answers, opts.quick)
        progress("statements counted, micro costs measured")
        raw = read_rounds(servers, load, opts)
        summary = {
            key: {
                "rps": median([o["rps"] for o in outcomes]),
                "p50": median([o["p50"] for o in outcomes]),
                "p99": median([o["p99"] for o in outcomes]),
                "errors": sum(o["errors"] for o in outcomes),
                "rounds_rps": [round(o["rps"], 2) for o in outcomes],
            }
            for key, outcomes in raw.items()
        }
        halves = half_rate(servers, load, opts, summary)
        progress("latency at half the maximum rate measured")
        profiled = profile(servers["graphql"], load, opts) if opts.profile_seconds else None
        for name, server in servers.items():
            if name not in ("graphql", "limit"):
                server.stop()
        for label, wurl, group in targets:
            writes += write_benchmark(label, wurl, group, opts, load)
    finally:
        for server in everything:
            server.stop()
        for label, wurl, _group in targets:
            if label == "postgres" and opts.postgres_url:
                dataset.drop_postgres(opts.postgres_url, wurl)

    report = render(
        opts,
        info,
        checked,
        scaling,
        summary,
        halves,
        profiled,
        writes,
        time.monotonic() - started,
        micro,
    )
    print()
    print(report)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / "latest.md").write_text(report + "\n", encoding="utf-8")
    (RESULTS / f"results-{stamp}.json").write_text(
        json.dumps(
            {
                "options": asdict(opts),
                "machine": info,
                "verified": checked,
                "statement_scaling": scaling,
                "reads": {f"{v} {q}": s for (v, q), s in summary.items()},
                "half_rate": {f"{v} {q}": s for (v, q), s in halves.items()},
                "profile": profiled,
                "micro_costs_ms": micro,
                "writes": writes,
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return 0


def render(
    opts: Options,
    info: dict[str, Any],
    checked: dict[str, dict[str, Any]],
    scaling: dict[str, dict[int, float]],
    summary: dict[tuple[str, str], dict[str, Any]],
    halves: dict[tuple[str, str], dict[str, Any]],
    profiled: dict[str, Any] | None,
    writes: list[dict[str, Any]],
    elapsed: float,
    micro: dict[str, dict[str, float]],
) -> str:
    out: list[str] = []
    v = info["versions"]
    out.append(
        f"Machine: {info['cpu']}, {info['cpus']} CPUs, {info['memory_mib']} MiB, {info['os']}, "
        f"Python {info['python']}, SQLite {info['sqlite']}"
    )
    out.append("Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    out.append(
        f"Run: {'quick' if opts.quick else 'full'}, dataset {opts.size.slots} slots x "
        f"{opts.size.bookings_per_slot} bookings x {opts.size.records_per_booking} records, "
        f"{opts.rounds} interleaved rounds x {opts.duration:g} s (+{opts.warmup:g} s warm-up), "
        f"closed-loop connections {opts.concurrency['Q-small']} (Q-small) / "
        f"{opts.concurrency['Q-large']} (Q-large), "
        f"medians of rounds; took {elapsed / 60:.1f} min; load average at the end "
        f"{os.getloadavg()[0]:.1f} (other work on the machine shows here)"
    )
    out.append("")
    out.append(
        "Reads (closed loop, max throughput; x limit = req/s over `limit` in the same run; round "
        "spread = (max - min) / median of the rounds; @half = open loop at half the median req/s, "
        "latency counted from each request's scheduled start, medians of rounds (p99/p50: of "
        "the rounds' ratios); start lag = how late the load generator started requests against "
        "that schedule)"
    )
    rows = []
    for qname in READ_QUERIES:
        limit_rps = summary[("limit", qname)]["rps"]
        for variant in MAIN_VARIANTS:
            s = summary[(variant, qname)]
            h = halves.get((variant, qname), {})
            rows.append(
                [
                    variant,
                    qname,
                    s["rps"],
                    s["p50"],
                    s["p99"],
                    checked[variant][qname]["statements"],
                    s["rps"] / limit_rps if limit_rps else float("nan"),
                    _spread(s["rounds_rps"]),
                    h.get("rate"),
                    h.get("p50"),
                    h.get("p99"),
                    h.get("p99_p50"),
                    None if h.get("start_lag_p99") is None else f"{h['start_lag_p99']:.2f}",
                    s["errors"] + h.get("errors", 0),
                ]
            )
    out.append(
        table(
            [
                "variant",
                "query",
                "req/s",
                "p50 ms",
                "p99 ms",
                "SQL/req",
                "x limit",
                "round spread",
                "half rate",
                "p50 ms @half",
                "p99 ms @half",
                "p99/p50 @half",
                "start lag p99 @half",
                "errors",
            ],
            [
                [
                    *r[:6],
                    f"{r[6]:.2f}",
                    r[7],
                    *r[8:11],
                    None if r[11] is None else f"{r[11]:.2f}",
                    r[12],
                    r[13],
                ]
                for r in rows
            ],
        )
    )
    out.append("")
    out.append("Targets (from the issue; reported, never asserted)")
    g = {q: summary[("graphql", q)]["rps"] for q in READ_QUERIES}

    def ratio(other: str, q: str) -> float:
        theirs = summary[(other, q)]["rps"]
        return g[q] / theirs if theirs else float("nan")

    targets = [
        (
            "graphql / limit, Q-small",
            ratio("limit", "Q-small"),
            ">= 0.50",
            ratio("limit", "Q-small") >= 0.5,
        ),
        (
            "graphql / limit, Q-large",
            ratio("limit", "Q-large"),
            ">= 0.35",
            ratio("limit", "Q-large") >= 0.35,
        ),
    ]
    for other in ("ariadne", "graphene"):
        for q in READ_QUERIES:
            targets.append(
                (f"graphql / {other}, {q}", ratio(other, q), ">= 1.00", ratio(other, q) >= 1.0)
            )
    targets.append(
        (
            "graphql / naive, Q-large",
            ratio("naive", "Q-large"),
            ">= 10",
            ratio("naive", "Q-large") >= 10,
        )
    )
    for q in READ_QUERIES:
        h = halves.get(("graphql", q))
        if h and h.get("p99_p50") is not None:
            r = h["p99_p50"]
            rounds = " ".join(f"{x:.2f}" for x in h["rounds_p99_p50"])
            targets.append(
                (f"graphql p99/p50 at half max rate, {q} (rounds: {rounds})", r, "<= 3.00", r <= 3)
            )
    h = halves.get(("graphql-gc-default", "Q-small"))
    if h and h.get("p99_p50") is not None:
        r = h["p99_p50"]
        rounds = " ".join(f"{x:.2f}" for x in h["rounds_p99_p50"])
        name = f"(GC defaults, no tuning) p99/p50 at half max rate, Q-small (rounds: {rounds})"
        targets.append((name, r, "<= 3.00", r <= 3))
    sc = scaling.get("graphql", {})
    if sc:
        constant = len(set(sc.values())) == 1
        targets.append(
            (
                "graphql SQL/req for Q-large at 5 / 50 / 100 slots",
                " / ".join(fmt(sc[n], 0) for n in sorted(sc)),
                "constant",
                constant,
            )
        )
    out.append(
        table(
            ["target", "measured", "goal", "met"],
            [
                [t, m if isinstance(m, str) else f"{m:.2f}", goal, "yes" if ok else "NO"]
                for t, m, goal, ok in targets
            ],
        )
    )
    out.append("")
    out.append("SQL statements per request, Q-large shape by page size (constant = batched)")
    out.append(
        table(
            ["variant", "5 slots", "50 slots", "100 slots"],
            [[name, *(c.get(n) for n in (5, 50, 100))] for name, c in scaling.items()],
        )
    )
    toggles = [(n, t[0]) for n, t in TOGGLES.items() if (n, "Q-small") in summary]
    if toggles or ("graphql", "Q-large+tc") in summary:
        out.append("")
        out.append(
            "Optimisations: the product with one switched off, or a PROPOSED one switched on "
            f"(first {opts.toggle_rounds} rounds, paired by round; gain = median over rounds of "
            "req/s with it / req/s without it)"
        )
        rows = []
        for name, what in toggles:
            for q in READ_QUERIES:
                # Paired by round (the toggles run in the first rounds only): the median of the
                # per-round ratios, so drift of the shared machine between rounds cancels out.
                theirs = summary[(name, q)]["rounds_rps"]
                ours = summary[("graphql", q)]["rounds_rps"][: len(theirs)]
                ratios = [
                    (t / o if name in PROPOSED else o / t)
                    for t, o in zip(theirs, ours, strict=True)
                    if t and o
                ]
                rows.append(
                    [
                        what,
                        q,
                        median(ours),
                        median(theirs),
                        f"{median(ratios):.2f}x",
                        " ".join(f"{r:.2f}" for r in ratios),
                    ]
                )
        if ("graphql", "Q-large+tc") in summary:
            theirs = summary[("graphql", "Q-large+tc")]["rounds_rps"]
            ours = summary[("graphql", "Q-large")]["rounds_rps"][: len(theirs)]
            ratios = [o / t for t, o in zip(theirs, ours, strict=True) if t and o]
            tc = median(theirs)
            rows.append(
                [
                    "totalCount computed only when selected (vs selected everywhere)",
                    "Q-large",
                    median(ours),
                    tc,
                    f"{median(ratios):.2f}x",
                    " ".join(f"{r:.2f}" for r in ratios),
                ]
            )
        out.append(
            table(
                [
                    "optimisation (variant)",
                    "query",
                    "graphql req/s",
                    "variant req/s",
                    "gain",
                    "per-round gains",
                ],
                rows,
            )
        )
    if micro:
        out.append("")
        out.append(
            "Exact per-request CPU costs of the steps those optimisations remove "
            "(in-process, best of 5)"
        )
        rows = [
            [q, m["orjson_ms"], m["stdlib_json_ms"], m["parse_ms"], m["validate_ms"]]
            for q, m in micro.items()
        ]
        out.append(
            table(
                ["query", "orjson ms", "stdlib json ms", "parse ms", "validate ms"],
                [[r[0], *(f"{x:.3f}" for x in r[1:])] for r in rows],
            )
        )
    if writes:
        out.append("")
        out.append(
            f"Writes: createBooking, 32 concurrent clients, "
            f"{len(write_plan(opts).customer_ids)} attempts per run, median of {opts.write_rounds} "
            f"runs; spread = over {write_plan(opts).spread_slots} slots, "
            f"hot = one slot with capacity {write_plan(opts).hot_capacity}"
        )
        grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for w in writes:
            grouped[(w["db"], w["pattern"], w["variant"])].append(w)
        rows = []
        for (db_name, pattern, variant), runs in grouped.items():
            booked = median([x["booked_per_s"] for x in runs])
            base = median([x["booked_per_s"] for x in grouped[(db_name, pattern, "raw-sql")]])
            rows.append(
                [
                    db_name,
                    pattern,
                    variant,
                    runs[0]["booked"],
                    runs[0]["full"],
                    sum(x["errors"] for x in runs),
                    booked,
                    median([x["attempts_per_s"] for x in runs]),
                    median([x["p50"] for x in runs]),
                    median([x["p99"] for x in runs]),
                    f"{booked / base:.2f}",
                    "no loss, no overbooking",
                ]
            )
        out.append(
            table(
                [
                    "db",
                    "pattern",
                    "variant",
                    "booked",
                    "SLOT_FULL",
                    "errors",
                    "bookings/s",
                    "attempts/s",
                    "p50 ms",
                    "p99 ms",
                    "x raw-sql",
                    "checks",
                ],
                rows,
            )
        )
    if profiled:
        out.append("")
        total = profiled["sampled_seconds"] or 1
        out.append(
            f"Profile: graphql, Q-large, {profiled['requests']} requests in "
            f"{opts.profile_seconds:g} s under pyinstrument (main thread; "
            f"{profiled['rps_while_profiling']:.1f} req/s while sampled)"
        )
        out.append(
            table(
                ["where", "share of main-thread samples"],
                [
                    [name, f"{100 * secs / total:.1f}%"]
                    for name, secs in profiled["by_category"][:12]
                ],
            )
        )
        out.append("")
        out.append(
            table(
                ["top self time", "share"],
                [
                    [name[:110], f"{100 * secs / total:.1f}%"]
                    for name, secs in profiled["top_functions"][:12]
                ],
            )
        )
        out.append(f"Full profile: {profiled['text']} and {profiled['html']}")
    return "\n".join(out)
