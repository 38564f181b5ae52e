#!/usr/bin/env bash
# Start Vigil on SQLite (var/vigil.db) with the example configuration. On the
# first run, create the demo admin (its password is printed once) and load
# the demo data through the API: the organisation of etc/demo/org.yaml,
# the tenants of etc/demo/tenants.json, an incident and a status advisory.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${VIGIL_CONFIG:-etc/vigil.yaml}
url=${VIGIL_DEMO_URL:-http://127.0.0.1:8080}
mkdir -p var
if [ ! -f var/vigil.db ]; then
  echo "== first run: creating var/vigil.db, the demo admin and the demo data"
  out=$(build/vigil -c "$config" user add admin --role admin --generate-password)
  echo "$out"
  password=${out##*shown once: }

  build/vigil -c "$config" serve 2>var/first-run.log &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  home=$(mktemp -d)
  v() { HOME=$home build/vigil "$@" >/dev/null; }
  printf '%s\n' "$password" | v login --url "$url" --user admin --password-stdin
  v apply -f etc/demo/org.yaml
  v api POST /api/v1/tenants/import --data - < etc/demo/tenants.json
  v incident create --title "Unusual reads from the exports bucket" --severity sev2 --source monitoring --service storage
  v api POST /api/v1/advisories --data '{"service":"storage","state":"investigating","message":"We are looking into unusual access to export files."}'
  # The seeding's own token goes: nothing is left signed in.
  id=$(HOME=$home build/vigil -o json token list | grep -o '"id": *[0-9]*' | head -n 1 | grep -o '[0-9]*$')
  [ -z "$id" ] || v token revoke "$id"
  rm -rf "$home"
  kill $server
  wait $server 2>/dev/null || true
  trap - EXIT
  echo "== sign in at $url as admin with that password"
  echo "   (or: build/vigil login --url $url --user admin)"
fi
exec build/vigil -c "$config" serve
