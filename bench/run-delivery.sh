#!/usr/bin/env bash
# Customer notices through SMTP: release one notice to N tenants and time
# until every message is accepted by the project's SMTP sink
# (tests/integration/smtp-sink.py, aiosmtpd), fast and with --delay 0.02
# (a remote MTA that takes 20 ms over each message); in the same run a
# plain client (Python's smtplib, one and eight persistent connections,
# bench/smtp-client.py) pushes N copies of one of Vigil's messages into
# the same sink. Prints messages/s, the ratios, and how many SMTP
# sessions Vigil used.
# usage: bench/run-delivery.sh [N] [VIGIL_BUILD_DIR]   (default 3000, build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3000}
bin=${2:-build-release}/vigil
for p in curl sqlite3; do
  command -v "$p" >/dev/null || { echo "needs $p (scripts/deps.sh --test)" >&2; exit 1; }
done
if [ -z "${2:-}" ]; then
  [ -f build-release/build.ninja ] || meson setup build-release -Dbuildtype=release -Dtests=false >/dev/null
  ninja -C build-release vigil >/dev/null || { ninja -C build-release vigil; exit 1; }
fi
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
port=18981
smtp=18982
url=http://127.0.0.1:$port
json='Content-Type: application/json'

awk -v n="$n" 'BEGIN {
  print "id,name,contacts,jurisdictions,sectors,data_categories"
  for (i = 0; i < n; i++) printf "t%06d,Tenant %d,admin@t%d.example,DE,retail,personal_data\n", i, i, i
}' > "$dir/tenants.csv"
awk -v n="$n" 'BEGIN { printf "{\"reason\":\"bench\",\"tenants\":["; for (i = 0; i < n; i++) printf "%s{\"id\":\"t%06d\",\"status\":\"confirmed\"}", i ? "," : "", i; print "]}" }' > "$dir/scope.json"

sink_start() { # delay maildir
  /usr/bin/python3 tests/integration/smtp-sink.py 127.0.0.1 "$smtp" "$2" --delay "$1" >"$2.out" 2>&1 &
  sink=$!
  for _ in $(seq 100); do grep -q ready "$2.out" && return; sleep 0.1; done
  echo "the SMTP sink did not start: $(cat "$2.out")" >&2
  exit 1
}
sink_stop() { kill "$sink"; wait "$sink" 2>/dev/null || true; }

vigil_case() { # delay -> "messages/s sessions"
  local case=$dir/vigil-$1 start end
  mkdir -p "$case/mail"
  cat > "$case/vigil.yaml" <<YAML
listen: 127.0.0.1:$port
database: "sqlite:$case/vigil.db"
log_level: warn
limits:
  max_body: 64MiB
smtp:
  url: smtp://127.0.0.1:$smtp
  from: vigil@example.com
  starttls: never
YAML
  local name role
  for u in "comms communications" "ina incident_manager"; do
    read -r name role <<<"$u"
    echo "a-long-bench-password" | "$bin" -c "$case/vigil.yaml" user add "$name" --role "$role" --password-stdin >/dev/null
  done
  "$bin" -c "$case/vigil.yaml" serve 2>"$case/vigil.log" &
  local server=$!
  for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
  token_of() {
    local csrf
    csrf=$(curl -s -c "$case/c-$1" -H "$json" -d "{\"username\":\"$1\",\"password\":\"a-long-bench-password\"}" \
      "$url/api/v1/session" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
    curl -s -b "$case/c-$1" -H "X-CSRF-Token: $csrf" -H "$json" -d '{"name":"bench"}' "$url/api/v1/tokens" |
      sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
  }
  local auth mgr key notice next
  auth="Authorization: Bearer $(token_of comms)"
  mgr="Authorization: Bearer $(token_of ina)"
  curl -sf -H "$auth" -H 'Content-Type: text/csv' --data-binary @"$dir/tenants.csv" "$url/api/v1/tenants/import" >/dev/null
  key=$(curl -sf -H "$mgr" -H "$json" -d '{"title":"Bench breach","severity":"sev1","source":"employee"}' \
    "$url/api/v1/incidents" | sed -n 's/.*"key":"\(INC-[0-9-]*\)".*/\1/p')
  curl -sf -H "$mgr" -H "$json" -d '{"classification":"security_incident","impact":{"confidentiality":true},"data_categories":["personal_data"]}' \
    "$url/api/v1/incidents/$key/classify" >/dev/null
  curl -sf -X PUT -H "$mgr" -H "$json" --data-binary @"$dir/scope.json" "$url/api/v1/incidents/$key/scope" >/dev/null
  curl -sf -H "$mgr" -H "$json" -d '{"criteria":"bench"}' "$url/api/v1/incidents/$key/declare" >/dev/null
  next=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  notice=$(curl -sf -H "$auth" -H "$json" -d "{\"kind\":\"initial\",\"nature\":\"Unauthorised read of a storage bucket\",\"user_impact\":\"Names and emails\",\"mitigation\":\"none applicable\",\"next_steps\":\"Rotating the keys\",\"next_update_at\":\"$next\"}" \
    "$url/api/v1/incidents/$key/notices" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
  sink_start "$1" "$case/mail"
  start=$(date +%s.%N)
  curl -sf -X POST -H "$auth" "$url/api/v1/incidents/$key/notices/$notice/release" >/dev/null
  while [ "$(sqlite3 "$case/vigil.db" "SELECT count(*) FROM outbox WHERE status IN ('pending','sending')")" != 0 ]; do
    sleep 0.05
  done
  end=$(date +%s.%N)
  local sent
  sent=$(sqlite3 "$case/vigil.db" "SELECT count(*) FROM outbox WHERE status = 'sent'")
  [ "$sent" = "$n" ] || echo "vigil: $sent of $n sent (see $case/vigil.log)" >&2
  sink_stop
  kill "$server"; wait "$server" 2>/dev/null || true
  cp "$(ls "$case"/mail/*.eml | head -n 1)" "$dir/message.eml"
  awk -v n="$n" -v a="$start" -v b="$end" -v s="$(cat "$case/mail/sessions")" 'BEGIN { printf "%.0f %s\n", n / (b - a), s }'
}

client_case() { # delay conns -> messages/s
  mkdir -p "$dir/client-$1-$2"
  sink_start "$1" "$dir/client-$1-$2"
  /usr/bin/python3 bench/smtp-client.py "$smtp" "$n" "$2" "$dir/message.eml"
  sink_stop
}

printf '%-18s | %10s %9s | %12s %12s | %9s\n' "sink" "vigil m/s" sessions "smtplib 1" "smtplib 8" "vigil/8"
for delay in 0 0.02; do
  read -r vr vs < <(vigil_case "$delay")
  c1=$(client_case "$delay" 1)
  c8=$(client_case "$delay" 8)
  printf '%-18s | %10s %9s | %12s %12s | %9s\n' "delay ${delay}s" "$vr" "$vs" "$c1" "$c8" \
    "$(awk -v a="$vr" -v b="$c8" 'BEGIN { printf "%.2f", a / b }')"
done
echo "size of one message: $(wc -c < "$dir/message.eml") bytes; Vigil: notify.smtp_connections 8 (the default)"
echo "what bounds it: with the delay, 8 sessions / 20 ms = 400 messages/s; without, the sink's"
echo "Python event loop, and the three commits of each claim of 16 deliveries (claim, sending, results)"
