#!/usr/bin/env bash
# Seed 1,000,000 incidents and report p50/p99 of typical list and show
# queries through the store interface, on SQLite and then on PostgreSQL
# (a throw-away cluster of scripts/pg-cluster.sh), in the same run.
# Usage: bench/run-incidents.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-incidents >/dev/null
echo "== sqlite"
build/bench-incidents --count "${1:-1000000}" --db "${TMPDIR:-/tmp}/vigil-bench-incidents.db"
pg=$(mktemp -u -d /tmp/vigil-bench-pg-XXXXXX)
trap 'bash scripts/pg-cluster.sh stop "$pg" >/dev/null 2>&1' EXIT
url=$(bash scripts/pg-cluster.sh start "$pg")
echo "== postgresql"
BENCH_AFTER_SEED="psql -qAt '$url' -c ANALYZE" build/bench-incidents --count "${1:-1000000}" --url "$url"
