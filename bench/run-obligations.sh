#!/usr/bin/env bash
# Obligations for 100,000 tenants: import them (CSV), put them all in one
# incident's scope, declare it, and time how long the declaration takes to
# compute every tenant's obligations (and the provider's) in its
# transaction; then compose a notice to every tenant in scope and release
# it, which queues a message per contact. Prints the figures; asserts
# nothing.
# usage: bench/run-obligations.sh [TENANTS] [sqlite|postgresql]
#        (default 100000 on sqlite; postgresql on a throw-away cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
backend=${2:-sqlite}
for p in curl sqlite3; do
  command -v "$p" >/dev/null || { echo "needs $p (scripts/deps.sh --test)" >&2; exit 1; }
done
[ -f build-release/build.ninja ] || meson setup build-release -Dbuildtype=release -Dtests=false >/dev/null
ninja -C build-release vigil >/dev/null || { ninja -C build-release vigil; exit 1; }

dir=$(mktemp -d)
pg=$(mktemp -u -d /tmp/vigil-bench-pg-XXXXXX) # not in $dir: the cluster's own user must reach it
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; bash scripts/pg-cluster.sh stop "$pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
database="sqlite:$dir/vigil.db"
sql() { sqlite3 "$dir/vigil.db" "$1"; }
if [ "$backend" = postgresql ]; then
  pg_url=$(bash scripts/pg-cluster.sh start "$pg")
  database="\"$pg_url\""
  sql() { psql -qAt "$pg_url" -c "$1"; }
fi
port=18971
url=http://127.0.0.1:$port
cat > "$dir/vigil.yaml" <<YAML
listen: 127.0.0.1:$port
database: $database
log_level: warn
limits:
  max_body: 64MiB
  max_string: 1MiB
provider:
  jurisdictions: DE, IN, US
  sectors: digital_infrastructure
YAML
for u in "comms communications" "ina incident_manager"; do
  set -- $u
  echo "a-long-bench-password" | build-release/vigil -c "$dir/vigil.yaml" user add "$1" --role "$2" --password-stdin >/dev/null
