"""One structured log line per request, and never a password, token or secret in the log."""

from __future__ import annotations

import json
import logging

import pytest

from tests.helpers import QUICK_PASSWORD, Api


async def test_access_log_has_operation_and_outcome_and_no_secrets(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_password = "a-very-secret-password-123"
    register = await api.gql(
        """mutation Register($i: RegisterInput!) {
            register(input: $i) { accessToken refreshToken } }""",
        {"i": {"email": "logme@example.com", "password": secret_password, "fullName": "Log Me"}},
    )
    tokens = register.ok()["register"]
    failed = await api.gql(
        """mutation Login {
            login(input: {email: "logme@example.com", password: "wrong-password-1"}) {
            accessToken } }"""
    )
    assert failed.code == "UNAUTHENTICATED"
    await api.gql("{ me { id } }", token="forged-token-value")

    lines = [r.getMessage() for r in caplog.records if r.name == "graphql_api.access"]
    entries = [json.loads(line) for line in lines]
    assert [e.get("operation") for e in entries[:2]] == ["Register", "Login"]
    assert entries[0]["outcome"] == "OK"
    assert entries[1]["outcome"] == "UNAUTHENTICATED"
    assert all("request_id" in e and "duration_ms" in e and "status" in e for e in entries)

    everything = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for secret in (
        secret_password,
        "wrong-password-1",
        QUICK_PASSWORD,
        tokens["accessToken"],
        tokens["refreshToken"],
        "forged-token-value",
        api.app.state.settings.secret_key,
    ):
        assert secret not in everything


async def test_unexpected_errors_are_masked_and_logged(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphql_api.services import slots as slot_service

    async def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals -- boom")

    monkeypatch.setattr(slot_service, "list_slots", explode)
    caplog.set_level(logging.ERROR)
    result = await api.gql("{ slots { edges { node { id } } } }")
    assert result.code == "INTERNAL_SERVER_ERROR"
    assert result.errors[0]["message"] == "Unexpected error."
    assert "SELECT" not in result.response.text and "Traceback" not in result.response.text
    assert "boom" in caplog.text
