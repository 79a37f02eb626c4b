"""Instructions per request, counted by valgrind (`callgrind`): the measure that does not drift
with the machine. Each app is run twice in fresh processes under valgrind, for a few and for
many requests of the same query; the difference over the extra requests is per request (the
start-up cancels out, up to a few percent of it that varies between processes: use enough
requests). Their ratio followed the in-process CPU ratio closely in the sixth round (see
docs/PERFORMANCE.md). Slow: ~2-4 minutes per app; needs `valgrind` (apt-get install valgrind).

    python -m bench.instructions                        # graphql and limit, Q-small
    python -m bench.instructions --apps graphql --query q-large --requests 20,120
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {"q-small": ("Q-small", "QSmall"), "q-large": ("Q-large", "QLarge")}


def _child(app_name: str, query: str, requests: int, db_file: str) -> None:
    """Runs inside valgrind: start the app in-process, answer `requests` requests, exit."""
    from bench import dataset, queries
    from bench.inprocess import Caller
    from bench.runner import body, server_env
    from graphql_api.security import create_access_token

    url = f"sqlite+aiosqlite:///{db_file}"
    os.environ.update(server_env(url))
    label, operation = QUERIES[query]
    payload = body(queries.QUERIES[label], operation).encode()
    token = create_access_token(dataset.settings_for(url), 1)

    async def run() -> None:
        app = importlib.import_module(f"bench.apps.{app_name}_app").app
        async with app.router.lifespan_context(app):
            await Caller(app, payload, token).block(requests, 4)

    asyncio.run(run())


def _count(app_name: str, query: str, requests: int, db_file: Path) -> int:
    copy = db_file.with_name(f"{db_file.stem}-{app_name}-{requests}.db")
    shutil.copyfile(db_file, copy)  # each process its own file: no WAL shared between them
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-m", "bench.instructions", "--child", app_name, query, str(requests),
        str(copy),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict and set layouts every run
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", default="graphql,limit")
    parser.add_argument("--query", default="q-small", choices=sorted(QUERIES))
    parser.add_argument("--requests", default="20,220", help="few,many")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.child:
        app_name, query, requests, db_file = opts.child
        _child(app_name, query, int(requests), db_file)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    from bench import dataset
    from bench.runner import RESULTS

    few, many = (int(n) for n in opts.requests.split(","))
    db_file = RESULTS / "instructions.db"
    dataset.build_db(db_file, dataset.Size())
    per_request: dict[str, float] = {}
    for app_name in (name.strip() for name in opts.apps.split(",") if name.strip()):
        counts = [_count(app_name, opts.query, n, db_file) for n in (few, many)]
        per_request[app_name] = (counts[1] - counts[0]) / (many - few)
        print(f"{app_name}: {per_request[app_name] / 1e6:.2f} M instructions per request")
    if {"graphql", "limit"} <= set(per_request):
        print(f"limit / graphql: {per_request['limit'] / per_request['graphql']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
