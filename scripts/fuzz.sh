#!/usr/bin/env bash
# Fuzz every intake parser, the matchers and the tenant import with libFuzzer (clang, ASan + UBSan) for SECONDS
# each (default 60), then merge any new coverage into fuzz/corpus/<parser>,
# which make check replays. Crashes are kept in build-fuzz/artifacts/.
# usage: scripts/fuzz.sh [SECONDS] [PARSER...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
parsers=("$@"); [ ${#parsers[@]} -gt 0 ] || parsers=(alertmanager webhook pagerduty json syslog matcher silence tenants-csv tenants-json)

missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzzing=true -Dtests=false -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz >/dev/null
mkdir -p build-fuzz/artifacts
for p in "${parsers[@]}"; do
  work=$(mktemp -d)
  echo "== fuzzing $p for ${secs}s"
  build-fuzz/fuzz/fuzz-"$p" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -artifact_prefix=build-fuzz/artifacts/"$p"- "$work" fuzz/corpus/"$p" 2>&1 | grep -E "^#[0-9]+.*DONE|ERROR|SUMMARY|Done" || true
  build-fuzz/fuzz/fuzz-"$p" -merge=1 fuzz/corpus/"$p" "$work" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
  rm -rf "$work"
done
ls build-fuzz/artifacts 2>/dev/null | grep -q . && { echo "crashes found: build-fuzz/artifacts"; exit 1; }
echo "no crashes"
