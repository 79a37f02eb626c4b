"""Starting the real server (`python -m graphql_api serve`) in a subprocess for transport tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LIVE_PASSWORD = "long enough pw"


def create_users(env: dict[str, str], *accounts: tuple[str, str]) -> None:
    """`graphql-api create-user` for each (email, role), as an operator would."""
    for email, role in accounts:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "graphql_api",
                "create-user",
                "--email",
                email,
                "--password",
                LIVE_PASSWORD,
                "--role",
                role,
            ],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )


def demo_env(folder: Path, **extra: str) -> dict[str, str]:
    """Settings of a fresh SQLite database in `folder`, migrated and filled with the demo data
    (`graphql-api migrate`, then `seed --demo`, as an operator would)."""
    from tests.conftest import TEST_SECRET

    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'demo.db'}",
        "SECRET_KEY": TEST_SECRET,
        "REDIS_URL": "",
        **extra,
    }
    for command in (["migrate"], ["seed", "--demo"]):
        subprocess.run(
            [sys.executable, "-m", "graphql_api", *command],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    env: dict[str, str], *, workers: int = 1, log: Path | None = None
) -> Iterator[str]:
    """Yield the base URL of a live server; stop it (SIGTERM) afterwards."""
    port = free_port()
    full_env = {**os.environ, **env}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graphql_api",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start within 30 s")
            time.sleep(0.1)  # polling for start-up, not timing a behaviour
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]
