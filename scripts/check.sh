#!/usr/bin/env bash
# Build and run the whole suite twice: a normal build, then one under
# AddressSanitizer + UndefinedBehaviorSanitizer. Ends with one line
# "N passed, N failed" counting test cases across both runs.
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
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" || status=1
}

setup build && run_suite build "normal build" || status=1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
  && run_suite build-asan "sanitizers (ASan + UBSan)" || status=1

python3 scripts/test-summary.py build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
  || status=1
exit $status
