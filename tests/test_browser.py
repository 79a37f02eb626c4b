"""GraphiQL in a real browser: a live server, Debian's headless Chromium driven by playwright-core
(`tests/browser/graphiql.mjs`): a login run in GraphiQL puts the token into the headers pane, `me`
runs without touching it, and an expired token is refreshed by the page.

Needs /usr/bin/chromium, node and `npm ci --prefix tests/browser`; `.ci/browser-setup.sh` installs
them. The screenshot lands in artifacts/graphiql.png (artifacts/graphiql-failure.png on failure)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from graphql_api import security
from graphql_api.config import Settings
from graphql_api.graphql.schema import ids
from tests.conftest import TEST_SECRET
from tests.live_server import running_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tests" / "browser" / "graphiql.mjs"
PLAYWRIGHT = REPO / "tests" / "browser" / "node_modules" / "playwright-core"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
EMAIL = "browser-user@example.com"
PASSWORD = "a long browser password"


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: run .ci/browser-setup.sh (apt-get install chromium)"
    if shutil.which("node") is None:
        return "node is missing: install Node.js 20+"
    if not PLAYWRIGHT.is_dir():
        return "tests/browser/node_modules is missing: run .ci/browser-setup.sh (npm ci)"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("browser") / "browser.db"
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "SECRET_KEY": TEST_SECRET,
        "REDIS_URL": "",
    }
    with running_server(env, log=path.with_suffix(".log")) as base:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "graphql_api",
                "create-user",
                "--email",
                EMAIL,
                "--password",
                PASSWORD,
                "--role",
                "customer",
                "--full-name",
                "Browser User",
            ],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        yield base


def _expired_access_token(server: str) -> str:
    """A real access token of the user, signed with the server's key, expired an hour ago."""
    answer = httpx.post(
        f"{server}/graphql",
        json={
            "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p})"
            " { user { id } } }",
            "variables": {"e": EMAIL, "p": PASSWORD},
        },
    ).json()
    user_id = ids.decode(answer["data"]["login"]["user"]["id"], "User")
    settings = Settings(secret_key=TEST_SECRET, database_url="sqlite+aiosqlite:///unused.db")
    issued = datetime.now(UTC) - timedelta(minutes=settings.access_token_expire_minutes + 60)
    return security.create_access_token(settings, user_id, now=issued)


def test_graphiql_signs_in_runs_me_and_refreshes_in_chromium(server: str) -> None:
    """Login in GraphiQL fills the Headers pane; `me` runs without touching it; an expired
    token in the pane is refreshed with the login's refresh token and the query retried."""
    expired = _expired_access_token(server)
    assert (
        httpx.post(
            f"{server}/graphql",
            json={"query": "{ me { email } }"},
            headers={"Authorization": f"Bearer {expired}"},
        ).status_code
        == 401
    )
    screenshot = REPO / "artifacts" / "graphiql.png"
    screenshot.unlink(missing_ok=True)
    result = subprocess.run(
        ["node", str(SCRIPT), server, EMAIL, PASSWORD, expired],
        cwd=REPO,
        env={**os.environ, "ARTIFACTS_DIR": str(REPO / "artifacts")},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert '"ok":true' in result.stdout
    assert '"refreshed":true' in result.stdout
    assert EMAIL in result.stdout
    assert screenshot.stat().st_size > 10_000  # a real picture, not an empty page
