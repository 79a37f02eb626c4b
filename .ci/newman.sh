#!/usr/bin/env bash
# Runs the Postman collection (postman/) with newman against a live server on a throw-away
# SQLite database with demo data; fails when any assertion fails. See docs/POSTMAN_TESTING.md.
# JUnit report: artifacts/newman.xml; server log on failure: printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/graphql-api ]; then
  make install
fi
npm ci --prefix postman --no-audit --no-fund --loglevel=error

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite+aiosqlite:///$work/newman.db"
export SECRET_KEY="newman-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
export ENVIRONMENT=development
export REDIS_URL=""
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

.venv/bin/graphql-api migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; exit 1; }
.venv/bin/graphql-api seed --demo
.venv/bin/graphql-api serve --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!

if ! .venv/bin/python - "$base/healthz" "$server_pid" <<'PY'
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("newman: the server exited during start-up")
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit("newman: the server did not answer /healthz within 60 s")
PY
then
  tail -n 50 "$work/server.log"
  exit 1
fi
echo "newman: server up at $base"

mkdir -p artifacts
status=0
postman/node_modules/.bin/newman run postman/booking-api.postman_collection.json \
  --environment postman/local.postman_environment.json \
  --env-var "baseUrl=$base" \
  --reporters cli,junit --reporter-junit-export artifacts/newman.xml \
  --timeout-request 10000 || status=$?
if [ "$status" -ne 0 ]; then
  echo "newman: FAILED (exit $status); last lines of the server log:"
  tail -n 50 "$work/server.log"
fi
exit "$status"
