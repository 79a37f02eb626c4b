#!/usr/bin/env bash
# Generate the typed client (booking_client/) from the repo's schema.graphql and queries.graphql,
# then type-check it together with run.py, so that a schema change that breaks the operations
# fails here: a removed or renamed field fails generation, a changed type fails mypy.
#
#   examples/python-client/setup.sh
#
# Environment: PYTHON (interpreter for the generator's venv, default python3), MYPY (default the
# project's ../../.venv/bin/mypy, which has the pydantic plugin), SKIP_MYPY=1 to generate only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

venv=.venv-codegen
stamp="$venv/.requirements-codegen.txt"
if [[ ! -x "$venv/bin/ariadne-codegen" ]] || ! cmp -s requirements-codegen.txt "$stamp"; then
    echo "setup.sh: installing ariadne-codegen into $venv"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --requirement requirements-codegen.txt
    cp requirements-codegen.txt "$stamp"
fi

# Regenerate from scratch: no module of an operation that no longer exists may linger.
rm -rf booking_client
"$venv/bin/ariadne-codegen" client >/dev/null  # reads [tool.ariadne-codegen] in pyproject.toml
echo "setup.sh: generated booking_client/ from ../../schema.graphql and queries.graphql"

if [[ "${SKIP_MYPY:-0}" == "1" ]]; then
    echo "setup.sh: SKIP_MYPY=1, not type-checking"
    exit 0
fi
mypy="${MYPY:-../../.venv/bin/mypy}"
if [[ ! -x "$mypy" ]]; then
    echo "setup.sh: no mypy at $mypy (run 'make install-dev' at the repo root, set MYPY, or SKIP_MYPY=1)" >&2
    exit 1
fi
"$mypy"  # [tool.mypy] in pyproject.toml: strict, pydantic plugin, run.py and booking_client
