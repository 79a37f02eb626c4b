"""GraphiQL works with no internet: the page loads only this server's own (vendored) assets."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from httpx import ASGITransport, AsyncClient

from graphql_api.graphiql import ASSETS_DIR
from graphql_api.main import create_app
from tests.conftest import make_settings

HTML = {"accept": "text/html"}

# The Subresource Integrity hashes upstream publishes for these exact files (the same ones
# Strawberry's stock page loads from a CDN): the vendored copies must be byte-for-byte those.
PUBLISHED_SHA384 = {
    "react.production.min.js": "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    "react-dom.production.min.js": (
        "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"
    ),
    "graphiql.min.js": "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "graphiql.min.css": "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
}


class _References(HTMLParser):
    """Every URL the page makes the browser load: src and href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append(value)


def _references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    return parser.urls


async def _client(tmp_path: Path, *, root_path: str = "", **settings: object) -> AsyncClient:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", **settings))
    transport = ASGITransport(app=app, root_path=root_path)
    return AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    async with await _client(tmp_path) as http:
        yield http


async def test_page_references_only_local_assets(client: AsyncClient) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert not re.search(r"https?://", page), "the page must not name any host"
    urls = _references(page)
    scripts = [u for u in urls if urlsplit(u).path.endswith(".js")]
    styles = [u for u in urls if urlsplit(u).path.endswith(".css")]
    assert len(scripts) == 4 and len(styles) == 2, urls
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme == "data":  # the inline favicon
            continue
        assert not parts.scheme and not parts.netloc, url
        assert parts.path.startswith("/graphql-static/graphiql/"), url


async def test_every_referenced_asset_answers_200(client: AsyncClient) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    for url in _references(page):
        if url.startswith("data:"):
            continue
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        kind = asset.headers["content-type"]
        if urlsplit(url).path.endswith(".js"):
            assert "javascript" in kind, (url, kind)
        else:
            assert kind.startswith("text/css"), (url, kind)


async def test_page_pins_loads_to_this_origin(client: AsyncClient) -> None:
    response = await client.get("/graphql", headers=HTML)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "default-src 'none'" in policy


async def test_start_up_script_enables_the_headers_editor_and_posts_to_the_page_url(
    client: AsyncClient,
) -> None:
    script = (await client.get("/graphql-static/graphiql/graphiql-init.js")).text
    assert "isHeadersEditorEnabled: true" in script
    assert 'defaultEditorToolsVisibility: "headers"' in script
    assert "url: endpoint.href" in script  # the page's own URL: /graphql


def test_vendored_files_are_the_published_ones() -> None:
    for name, expected in PUBLISHED_SHA384.items():
        digest = base64.b64encode(hashlib.sha384((ASSETS_DIR / name).read_bytes()).digest())
        assert digest.decode() == expected, name


async def test_asset_urls_follow_the_root_path(tmp_path: Path) -> None:
    async with await _client(tmp_path, root_path="/booking") as http:
        page = (await http.get("/booking/graphql", headers=HTML)).text
        urls = [u for u in _references(page) if not u.startswith("data:")]
        assert urls and all(u.startswith("/booking/graphql-static/graphiql/") for u in urls)
        for url in urls:
            assert (await http.get(url)).status_code == 200, url


async def test_production_serves_neither_page_nor_assets(tmp_path: Path) -> None:
    async with await _client(tmp_path, environment="production", secret_key="p" * 64) as http:
        assert (await http.get("/graphql", headers=HTML)).status_code == 404
        asset = await http.get("/graphql-static/graphiql/graphiql.min.js")
        assert asset.status_code == 404
