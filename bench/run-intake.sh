#!/usr/bin/env bash
# Intake throughput, Vigil against a stock Alertmanager on the same machine
# in the same run: wrk posts to /api/v2/alerts in batches of 1 and 100 over
# 8 and 64 connections, ~10,000 distinct fingerprints. Vigil commits every
# request durably before answering (SQLite WAL, synchronous=FULL; and
# PostgreSQL, a throw-away cluster of scripts/pg-cluster.sh with fsync
# and synchronous_commit on); Alertmanager keeps alerts in memory. Prints
# alerts/s, p50, p99 and the ratios, then three Vigil nodes on the one
# PostgreSQL against one (a wrk per node at once, summed).
# Then what bounds the one-alert cells on this machine: the same wrk against
# each server's health check (HTTP with no work, which shares the two
# cores with wrk as the real runs do), the time of one synced 4 KiB write
# beside the database, and from both the most one-alert requests a
# durable server could answer with N connections: N / (no-op round trip +
# one sync), since each request waits for its own commit (Little's law).
# With MODE=new every alert is a new fingerprint (a new episode each,
# committed before its answer); by default the same ~10,000 are posted
# again and again (a steady state: repeats, answered from memory once
# their episode is on disk). The peak RSS of each server is printed last.
# usage: [MODE=new] bench/run-intake.sh [SECONDS]   (default 15 per run)
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
pg=$(mktemp -u -d /tmp/vigil-bench-pg-XXXXXX) # not in $dir: the cluster's own user must reach it
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; bash scripts/pg-cluster.sh stop "$pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
pg_url=$(bash scripts/pg-cluster.sh start "$pg")
config() { # port database node -> a config file's path
  cat > "$dir/vigil-$1.yaml" <<YAML
listen: 127.0.0.1:$1
database: "$2"
node: $3
log_level: warn
threads: 8
intake:
  allow: 127.0.0.1/32
limits:
  max_body: 4MiB
YAML
  echo "$dir/vigil-$1.yaml"
}
cat > "$dir/am.yml" <<YAML
route: { receiver: none }
receivers: [ { name: none } ]
YAML
build-release/vigil -c "$(config 18931 "sqlite:$dir/vigil.db" one)" serve 2>"$dir/vigil.log" &
sq_pid=$!
build-release/vigil -c "$(config 18933 "$pg_url" pg-1)" serve 2>"$dir/vigil-pg.log" &
pg_pid=$!
prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir/am" \
  --web.listen-address=127.0.0.1:18932 --cluster.listen-address= --log.level=warn 2>"$dir/am.log" &
am_pid=$!
for _ in $(seq 50); do
  curl -sf 127.0.0.1:18931/healthz >/dev/null && curl -sf 127.0.0.1:18932/-/ready >/dev/null &&
    curl -sf 127.0.0.1:18933/healthz >/dev/null && break
  sleep 0.2
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # the process's CPU, user + system, in clock ticks
run() { # url batch conns [pid] -> "alerts/s p50 p99 [cpu-us-per-request]"
  local out rps p50 p99 t0 t1 cpu=""
  [ -z "${4:-}" ] || t0=$(ticks "$4")
  out=$(MODE=${MODE:-steady} BATCH=$2 wrk -t2 -c"$3" -d"${secs}s" --latency -s bench/intake-alerts.lua "$1" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if [ -n "${4:-}" ]; then
    t1=$(ticks "$4")
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v r="$rps" -v s="$secs" \
      'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / (r * s) }')
  fi
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers: $(grep Non-2xx <<<"$out")" >&2; fi
  printf '%s %s %s %s\n' "$(awk -v r="$rps" -v b="$2" 'BEGIN {printf "%.0f", r*b}')" "$p50" "$p99" "$cpu"
}

declare -A am_one # Alertmanager's one-alert rate by connections
printf '%-6s %-5s | %10s %8s %8s %7s | %10s %8s %8s | %10s %8s %8s | %7s %7s\n' batch conns \
  "sqlite al/s" p50 p99 "cpu/req" "pg al/s" p50 p99 "am al/s" p50 p99 "sq/am" "pg/sq"
for batch in 1 100; do
  for conns in 8 64; do
    read -r va vp50 vp99 vcpu < <(run http://127.0.0.1:18931 "$batch" "$conns" "$sq_pid")
    read -r pa pp50 pp99 < <(run http://127.0.0.1:18933 "$batch" "$conns")
    read -r aa ap50 ap99 < <(run http://127.0.0.1:18932 "$batch" "$conns")
    ratio=$(awk -v a="$va" -v b="$aa" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')
    pratio=$(awk -v a="$pa" -v b="$va" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')
    [ "$batch" = 1 ] && am_one[$conns]=$aa
    printf '%-6s %-5s | %10s %8s %8s %5sus | %10s %8s %8s | %10s %8s %8s | %7s %7s\n' "$batch" "$conns" \
      "$va" "$vp50" "$vp99" "$vcpu" "$pa" "$pp50" "$pp99" "$aa" "$ap50" "$ap99" "$ratio" "$pratio"
  done
done
echo "vigil stores after the run: sqlite $(sqlite3 "$dir/vigil.db" 'SELECT count(*) FROM alerts')," \
  "postgresql $(psql -qAt "$pg_url" -c 'SELECT count(*) FROM alerts') alert episodes"
hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
echo "peak RSS (VmHWM) after the four cells: vigil sqlite $(hwm $sq_pid), vigil postgresql $(hwm $pg_pid)," \
  "alertmanager $(hwm $am_pid)"

# Three nodes on the one PostgreSQL against one: a wrk per node at once,
# 8 connections each, one alert per request; the one-node figure is the
# same three wrks against one node.
build-release/vigil -c "$(config 18934 "$pg_url" pg-2)" serve 2>"$dir/vigil-pg2.log" &
build-release/vigil -c "$(config 18935 "$pg_url" pg-3)" serve 2>"$dir/vigil-pg3.log" &
for _ in $(seq 50); do
  curl -sf 127.0.0.1:18934/healthz >/dev/null && curl -sf 127.0.0.1:18935/healthz >/dev/null && break
  sleep 0.2
done
spread() { # batch port port port -> total alerts/s
  local b=$1; shift
  for port in "$@"; do run "http://127.0.0.1:$port" "$b" 8 >"$dir/spread.$port.$#" & done
  wait # in $(...): only these wrks are this shell's children
  awk '{s += $1} END {printf "%.0f", s}' "$dir"/spread.*."$#"
  rm -f "$dir"/spread.*."$#"
}
echo
echo "postgresql, three wrks (8 connections each): one node against three"
printf '%-6s | %12s %12s | %7s\n' batch "1 node al/s" "3 nodes al/s" ratio
for batch in 1 100; do
  one=$(spread "$batch" 18933 18933 18933)
  three=$(spread "$batch" 18933 18934 18935)
  printf '%-6s | %12s %12s | %7s\n' "$batch" "$one" "$three" \
    "$(awk -v a="$three" -v b="$one" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }')"
done

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
