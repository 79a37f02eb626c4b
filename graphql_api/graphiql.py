"""GraphiQL without the internet: the page and its assets (React, GraphiQL) come from this package.

Strawberry's stock page loads React and GraphiQL from a CDN; ours references only files under
`STATIC_URL` (vendored in `static/graphiql/`, see the README there), so GraphiQL works on a
machine without internet and a Content-Security-Policy can pin every load to this origin."""

from __future__ import annotations

import hashlib
from functools import cache
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

STATIC_ROOT = Path(__file__).parent / "static"
STATIC_MOUNT = "/graphql-static"  # `main.create_app` mounts STATIC_ROOT here (GraphiQL on only)
ASSETS_DIR = STATIC_ROOT / "graphiql"

# Load order matters: React, then ReactDOM, then GraphiQL (UMD globals), then our start-up code.
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql-init.js",
)
STYLESHEETS = ("graphiql.min.css", "graphiql-page.css")

# Only this origin; inline styles because GraphiQL's editors set them; WebSocket for subscriptions.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


@cache
def _version(name: str) -> str:
    """A short content hash for cache busting: a changed asset gets a new URL."""
    return hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()[:12]


def _asset_url(root_path: str, name: str) -> str:
    return escape(f"{root_path}{STATIC_MOUNT}/graphiql/{name}?v={_version(name)}")


def graphiql_html(root_path: str = "") -> str:
    styles = "\n".join(
        f'    <link rel="stylesheet" href="{_asset_url(root_path, name)}">' for name in STYLESHEETS
    )
    scripts = "\n".join(
        f'    <script src="{_asset_url(root_path, name)}"></script>' for name in SCRIPTS
    )
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Booking API · GraphiQL</title>
    <link rel="icon" href="data:,">
{styles}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
{scripts}
  </body>
</html>
"""


def graphiql_response(request: Request) -> HTMLResponse:
    root_path = str(request.scope.get("root_path", "")).rstrip("/")
    return HTMLResponse(
        graphiql_html(root_path),
        headers={
            "content-security-policy": CONTENT_SECURITY_POLICY,
            "cache-control": "no-store",
        },
    )
