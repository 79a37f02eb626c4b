"""The deployment files in deploy/ stay in step with the command line."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from graphql_api.cli import build_parser

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _parses(command_line: str) -> None:
    words = shlex.split(
        command_line.replace("${PORT:-8000}", "8000").replace("${WEB_CONCURRENCY:-2}", "2")
    )
    assert words[0].endswith("graphql-api")
    build_parser().parse_args(words[1:])  # exits (SystemExit) on an unknown option


def test_procfile_commands_are_valid() -> None:
    entries = dict(
        line.split(":", 1)
        for line in (DEPLOY / "Procfile").read_text().splitlines()
        if line.strip()
    )
    assert set(entries) == {"release", "web"}
    for command in entries.values():
        _parses(command.strip())


def test_systemd_unit_is_valid() -> None:
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "graphql-api.service")
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    _parses(service["ExecStart"])
    _parses(service["ExecStartPre"])
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 30  # longer than uvicorn's graceful shutdown


def test_nginx_config_upgrades_websockets() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "client_max_body_size 1m;" in text
