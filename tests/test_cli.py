"""The `graphql-api` command line, run as a user would (a subprocess)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from graphql_api.graphql.schema.build import export_sdl
from tests.conftest import TEST_SECRET


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "SECRET_KEY": TEST_SECRET,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "graphql_api", *args],
        env=full_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _count(tmp_path: Path, table: str) -> int:
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_migrate_create_user_and_duplicate(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    created = _run(
        tmp_path,
        "create-user",
        "--email",
        "Boss@Example.com",
        "--password",
        "long enough",
        "--role",
        "admin",
        "--full-name",
        "The Boss",
    )
    assert created.returncode == 0, created.stderr
    assert "ADMIN boss@example.com" in created.stdout
    again = _run(
        tmp_path,
        "create-user",
        "--email",
        "boss@example.com",
        "--password",
        "long enough",
        "--role",
        "staff",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    short = _run(
        tmp_path,
        "create-user",
        "--email",
        "x@example.com",
        "--password",
        "short",
        "--role",
        "customer",
    )
    assert short.returncode == 1
    assert _count(tmp_path, "users") == 1


def test_seed_demo_fills_an_empty_database_once(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    seeded = _run(tmp_path, "seed", "--demo")
    assert seeded.returncode == 0, seeded.stderr
    assert _count(tmp_path, "users") >= 40
    assert _count(tmp_path, "booking_slots") >= 100
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        statuses = {row[0] for row in conn.execute("SELECT DISTINCT status FROM bookings")}
        zones = {row[0] for row in conn.execute("SELECT DISTINCT time_zone FROM booking_slots")}
        inconsistent = conn.execute(
            """SELECT count(*) FROM booking_slots s WHERE booked_count != (SELECT count(*)
               FROM bookings b WHERE b.slot_id = s.id AND b.status = 'CONFIRMED')"""
        ).fetchone()[0]
    assert statuses == {"CONFIRMED", "CANCELLED", "COMPLETED", "NO_SHOW"}
    assert len(zones) >= 3
    assert inconsistent == 0
    users = _count(tmp_path, "users")
    assert "nothing seeded" in _run(tmp_path, "seed", "--demo").stdout
    assert _count(tmp_path, "users") == users


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    result = _run(tmp_path, "export-schema", "--output", str(tmp_path / "out.graphql"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.graphql").read_text() == export_sdl()


@pytest.mark.parametrize("secret", ["", "too-short"])
def test_production_refuses_to_start_without_a_strong_secret(tmp_path: Path, secret: str) -> None:
    result = _run(tmp_path, "serve", "--port", "1", ENVIRONMENT="production", SECRET_KEY=secret)
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr


def test_an_unmigrated_database_gets_one_clear_line(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "create-user",
        "--email",
        "a@example.com",
        "--password",
        "long enough",
        "--role",
        "admin",
    )
    assert result.returncode == 1
    assert "graphql-api migrate" in result.stderr
    assert "Traceback" not in result.stderr and "INSERT" not in result.stderr
