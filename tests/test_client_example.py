"""examples/book_and_listen.py, a `gql` client, runs against a live server end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import demo_env, running_server

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("gql", reason="the client example needs the dev extra (gql)")


@pytest.mark.slow
def test_client_example_signs_in_books_and_hears_the_update(tmp_path: Path) -> None:
    env = demo_env(tmp_path)
    with running_server(env) as base:
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "examples" / "book_and_listen.py"),
                "--url",
                f"{base}/graphql",
                "--email",
                "customer05@example.com",
                "--password",
                "demo-customer-password",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert '"status": "CONFIRMED"' in result.stdout
    assert '"bookedCount"' in result.stdout
