"""The GraphQL-over-HTTP conformance audit (graphql-http's `auditServer`, npm) against a real
server in development mode: every MUST passes; the SHOULD results are printed (`-rA` / `-s`).

Needs Node and `npm ci --prefix tests/js/audit` (CI: .ci/js-setup.sh); skips without them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.live_server import running_server

pytestmark = pytest.mark.slow

AUDIT_DIR = Path(__file__).parent / "js" / "audit"
AUDIT_SCRIPT = AUDIT_DIR / "audit.mjs"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed (the audit runs on Node >= 18)")
@pytest.mark.skipif(
    not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir(),
    reason="graphql-http is not installed: run .ci/js-setup.sh (npm ci --prefix tests/js/audit)",
)
def test_graphql_over_http_audit(tmp_path: Path) -> None:
    assert NODE is not None
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}",
        "SECRET_KEY": TEST_SECRET,
        "ENVIRONMENT": "development",
        "REDIS_URL": "",
        "CORS_ORIGINS": "",
        "BATCHING": "false",
    }
    summary_path = tmp_path / "audit.json"
    with running_server(env, log=tmp_path / "server.log") as base:
        completed = subprocess.run(
            [NODE, str(AUDIT_SCRIPT), f"{base}/graphql", "--json", str(summary_path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    print(completed.stdout)  # every MUST / SHOULD / MAY with its status
    assert completed.returncode in (0, 1), completed.stderr or completed.stdout
    summary = json.loads(summary_path.read_text())
    assert summary["counts"]["MUST"]["total"] > 0
    must_failures = [r for r in summary["results"] if r["level"] == "MUST" and r["status"] != "ok"]
    assert must_failures == [], json.dumps(must_failures, indent=2)
    assert completed.returncode == 0
    # The contract promises application/graphql-response+json: its SHOULDs hold too.
    should_failures = [
        r["id"] for r in summary["results"] if r["level"] == "SHOULD" and r["status"] != "ok"
    ]
    assert should_failures == [], completed.stdout