done
build-release/vigil -c "$dir/vigil.yaml" serve 2>"$dir/vigil.log" &
for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
token_of() { # user -> an API token through a session
  local csrf
  csrf=$(curl -s -c "$dir/c-$1" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"a-long-bench-password\"}" "$url/api/v1/session" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  curl -s -b "$dir/c-$1" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' "$url/api/v1/tokens" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
auth="Authorization: Bearer $(token_of comms)"
mgr="Authorization: Bearer $(token_of ina)"
json='Content-Type: application/json'

awk -v n="$n" 'BEGIN {
  split("DE|FR;EU|US-CA|US-NY;US|BR|GB|SG|JP|IN|KR", j, "|")
  split("finance|retail|health|insurance|retail|media|education|retail", s, "|")
  print "id,name,contacts,jurisdictions,sectors,data_categories,notification_hours"
  for (i = 0; i < n; i++)
    printf "t%06d,Tenant %d,admin@t%d.example,%s,%s,personal_data,%d\n", i, i, i, j[i % 10 + 1], s[i % 8 + 1], (i % 3 == 0) ? 24 : 72
}' > "$dir/tenants.csv"

t() { # run a request; print its seconds, or stop with its answer
  local s out
  s=$(date +%s.%N)
  out=$("$@" -w '\n%{http_code}') || true
  if [ "${out##*$'\n'}" -ge 300 ]; then echo "failed: ${out:0:300}" >&2; kill $(jobs -p); exit 1; fi
  awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

import=$(t curl -s -H "$auth" -H 'Content-Type: text/csv' --data-binary @"$dir/tenants.csv" "$url/api/v1/tenants/import")
key=$(curl -sf -H "$mgr" -H "$json" -d '{"title":"Bench breach","severity":"sev1","source":"employee"}' \
  "$url/api/v1/incidents" | sed -n 's/.*"key":"\(INC-[0-9-]*\)".*/\1/p')
curl -sf -H "$mgr" -H "$json" -d '{"classification":"security_incident","impact":{"confidentiality":true},"data_categories":["personal_data"]}' \
  "$url/api/v1/incidents/$key/classify" >/dev/null
awk -v n="$n" 'BEGIN { printf "{\"reason\":\"bench\",\"tenants\":["; for (i = 0; i < n; i++) printf "%s{\"id\":\"t%06d\",\"status\":\"confirmed\"}", i ? "," : "", i; print "]}" }' > "$dir/scope.json"
scope=$(t curl -s -X PUT -H "$mgr" -H "$json" --data-binary @"$dir/scope.json" "$url/api/v1/incidents/$key/scope")
declare=$(t curl -s -H "$mgr" -H "$json" -d '{"criteria":"bench"}' "$url/api/v1/incidents/$key/declare")
count=$(sql "SELECT count(*) FROM obligations")
tenants_with=$(sql "SELECT count(DISTINCT tenant) FROM obligations WHERE tenant != ''")
# What bounds the declaration on SQLite: the same rows written into an
# empty table of the same schema and indexes by SQLite alone, in one
# INSERT ... SELECT and one transaction (no client, no rules, no JSON).
floor=
if [ "$backend" = sqlite ]; then
  sqlite3 "$dir/vigil.db" ".schema obligations" | grep -v '^CREATE TRIGGER' > "$dir/floor.sql"
  s0=$(date +%s.%N)
  sqlite3 "$dir/floor.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" ".read $dir/floor.sql" \
    "ATTACH '$dir/vigil.db' AS v; INSERT INTO main.obligations SELECT * FROM v.obligations;" >/dev/null
  floor=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
fi
# The list a page at a time (500 rows, with the counts by rule and status
# of all of them), the first page and the one after it.
list=$(t curl -s -o "$dir/page1.json" -H "$auth" "$url/api/v1/incidents/$key/obligations")
cursor=$(sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p' "$dir/page1.json")
list2=$(t curl -s -o /dev/null -H "$auth" "$url/api/v1/incidents/$key/obligations?cursor=$cursor")
list_rule=$(t curl -s -o /dev/null -H "$auth" "$url/api/v1/incidents/$key/obligations?rule=CONTRACT&status=open")
# The notice to every tenant in scope: compose, then release, which queues
# one outbox message per designated contact in its transaction.
next=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
compose_start=$(date +%s.%N)
notice=$(curl -s -H "$auth" -H "$json" -d "{\"kind\":\"initial\",\"nature\":\"Unauthorised read of a storage bucket\",\"user_impact\":\"About 2,000 users' names and emails\",\"mitigation\":\"none applicable\",\"next_steps\":\"We are rotating the keys\",\"next_update_at\":\"$next\"}" \
  "$url/api/v1/incidents/$key/notices" | tee "$dir/notice.json" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
[ -n "$notice" ] || { echo "composing the notice failed: $(head -c 400 "$dir/notice.json")" >&2; exit 1; }
compose=$(awk -v a="$compose_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
release=$(t curl -s -X POST -H "$auth" "$url/api/v1/incidents/$key/notices/$notice/release")
queued=$(sql "SELECT count(*) FROM notice_deliveries" 2>/dev/null || echo "?")
# And the release's: its messages, their delivery jobs and rows, and the
# contract obligations marked sent, written by SQLite alone.
rfloor=
if [ "$backend" = sqlite ]; then
  sqlite3 "$dir/vigil.db" ".schema outbox" ".schema jobs" ".schema notice_deliveries" | grep -v '^CREATE TRIGGER' > "$dir/rfloor.sql"
  s0=$(date +%s.%N)
  sqlite3 "$dir/floor.db" ".read $dir/rfloor.sql" \
    "ATTACH '$dir/vigil.db' AS v; BEGIN; INSERT INTO main.outbox SELECT * FROM v.outbox;
     INSERT INTO main.jobs SELECT * FROM v.jobs WHERE kind = 'deliver';
     INSERT INTO main.notice_deliveries SELECT * FROM v.notice_deliveries;
     UPDATE main.obligations SET status = 'sent', sent_at = 1 WHERE rule_id = 'CONTRACT'; COMMIT;" >/dev/null
  rfloor=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
fi

printf 'tenants                     %d\n' "$n"
printf 'import (CSV, all or nothing) %s s\n' "$import"
printf 'scope %d tenants             %s s\n' "$n" "$scope"
printf 'declare (computes all)      %s s -> %d obligations for %d tenants and the provider\n' "$declare" "$count" "$tenants_with"
[ -z "$floor" ] || printf '  bound: SQLite alone writes those rows into the same table and indexes in %s s (%.2fx)\n' "$floor" "$(awk -v a="$declare" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')"
printf 'list: the first page         %s s (500 rows and the counts of all)\n' "$list"
printf 'list: the next page          %s s\n' "$list2"
printf 'list: CONTRACT, open         %s s\n' "$list_rule"
printf 'compose a notice to all     %s s\n' "$compose"
printf 'release the notice to all   %s s -> %s messages queued in the outbox\n' "$release" "$queued"
[ -z "$rfloor" ] || printf '  bound: SQLite alone writes those messages, jobs and deliveries and marks the contracts sent in %s s (%.2fx)\n' "$rfloor" "$(awk -v a="$release" -v b="$rfloor" 'BEGIN { printf "%.2f", a / b }')"
