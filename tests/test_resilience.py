"""PostgreSQL or Redis going away and coming back, and graceful shutdown with a request in flight.
Outages are simulated with a TCP proxy the test can cut (tests/tcp_proxy.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url

from graphql_api.main import create_app
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SECRET, make_settings
from tests.helpers import Api
from tests.live_server import free_port
from tests.tcp_proxy import TcpProxy

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"
)
SLOTS = "{ slots { totalCount } }"


def _through(proxy: TcpProxy, url: str) -> str:
    return (
        make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )


@pytest.fixture
async def pg_proxy(postgres_migrated: str) -> AsyncIterator[TcpProxy]:
    target = make_url(postgres_migrated)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def _client(app: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://t")


@needs_postgres
async def test_postgres_outage_fails_fast_and_recovers(
    pg_proxy: TcpProxy, postgres_migrated: str
) -> None:
    settings = make_settings(
        _through(pg_proxy, postgres_migrated), db_connect_timeout=1, db_pool_timeout=2
    )
    app = create_app(settings)
    async with await _client(app) as client:
        assert (await client.post("/graphql", json={"query": SLOTS})).json()["data"]
        assert (await client.get("/readyz")).status_code == 200

        await pg_proxy.stop()
        # Hang guard only: the answer must come from the connect timeout, not from waiting.
        down = await asyncio.wait_for(client.post("/graphql", json={"query": SLOTS}), 15)
        body = down.json()
        assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert body["errors"][0]["message"] == "Unexpected error."
        assert "asyncpg" not in down.text and "Traceback" not in down.text
        ready = await asyncio.wait_for(client.get("/readyz"), 15)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] is False

        await pg_proxy.start()  # PostgreSQL is back: the pool recovers by itself
        assert (await client.post("/graphql", json={"query": SLOTS})).json()["data"]
        assert (await client.get("/readyz")).status_code == 200
    await app.state.db.dispose()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
async def test_redis_restart_subscribers_keep_receiving(database_url: str) -> None:
    assert TEST_REDIS_URL
    parts = urlsplit(TEST_REDIS_URL)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.start()
    redis_url = f"redis://127.0.0.1:{proxy.port}{parts.path}"
    app = create_app(make_settings(database_url, redis_url=redis_url))
    broker = app.state.broker
    await broker.start()
    heard: asyncio.Queue[int] = asyncio.Queue()

    async def listen() -> None:
        async for slot_id in broker.subscribe():
            heard.put_nowait(slot_id)

    listener = asyncio.create_task(listen())
    try:
        async with await _client(app) as client:
            api = Api(app, client)

            async def heard_after_publish() -> bool:
                # Publish until the listener hears it: reconnects take an unknown moment.
                for _ in range(100):
                    await broker.publish({4242})
                    try:
                        if await asyncio.wait_for(heard.get(), 0.2) == 4242:
                            return True
                    except TimeoutError:
                        continue
                return False

            assert await heard_after_publish()
            assert (await client.get("/readyz")).status_code == 200

            await proxy.stop()
            assert (await api.client.get("/readyz")).status_code == 503
            await broker.publish({1})  # a lost event must not raise into the booking path

            await proxy.start()
            assert await heard_after_publish()
            assert (await client.get("/readyz")).status_code == 200
    finally:
        listener.cancel()
        await broker.stop()
        await app.state.limits.counter.close() if hasattr(
            app.state.limits.counter, "close"
        ) else None
        await app.state.db.dispose()
        await proxy.stop()


@needs_postgres
@pytest.mark.slow
async def test_graceful_shutdown_lets_a_request_in_flight_finish(
    pg_proxy: TcpProxy, postgres_migrated: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _through(pg_proxy, postgres_migrated),
        "SECRET_KEY": TEST_SECRET,
        "REDIS_URL": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "graphql_api", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(300):  # wait for start-up
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            pg_proxy.pause()  # the database stalls: the next request hangs mid-flight
            in_flight = asyncio.create_task(http.post(f"{base}/graphql", json={"query": SLOTS}))
            await asyncio.wait_for(pg_proxy.client_bytes.wait(), 10)  # it reached the database
            process.send_signal(signal.SIGTERM)
            pg_proxy.resume()
            response = await asyncio.wait_for(in_flight, 20)
        assert response.status_code == 200
        assert response.json()["data"]["slots"]["totalCount"] >= 0
        # Waited for off the loop: the proxy (on this loop) must keep serving the shutdown.
        # uvicorn re-raises the captured SIGTERM after its graceful shutdown completes.
        assert await asyncio.to_thread(process.wait, 20) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
