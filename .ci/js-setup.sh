#!/usr/bin/env bash
# CI: installs the JavaScript test tools (the graphql-http GraphQL-over-HTTP audit) exactly as
# pinned in tests/js/audit/package-lock.json. Without them tests/test_http_audit.py skips.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests/js/audit --no-audit --no-fund
