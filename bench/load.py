"""The load generator, run in its own process: `python -m bench.load SPEC.json` prints one JSON
object (counts, requests per second, latency percentiles) on stdout.

A minimal HTTP/1.1 keep-alive client on asyncio streams (uvloop when available): a prebuilt
request, read the head, read Content-Length (or chunked) bytes. Far cheaper per request than a
general client, so that on a small machine the generator is not what limits the fastest server.

Modes (SPEC["mode"]):
- "closed": `concurrency` connections, each sending its next request as soon as the previous
  answer arrives, for `warmup` + `duration` seconds; only requests finishing inside the
  measured window count (maximum throughput).
- "open": requests start on a fixed schedule, `rate` per second (constant arrival rate), over a
  pool of connections; latency runs from the scheduled start, so a stalled server is not
  hidden by the client waiting for it (no coordinated omission).
- "list": each body of SPEC["bodies"] is sent once, over `concurrency` connections (the write
  benchmark); answers are classified as ok, SLOT_FULL or error.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any


def build_request(spec: dict[str, Any], body: bytes) -> bytes:
    headers = [
        f"POST {spec['path']} HTTP/1.1",
        f"Host: {spec['host']}:{spec['port']}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
    ]
    headers += [f"{k}: {v}" for k, v in spec.get("headers", {}).items()]
    return ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def roundtrip(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = -1
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return status, b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(
    latencies: list[float], window: float, errors: int, extra: dict[str, Any]
) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies]
    return {
        "count": len(latencies),
        "errors": errors,
        "seconds": window,
        "rps": len(latencies) / window if window > 0 else 0.0,
        "p50": percentile(ms, 0.50),
        "p90": percentile(ms, 0.90),
        "p99": percentile(ms, 0.99),
        "max": max(ms) if ms else float("nan"),
        **extra,
    }


async def closed(spec: dict[str, Any]) -> dict[str, Any]:
    """Measured window: from the end of the warm-up until `duration` has passed and at least
    `min_requests` answers arrived (at most `max_seconds`); answers after it are drained, not
    counted, so the next measurement starts on an idle server."""
    request = build_request(spec, spec["body"].encode())
    conns = [await Connection.open(spec["host"], spec["port"]) for _ in range(spec["concurrency"])]
    min_requests = int(spec.get("min_requests", 1))
    start = time.perf_counter()
    measure_from = start + spec["warmup"]
    stop_at = measure_from + spec["duration"]
    hard_stop = measure_from + max(spec.get("max_seconds", spec["duration"]), spec["duration"])
    latencies: list[float] = []
    end_mark: list[float] = []
    errors: list[int] = [0]
    samples: list[str] = []

    async def worker(conn: Connection) -> None:
        while True:
            t0 = time.perf_counter()
            if end_mark:
                return
            if t0 >= hard_stop or (t0 >= stop_at and len(latencies) + errors[0] >= min_requests):
                end_mark.append(t0)
                return
            status, body = await conn.roundtrip(request)
            t1 = time.perf_counter()
            if t1 >= measure_from and not end_mark:
                if _ok(status, body):
                    latencies.append(t1 - t0)
                else:
                    errors[0] += 1
                    if len(samples) < 3:
                        samples.append(f"{status} {body[:300]!r}")

    await asyncio.gather(*(worker(c) for c in conns))
    for c in conns:
        c.close()
    window = end_mark[0] - measure_from if end_mark else spec["duration"]
    return summary(latencies, window, errors[0], {"error_samples": samples})


async def open_loop(spec: dict[str, Any]) -> dict[str, Any]:
    request = build_request(spec, spec["body"].encode())
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(spec["concurrency"]):
        pool.put_nowait(await Connection.open(spec["host"], spec["port"]))
    rate = float(spec["rate"])
    start = time.perf_counter() + 0.05
    measure_from = start + spec["warmup"]
    total = int((spec["warmup"] + spec["duration"]) * rate)
    latencies: list[float] = []
    lags: list[float] = []
    errors = [0]
    late = [0]
    tasks: list[asyncio.Task[None]] = []
    loop = asyncio.get_running_loop()

    async def one(scheduled: float) -> None:
        began = time.perf_counter()
        conn = await pool.get()
        try:
            status, body = await conn.roundtrip(request)
        finally:
            pool.put_nowait(conn)
        done = time.perf_counter()
        if scheduled >= measure_from:
            if _ok(status, body):
                latencies.append(done - scheduled)
                lags.append(max(0.0, began - scheduled))
            else:
                errors[0] += 1

    def launch(scheduled: float) -> None:
        tasks.append(loop.create_task(one(scheduled)))

    def schedule() -> None:
        # On a thread of its own: the event loop's timers have a resolution of a millisecond
        # (libuv's clock), which put ~1.5 ms of the generator's own lateness into the p99 of
        # every variant alike. time.sleep is precise to tens of microseconds, and the loop
        # wakes at once for call_soon_threadsafe.
        for k in range(total):
            scheduled = start + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.005:
                late[0] += 1
            loop.call_soon_threadsafe(launch, scheduled)

    # to_thread's result reaches the loop by call_soon_threadsafe from the same thread, after
    # every launch: all of them have run when it returns.
    await asyncio.to_thread(schedule)
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    lag_ms = [x * 1000 for x in lags]
    extra = {
        "rate": rate,
        "late_starts": late[0],
        # How late requests started against their schedule (latency counts from the schedule).
        "start_lag_p50": percentile(lag_ms, 0.5),
        "start_lag_p99": percentile(lag_ms, 0.99),
    }
    return summary(latencies, spec["duration"], errors[0], extra)


async def send_list(spec: dict[str, Any]) -> dict[str, Any]:
    requests = [build_request(spec, b.encode()) for b in spec["bodies"]]
    conns = [await Connection.open(spec["host"], spec["port"]) for _ in range(spec["concurrency"])]
    latencies: list[float] = []
    counts = {"ok": 0, "full": 0, "error": 0}
    samples: list[str] = []
    queue = iter(requests)

    async def worker(conn: Connection) -> None:
        for request in queue:
            t0 = time.perf_counter()
            status, body = await conn.roundtrip(request)
            latencies.append(time.perf_counter() - t0)
            if status == 200 and b'"errors"' not in body:
                counts["ok"] += 1
            elif status == 200 and b"SLOT_FULL" in body:
                counts["full"] += 1
            else:
                counts["error"] += 1
                if len(samples) < 3:
                    samples.append(f"{status} {body[:300]!r}")

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    result = summary(latencies, elapsed, counts["error"], {"error_samples": samples, **counts})
    result["booked_per_s"] = counts["ok"] / elapsed
    return result


MODES = {"closed": closed, "open": open_loop, "list": send_list}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    result = runner(MODES[spec["mode"]](spec))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
