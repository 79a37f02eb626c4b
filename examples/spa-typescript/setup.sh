#!/usr/bin/env bash
# Install the locked packages, generate the typed documents and the persisted-documents manifest
# from ../../schema.graphql, and type-check: exits non-zero when a schema change broke a document.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
npm run codegen
npm run typecheck
