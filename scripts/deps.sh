#!/usr/bin/env bash
# Install the Debian packages Vigil needs to build, run and test, and only
# those not yet present. Safe to run repeatedly; does nothing when all are in.
set -euo pipefail

pkgs=(
  gcc make pkg-config meson ninja-build python3
  libmicrohttpd-dev libjansson-dev libcjson-dev libsqlite3-dev libpq-dev libsodium-dev libyaml-dev
  libcurl4-openssl-dev libcmocka-dev libical-dev tzdata libcsv-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libarchive-dev
  g++ libre2-dev
)
if [ "${1:-}" = "--test" ]; then
  # Real peers the tests talk to: Prometheus, Alertmanager's amtool, an
  # SMTP server, a browser.
  pkgs+=(sqlite3 postgresql curl prometheus prometheus-alertmanager bsdutils python3-aiosmtpd chromium)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# The browser tests run on Node.js; a machine that has node and npm from
# elsewhere keeps them, one without gets Debian's.
if [ "${1:-}" = "--test" ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# Playwright (core only: it drives Debian's chromium) and axe-core, at the
# versions in tests/browser/package-lock.json, from the npm registry.
if [ "${1:-}" = "--test" ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  lock="$here/tests/browser/package-lock.json"
  stamp="$here/tests/browser/node_modules/.vigil-lock"
  if ! cmp -s "$lock" "$stamp" 2>/dev/null; then
    echo "deps: npm ci in tests/browser" >&2
    (cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lock" "$stamp"
  fi
fi
