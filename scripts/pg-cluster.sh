#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests and benchmarks: initdb in a
# directory of its own, listening only on a unix socket there, no TCP, no
# system service, trust authentication for the one local superuser.
#
#   pg-cluster.sh start DIR   make and start a cluster in DIR (must not
#                             exist), print its base URL on stdout
#   pg-cluster.sh stop DIR    stop it and remove DIR
#   pg-cluster.sh url DIR     print the base URL of a running cluster
#   pg-cluster.sh kill DIR    stop it at once (immediate), keep DIR
#   pg-cluster.sh restart DIR start a stopped cluster in DIR again
#
# The base URL names the database "vigil"; append "&options=-csearch_path%3DNAME"
# to give each test a schema of its own (Vigil creates a missing schema).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# unprivileged user vigil-pg, created here for the purpose.
set -euo pipefail

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir=$(pg_config --bindir)
else
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
fi
[ -n "$bindir" ] || { echo "pg-cluster: no initdb (install postgresql)" >&2; exit 1; }

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,16p' "$0" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u vigil-pg -- "$@"
  else
    "$@"
  fi
}

url() { printf 'postgresql:///vigil?host=%s&user=vigil\n' "$(cd "$dir" && pwd)/sock"; }

start_server() {
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null
}

case $cmd in
start)
  [ ! -e "$dir" ] || { echo "pg-cluster: $dir exists" >&2; exit 1; }
  if [ "$(id -u)" -eq 0 ] && ! id vigil-pg >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin vigil-pg
  fi
  mkdir -p "$dir/sock"
  [ "$(id -u)" -ne 0 ] || chown -R vigil-pg "$dir"
  chmod 0755 "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U vigil --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  {
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$(cd "$dir" && pwd)/sock'"
    echo "max_connections = 300"
    echo "shared_buffers = 128MB"
    echo "fsync = on"
    echo "synchronous_commit = on"
    echo "log_min_messages = warning"
    echo "log_min_error_statement = panic"
  } >>"$dir/data/postgresql.conf"
  start_server || { cat "$dir/log" >&2; exit 1; }
  as_owner "$bindir/createdb" -h "$(cd "$dir" && pwd)/sock" -U vigil vigil
  url
  ;;
url) url ;;
stop)
  if [ -d "$dir/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
kill)
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
restart)
  start_server
  ;;
*) echo "pg-cluster: unknown command $cmd" >&2; exit 2 ;;
esac
