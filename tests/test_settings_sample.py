"""`.env.sample` documents every setting, and every line of it is a real setting."""

from __future__ import annotations

import json
import re
from pathlib import Path

from graphql_api.config import Settings

SAMPLE = Path(__file__).resolve().parent.parent / ".env.sample"


def test_env_sample_lists_every_setting_with_a_comment() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    names = {}
    for number, line in enumerate(lines):
        if match := re.match(r"^([A-Z_]+)=", line):
            names[match.group(1).lower()] = number
    assert set(names) == set(Settings.model_fields)
    for name, number in names.items():
        # Each setting sits under a comment, directly or as part of a commented group.
        above = [line for line in lines[:number] if not re.match(r"^[A-Z_]+=", line)]
        assert above and above[-1].startswith("#"), name


def test_env_sample_values_are_accepted() -> None:
    values = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if (match := re.match(r"^([A-Z_]+)=(.+)$", line)) is not None:
            raw = match.group(2)
            values[match.group(1).lower()] = json.loads(raw) if raw.startswith("[") else raw
    Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_setup_docs_list_every_setting() -> None:
    setup = (SAMPLE.parent / "docs" / "SETUP.md").read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in setup]
    assert missing == []
