#!/usr/bin/env bash
# The page's end-to-end test, in one command: build dist/ with Trunk
# (release), install the test's npm dependencies if missing, run the browser
# test against dist/ served on 127.0.0.1, exit non-zero on failure.
#
#   tests/e2e/run.sh [--screenshot docs/screenshot.png]
#
# Needs: trunk 0.21.14 and wasm-bindgen 0.2.130 on PATH, /usr/bin/chromium
# (or CHROMIUM=...), node and npm (for Binaryen's wasm-opt, playwright-core
# and axe-core). Set SKIP_BUILD=1 to test an existing dist/.
# For the wasm-vs-native ratio build the CLI first
# (cargo build --release -p poolcast-cli) or set POOLCAST_NATIVE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # Trunk's release build runs Binaryen's wasm-opt from npm (web/build).
  if [ ! -d web/build/node_modules/binaryen ]; then
    (cd web/build && npm ci --no-audit --no-fund)
  fi
  # The site's release wasm has its own target directory (cargo xtask test
  # builds it there in the background while the other tests run).
  PATH="$root/web/build/node_modules/.bin:$PATH" \
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/site" \
    trunk build --offline --release
fi
if [ ! -d "$here/node_modules/axe-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
node "$here/e2e.mjs" --dist "$root/dist" "$@"
