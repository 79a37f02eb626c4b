#!/usr/bin/env bash
# Installs what tests/test_browser.py needs: Debian's Chromium (/usr/bin/chromium) and
# playwright-core (tests/browser/node_modules; it never downloads a browser of its own).
# Idempotent: a machine that has both does nothing but a quick `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-setup: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null

if ! command -v node >/dev/null; then
  echo "browser-setup: node is missing (Node.js 20+ is needed)" >&2
  exit 1
fi
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
echo "browser-setup: playwright-core $(node -p "require('./tests/browser/node_modules/playwright-core/package.json').version")"
