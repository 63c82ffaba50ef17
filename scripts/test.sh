#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests against a real server on SQLite and on
# a real PostgreSQL server (started here, on loopback, in a temporary folder), and the headless
# Chromium walk. As root on Debian it installs what is missing (postgresql, chromium,
# chromium-driver). Under CI=true nothing may be skipped: a missing part fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromedriver >/dev/null 2>&1 || need+=(chromium chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v curl >/dev/null 2>&1 || need+=(curl)
# `mamori discover CIDR` runs nmap; its test scans this machine.
command -v nmap >/dev/null 2>&1 || need+=(nmap)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# A Japanese font, so screenshots and printouts of the browser test show real characters.
fc-list 2>/dev/null | grep -qi "gothic\|cjk" || need+=(fonts-ipafont-gothic)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  elif [ "${CI:-}" = true ]; then
    echo "missing ${need[*]} and cannot install them (not root or no apt-get)" >&2
    exit 1
  else
    echo "note: ${need[*]} missing; the tests that need them will say SKIPPED" >&2
  fi
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
}
trap cleanup EXIT
run_pg() {
  # PostgreSQL refuses to run as root: run it as the postgres user the package created.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; then
  pg_dir=$(mktemp -d /tmp/mamori-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
  run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=off -c max_connections=200" start >/dev/null
  export MAMORI_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') running for the tests on 127.0.0.1:$pg_port"
elif [ "${CI:-}" = true ]; then
  echo "PostgreSQL is not installed; CI must run the PostgreSQL tests" >&2
  exit 1
fi

log=$(mktemp)
if cargo test --workspace --locked "$@" 2>&1 | tee "$log"; then status=0; else status=1; fi
# Every benchmark once in its smoke mode (small sizes, no figures asserted), so none can rot.
if [ $# -eq 0 ]; then
  echo "Benchmarks, smoke run ..."
  if ! cargo test -p mamori --locked --bench '*' 2>&1 | tee -a "$log"; then status=1; fi
fi
# One closing line for the whole suite.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "all tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit $status
