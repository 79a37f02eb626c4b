"""ASGI middleware: body size limit, security headers, one structured log line per request."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphql_api.metrics import Metrics

log = logging.getLogger("graphql_api.access")

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class _TooLarge(Exception):
    pass


class RequestIds:
    """Random request ids: 128 random bits as 32 hex digits (the format `uuid4().hex` had),
    from the operating system's random source 256 at a time: os.urandom releases the GIL for its
    system call, and taking it back meant waiting for aiosqlite's thread, a stall per request."""

    _BATCH = 256

    def __init__(self) -> None:
        self._hex = ""
        self._at = 0

    def next(self) -> str:
        if self._at >= len(self._hex):
            self._hex = os.urandom(16 * self._BATCH).hex()
            self._at = 0
        found = self._hex[self._at : self._at + 32]
        self._at += 32
        return found


class RequestGuard:
    """Refuses bodies over `max_body_bytes` with 413 before anything parses them, adds security
    headers and an `x-request-id`, and logs one line per HTTP request (never bodies or headers)."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, metrics: Metrics | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self._ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or self._ids.next()
        started = time.perf_counter()
        status = {"code": 500}
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject(send, request_id)
            self._log(scope, request_id, 413, started)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    *_SECURITY_HEADERS,
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not response_started:
                await self._reject(send, request_id)
            status["code"] = 413
        finally:
            self._log(scope, request_id, status["code"], started)

    async def _reject(self, send: Send, request_id: str) -> None:
        body = json.dumps(
            {
                "errors": [
                    {"message": "Request body too large.", "extensions": {"code": "BAD_USER_INPUT"}}
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *_SECURITY_HEADERS,
                    (b"x-request-id", request_id.encode("latin-1")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _log(self, scope: Scope, request_id: str, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        extra: dict[str, Any] = dict(scope.get("state", {}).get("graphql", {}))
        codes: list[str] = extra.pop("codes", [])
        if extra and self.metrics is not None:  # a GraphQL operation ran
            self.metrics.observe_request(extra.get("operation"), codes, seconds)
        if not log.isEnabledFor(logging.INFO):  # LOG_LEVEL=WARNING: no line to format
            return
        log.info(
            json.dumps(
                {
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    **extra,
                }
            )
        )
