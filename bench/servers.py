"""Starting the servers under test as real processes (uvicorn, one worker each), the graphene
virtualenv, CPU pinning, and installing the bench's own dependencies on first use."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GRAPHENE_VENV = RESULTS / "venv-graphene"
# Graphene 3 pins graphql-core < 3.3 and the product's Strawberry needs >= 3.3: graphene gets its
# own virtualenv with the same versions of everything else as the main one.
GRAPHENE_REQUIREMENTS = ["graphene>=3.4,<4", "aiodataloader>=0.4"]
SHARED_DISTRIBUTIONS = [
    "uvicorn",
    "uvloop",
    "httptools",
    "starlette",
    "SQLAlchemy",
    "greenlet",
    "aiosqlite",
    "asyncpg",
    "pydantic",
    "pydantic-settings",
    "PyJWT",
    "libpass",
    "argon2-cffi",
    "orjson",
    "tzdata",
    "anyio",
]


def bench_extra() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(data["project"]["optional-dependencies"]["bench"])


def ensure_main_dependencies() -> None:
    """`make bench` installs the dev extra only: add the bench extra's packages if missing."""
    missing = []
    for module in ("ariadne", "aiodataloader", "pyinstrument"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        print(f"installing the bench extra ({', '.join(missing)} missing) ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", *bench_extra()], check=True
        )


def _graphene_requirements() -> list[str]:
    pins = []
    for dist in SHARED_DISTRIBUTIONS:
        try:
            pins.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return GRAPHENE_REQUIREMENTS + pins


def graphene_python() -> Path:
    """The graphene virtualenv's interpreter, built (once, ~30 s) when missing or outdated."""
    python = GRAPHENE_VENV / "bin" / "python"
    requirements = _graphene_requirements()
    stamp = hashlib.sha256("\n".join([sys.version, *requirements]).encode()).hexdigest()
    marker = GRAPHENE_VENV / "bench-requirements.sha256"
    if python.exists() and marker.exists() and marker.read_text() == stamp:
        return python
    print("building the graphene virtualenv (first run only) ...", flush=True)
    shutil.rmtree(GRAPHENE_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(GRAPHENE_VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *requirements,
        ],
        check=True,
    )
    marker.write_text(stamp)
    return python


# Ports handed out in this process: a server restarted on a new port (see Server.wait_ready)
# must not get the port of another server that has not bound it yet.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def pin(pid: int, which: set[int] | None) -> None:
    """Pin every thread of `pid` (threads started later inherit it from their creator)."""
    if not which:
        return
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = [pid]
    for tid in tids:
        # A thread that is gone, or pinning that is not allowed: leave it.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(tid, which)


@dataclass
class Server:
    name: str
    module: str
    env: dict[str, str]
    python: str = sys.executable
    loop: str = "uvloop"
    http: str = "httptools"
    cpu: set[int] | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    log_from: int = 0  # where this attempt's output starts in the log

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, again: bool = False) -> None:
        self.port = free_port()
        self.log = RESULTS / "logs" / f"{self.name}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        command = [
            self.python,
            "-m",
            "uvicorn",
            f"bench.apps.{self.module}:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--loop",
            self.loop,
            "--http",
            self.http,
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "5",
        ]
        with open(self.log, "ab" if again else "wb") as out:  # a restart follows the failure
            out.write(f"--- starting on port {self.port}\n".encode())
            out.flush()
            self.log_from = out.tell()
            self.process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 240, *, port_retries: int = 3) -> None:
        """Wait for /healthz, then pin the process (start-up runs on every CPU: it is faster).

        The port is found free before the server binds it, and something else (another
        connection's ephemeral port) may take it in between: a server that exits on "address
        already in use" is started again on another port."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                text = self.log.read_bytes()[self.log_from :] if self.log else b""
                tail = text.decode(errors="replace")[-3000:]  # this attempt's output only
                if "address already in use" in tail and port_retries > 0:
                    port_retries -= 1
                    self.start(again=True)
                    continue
                raise RuntimeError(
                    f"server {self.name} exited with {self.process.returncode}:\n{tail}"
                )
            try:
                if httpx.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    pin(self.process.pid, self.cpu)
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server {self.name} did not start within {timeout} s")
            time.sleep(0.1)  # polling for start-up

    def statements(self) -> int:
        with httpx.Client(timeout=10) as client:
            return int(client.get(f"{self.base}/__bench/stats").json()["statements"])

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def start_all(servers: list[Server]) -> None:
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()
