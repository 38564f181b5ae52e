#!/usr/bin/env bash
# Build and run the whole suite twice: a normal build, then one under
# AddressSanitizer + UndefinedBehaviorSanitizer; between them the store
# and integration tests of the normal build once more on PostgreSQL. Ends
# with one line "N passed, N failed" counting test cases across the runs.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
jobs=$(nproc 2>/dev/null || echo 2)

setup() { # dir, meson options...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dtests=true "$@" >/dev/null || return 1
  else
    meson configure "$dir" -Dtests=true >/dev/null || return 1
  fi
}

run_suite() { # dir, label
  local dir=$1 label=$2
  echo "== $label: build"
  if ! meson compile -C "$dir" >"$dir/compile.log" 2>&1; then
    cat "$dir/compile.log"; status=1; return
  fi
  echo "== $label: test"
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" --no-suite postgres || status=1
}

setup build && run_suite build "normal build" || status=1

# The store suite and every integration test again, on PostgreSQL: a
# throw-away cluster (scripts/pg-cluster.sh) in a temporary directory,
# a schema per test case or server. A cluster that cannot start fails
# the run (its log is missing from the summary), never skips it.
pg_dir=$(mktemp -u -d /tmp/vigil-pg-XXXXXX)
trap 'bash scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1' EXIT
echo "== postgresql: store and integration tests"
if pg_url=$(bash scripts/pg-cluster.sh start "$pg_dir"); then
  mapfile -t pg_tests < <(meson test -C build --list 2>/dev/null | sed 's|.* / ||' |
                          grep -E '^(store|integration-.*|postgres-.*)$')
  [ ${#pg_tests[@]} -gt 20 ] || { echo "postgresql: no tests found to run"; status=1; }
  VIGIL_TEST_STORE_URL="$pg_url&options=-csearch_path%3D{case}" VIGIL_TEST_DATABASE="$pg_url" \
    meson test -C build --no-rebuild --print-errorlogs --num-processes "$jobs" \
      --logbase testlog-postgresql "${pg_tests[@]}" || status=1
  bash scripts/pg-cluster.sh stop "$pg_dir"
else
  echo "postgresql: the throw-away cluster did not start"; status=1
  rm -f build/meson-logs/testlog-postgresql.json
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
  && run_suite build-asan "sanitizers (ASan + UBSan)" || status=1

python3 scripts/test-summary.py sqlite=build/meson-logs/testlog.json \
  postgresql=build/meson-logs/testlog-postgresql.json \
  sanitizers=build-asan/meson-logs/testlog.json || status=1
exit $status
