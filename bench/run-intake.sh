#!/usr/bin/env bash
# Intake throughput, Vigil against a stock Alertmanager on the same machine
# in the same run: wrk posts to /api/v2/alerts in batches of 1 and 100 over
# 8 and 64 connections, ~10,000 distinct fingerprints. Vigil commits every
# request durably before answering (SQLite WAL, synchronous=FULL);
# Alertmanager keeps alerts in memory. Prints alerts/s, p50, p99, ratio.
# Then what bounds the one-alert cells on this machine: the same wrk against
# each server's health check (HTTP with no work, which shares the two
# cores with wrk as the real runs do), the time of one synced 4 KiB write
# beside the database, and from both the most one-alert requests a
# durable server could answer with N connections: N / (no-op round trip +
# one sync), since each request waits for its own commit (Little's law).
# usage: bench/run-intake.sh [SECONDS]   (default 15 per run)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
for p in wrk prometheus-alertmanager; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -q --no-install-recommends "$p" >/dev/null; }
done
[ -f build-release/build.ninja ] || meson setup build-release -Dbuildtype=release -Dtests=false >/dev/null
ninja -C build-release vigil >/dev/null || { ninja -C build-release vigil; exit 1; }

dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
cat > "$dir/vigil.yaml" <<YAML
listen: 127.0.0.1:18931
database: sqlite:$dir/vigil.db
log_level: warn
threads: 8
intake:
  allow: 127.0.0.1/32
limits:
  max_body: 4MiB
YAML
cat > "$dir/am.yml" <<YAML
route: { receiver: none }
receivers: [ { name: none } ]
YAML
build-release/vigil -c "$dir/vigil.yaml" serve 2>"$dir/vigil.log" &
prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir/am" \
  --web.listen-address=127.0.0.1:18932 --cluster.listen-address= --log.level=warn 2>"$dir/am.log" &
for _ in $(seq 50); do
  curl -sf 127.0.0.1:18931/healthz >/dev/null && curl -sf 127.0.0.1:18932/-/ready >/dev/null && break
  sleep 0.2
done

run() { # url batch conns -> "alerts/s p50 p99"
  local out rps p50 p99
  out=$(BATCH=$2 wrk -t2 -c"$3" -d"${secs}s" --latency -s bench/intake-alerts.lua "$1" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers: $(grep Non-2xx <<<"$out")" >&2; fi
  printf '%s %s %s\n' "$(awk -v r="$rps" -v b="$2" 'BEGIN {printf "%.0f", r*b}')" "$p50" "$p99"
}

declare -A am_one # Alertmanager's one-alert rate by connections
printf '%-8s %-6s | %12s %9s %9s | %12s %9s %9s | %7s\n' batch conns "vigil al/s" p50 p99 "am al/s" p50 p99 ratio
for batch in 1 100; do
  for conns in 8 64; do
    read -r va vp50 vp99 < <(run http://127.0.0.1:18931 "$batch" "$conns")
    read -r aa ap50 ap99 < <(run http://127.0.0.1:18932 "$batch" "$conns")
    ratio=$(awk -v a="$va" -v b="$aa" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')
    [ "$batch" = 1 ] && am_one[$conns]=$aa
    printf '%-8s %-6s | %12s %9s %9s | %12s %9s %9s | %7s\n' "$batch" "$conns" "$va" "$vp50" "$vp99" "$aa" "$ap50" "$ap99" "$ratio"
  done
done
echo "vigil store after the run: $(sqlite3 "$dir/vigil.db" 'SELECT count(*) FROM alerts') alert episodes"

# One synced 4 KiB overwrite, as a WAL commit does, beside the database.
dd if=/dev/zero of="$dir/sync.test" bs=4k count=2000 status=none
sync
sync_ms=$( { TIMEFORMAT=%R; time dd if=/dev/zero of="$dir/sync.test" bs=4k count=2000 conv=notrunc \
             oflag=dsync status=none; } 2>&1 | awk '{printf "%.3f", $1 * 1000 / 2000}')
noop() { # url conns -> requests/s
  wrk -t2 -c"$2" -d"${secs}s" "$1" 2>&1 | awk '/Requests\/sec/ {printf "%.0f", $2}'
}
echo
echo "what bounds one alert per request here (synced 4 KiB write: $sync_ms ms):"
printf '%-6s | %18s %18s | %22s %12s\n' conns "vigil no-op req/s" "am no-op req/s" "durable bound al/s" "bound / am"
for conns in 8 64; do
  vn=$(noop http://127.0.0.1:18931/healthz "$conns")
  an=$(noop http://127.0.0.1:18932/-/healthy "$conns")
  am1=${am_one[$conns]:-0}
  read -r bound ratio < <(awk -v c="$conns" -v n="$vn" -v s="$sync_ms" -v a="$am1" 'BEGIN {
    b = c / (c / n + s / 1000); printf "%.0f %s\n", b, (a > 0 ? sprintf("%.2f", b / a) : "n/a") }')
  printf '%-6s | %18s %18s | %22s %12s\n' "$conns" "$vn" "$an" "$bound" "$ratio"
done
