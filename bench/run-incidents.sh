#!/usr/bin/env bash
# Seed 1,000,000 incidents and report p50/p99 of typical list and show
# queries through the store interface. Usage: bench/run-incidents.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-incidents >/dev/null
exec build/bench-incidents --count "${1:-1000000}" --db "${TMPDIR:-/tmp}/vigil-bench-incidents.db"
