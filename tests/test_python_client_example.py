"""examples/python-client: the typed client ariadne-codegen generates from schema.graphql and
queries.graphql signs in, pages, books, listens and cancels against a live server.

The generated package is not committed: `examples/python-client/setup.sh` makes it (in a venv of
its own, as ariadne-codegen needs graphql-core < 3.3). run.py runs as a subprocess with the
project's interpreter, which has the client's run-time needs (httpx, pydantic, websockets).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import demo_env, running_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "python-client"
CUSTOMER = ("customer05@example.com", "demo-customer-password")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (EXAMPLE / "booking_client" / "__init__.py").exists(),
        reason="the generated client is missing: run examples/python-client/setup.sh",
    ),
]


@pytest.fixture(scope="module")
def graphql_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server on a fresh SQLite database with the demo data."""
    env = demo_env(tmp_path_factory.mktemp("pyclient"))
    with running_server(env) as base:
        yield f"{base}/graphql"


def run_example(url: str, email: str, password: str, *extra: str) -> tuple[int, dict[str, Any]]:
    """run.py's exit status and its last line (JSON)."""
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE / "run.py"),
            "--url",
            url,
            "--email",
            email,
            "--password",
            password,
            *extra,
        ],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{result.stderr}"
    return result.returncode, json.loads(lines[-1])


def test_generated_client_books_cancels_and_hears_the_slot(graphql_url: str) -> None:
    code, report = run_example(graphql_url, *CUSTOMER, "--page-size", "10")
    assert code == 0, report
    assert report["ok"] is True
    assert report["user"]["role"] == "CUSTOMER"
    assert report["pages"] > 1  # followed pageInfo.endCursor
    assert report["availableSlots"] > 10
    assert report["booking"]["status"] == "CONFIRMED"
    assert report["cancelled"] == "CANCELLED"
    # The subscription heard the cancellation (and the booking, when it was subscribed first).
    booked_before = report["slot"]["bookedCount"]
    assert report["events"][-1] == booked_before
    if report["heardBooking"]:
        assert report["events"] == [booked_before + 1, booked_before]
    assert report["spentRefreshToken"] == "UNAUTHENTICATED"


def test_a_wrong_password_comes_back_as_a_typed_graphql_error(graphql_url: str) -> None:
    # run.py catches the generated client's GraphQLClientGraphQLMultiError and reports each
    # error's extensions.code; an HTTP failure would carry "httpStatus" instead.
    code, report = run_example(graphql_url, CUSTOMER[0], "not-the-password")
    assert code == 1
    assert report["ok"] is False
    assert "httpStatus" not in report
    assert [(e["code"], e["path"]) for e in report["errors"]] == [("UNAUTHENTICATED", ["login"])]
