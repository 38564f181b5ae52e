#!/usr/bin/env bash
# How soon a new alert pages someone: from the alert's 2xx answer to the
# page's webhook arriving at a local sink, Vigil on SQLite (and on
# PostgreSQL, a throw-away cluster of scripts/pg-cluster.sh) against a
# stock Alertmanager (group_wait: 0) routed to the same sink, in the same
# run; idle, then under 1,000 alerts/s of repeats posted to every server
# at once. Vigil commits the incident, the page and its outbox row before
# the webhook goes (a commit each hop: incident, escalate.start, deliver);
# Alertmanager keeps its groups in memory. Prints min/p50/p90/p99/max.
# usage: bench/run-page-latency.sh [ROUNDS]   (default 200 per server)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
dpkg-query -W -f='${Status}' prometheus-alertmanager 2>/dev/null | grep -q 'install ok installed' || {
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -q --no-install-recommends prometheus-alertmanager >/dev/null; }
[ -f build-release/build.ninja ] || meson setup build-release -Dbuildtype=release -Dtests=false >/dev/null
ninja -C build-release vigil >/dev/null || { ninja -C build-release vigil; exit 1; }

dir=$(mktemp -d)
pg=$(mktemp -u -d /tmp/vigil-bench-pg-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; bash scripts/pg-cluster.sh stop "$pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
pg_url=$(bash scripts/pg-cluster.sh start "$pg")
sink=18949
password=bench-password-not-secret

start_vigil() { # port database name
  cat > "$dir/vigil-$1.yaml" <<YAML
listen: 127.0.0.1:$1
database: "$2"
node: $3
log_level: warn
intake:
  allow: 127.0.0.1/32
notify:
  webhook_secret: bench-secret
  allow_private_webhooks: true
YAML
  printf '%s\n' "$password" | build-release/vigil -c "$dir/vigil-$1.yaml" user add admin --role admin \
    --password-stdin >/dev/null
  build-release/vigil -c "$dir/vigil-$1.yaml" serve 2>"$dir/vigil-$1.log" &
  for _ in $(seq 50); do curl -sf "127.0.0.1:$1/readyz" >/dev/null && break; sleep 0.2; done
  # One person on call for service "paged", paged by webhook; the level
  # waits an hour before it repeats, so only the first page is timed.
  cat > "$dir/org-$1.yaml" <<YAML
users:
  pager: {role: responder, email: pager@example.com,
          contacts: [{type: webhook, address: "http://127.0.0.1:$sink/$3"}]}
escalation_policies:
  now: {levels: [{delay_minutes: 60, targets: [{type: user, name: pager}]}]}
services:
  paged: {escalation_policy: now}
  load: {description: background repeats; pages nobody}
YAML
  mkdir -p "$dir/home-$1"
  printf '%s\n' "$password" | HOME="$dir/home-$1" build-release/vigil login --url "http://127.0.0.1:$1" \
    --user admin --password-stdin >/dev/null
  HOME="$dir/home-$1" build-release/vigil apply -f "$dir/org-$1.yaml" >/dev/null
}
start_vigil 18941 "sqlite:$dir/vigil.db" sqlite
start_vigil 18943 "$pg_url" postgresql

cat > "$dir/am.yml" <<YAML
route:
  receiver: none
  routes:
    - receiver: hook
      matchers: [service="paged"]
      group_by: [alertname]
      group_wait: 0s
      group_interval: 1h
      repeat_interval: 1h
receivers:
  - name: none
  - name: hook
    webhook_configs: [{url: "http://127.0.0.1:$sink/alertmanager", send_resolved: false}]
YAML
prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir/am" \
  --web.listen-address=127.0.0.1:18942 --cluster.listen-address= --log.level=warn 2>"$dir/am.log" &
for _ in $(seq 50); do curl -sf 127.0.0.1:18942/-/ready >/dev/null && break; sleep 0.2; done

servers=(--server vigil-sqlite=http://127.0.0.1:18941 --server alertmanager=http://127.0.0.1:18942
         --server vigil-pg=http://127.0.0.1:18943)
/usr/bin/python3 bench/page-latency.py --sink "$sink" --rounds "$rounds" --tag Idle "${servers[@]}"
echo
/usr/bin/python3 bench/page-latency.py --sink "$sink" --rounds "$rounds" --tag Load --load 1000 "${servers[@]}"

# One synced 4 KiB overwrite beside the SQLite database, as a WAL commit does.
dd if=/dev/zero of="$dir/sync.test" bs=4k count=2000 status=none
sync
sync_ms=$( { TIMEFORMAT=%R; time dd if=/dev/zero of="$dir/sync.test" bs=4k count=2000 conv=notrunc \
             oflag=dsync status=none; } 2>&1 | awk '{printf "%.3f", $1 * 1000 / 2000}')
echo
echo "what bounds it: Vigil commits 7 times before the send (the intake's batch; a claim and"
echo "a run for escalate.start and for escalate.step; the deliver claim and its 'sending'"
echo "mark), each synced here in about $sync_ms ms (one synced 4 KiB write); the sink, the"
echo "poster and the servers share this machine's $(nproc) cores"
