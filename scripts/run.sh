#!/usr/bin/env bash
# Start Vigil on SQLite (var/vigil.db) with the example configuration. On the
# first run, create the demo admin and print its password once.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${VIGIL_CONFIG:-etc/vigil.yaml}
mkdir -p var
if [ ! -f var/vigil.db ]; then
  echo "== first run: creating var/vigil.db and the demo admin"
  build/vigil -c "$config" user add admin --role admin --generate-password
  echo "== sign in at http://127.0.0.1:8080 as admin with that password"
  echo "   (or: build/vigil login --url http://127.0.0.1:8080 --user admin)"
fi
exec build/vigil -c "$config" serve
