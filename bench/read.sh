#!/usr/bin/env bash
# Read throughput: `fixlog serve --demo` answering GET /api/v1/entries?limit=100 (entries
# parsed from the database and serialized per request) against nginx serving the very same
# response bytes as a static file. wrk -t2 -c64 -d15s --latency against both, one run.
#
# Installs wrk and nginx if missing. Everything runs on this machine: wrk competes with the
# server for the same CPUs in both cases.
#
# Usage: bench/read.sh          (env DURATION, default 15s)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
DURATION=${DURATION:-15s}
PATH_QUERY='/api/v1/entries?limit=100'

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}"
  timeout 300 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/fixlog-read-bench.XXXXXX)
FIXLOG_PID=
NGINX_PID=
cleanup() {
  for pid in $FIXLOG_PID $NGINX_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== build (release)"
(cd "$ROOT" && timeout 1800 cargo build --release -q -p fixlog --bin fixlog)
FIXLOG=$CARGO_TARGET_DIR/release/fixlog

# wait_for_url FILE PID: the URL from the `listening on URL` line, up to 30 s.
wait_for_url() {
  local url=
  for _ in $(seq 300); do
    url=$(sed -n 's/^listening on //p' "$1")
    [[ -n $url ]] && { echo "$url"; return; }
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

echo "== fixlog serve --demo"
"$FIXLOG" serve --demo --db "sqlite://$WORK/demo.db" --listen 127.0.0.1:0 \
  >"$WORK/fixlog.out" 2>"$WORK/fixlog.err" &
FIXLOG_PID=$!
FIXLOG_URL=$(wait_for_url "$WORK/fixlog.out" "$FIXLOG_PID") ||
  { echo "fixlog did not start"; cat "$WORK/fixlog.err"; exit 1; }

mkdir -p "$WORK/www" "$WORK/nginx"
chmod a+rx "$WORK" "$WORK/www" # nginx workers run as an unprivileged user
curl -fsS -o "$WORK/www/entries.json" "$FIXLOG_URL$PATH_QUERY"
BYTES=$(stat -c %s "$WORK/www/entries.json")
ENTRIES=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entries"]))' \
  "$WORK/www/entries.json")
chmod a+r "$WORK/www/entries.json"
echo "   $FIXLOG_URL$PATH_QUERY: $ENTRIES entries, $BYTES bytes"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/www;
    location / {
      default_type application/json;
      try_files /entries.json =404;
    }
  }
}
CONF
echo "== nginx on 127.0.0.1:$PORT ($("$NGINX" -v 2>&1))"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr" &
NGINX_PID=$!
NGINX_URL="http://127.0.0.1:$PORT"
for i in $(seq 301); do
  curl -fsS -o "$WORK/nginx.json" "$NGINX_URL$PATH_QUERY" 2>/dev/null && break
  if ((i == 301)) || ! kill -0 "$NGINX_PID" 2>/dev/null; then
    echo "nginx is not serving $NGINX_URL$PATH_QUERY"
    cat "$WORK/nginx/stderr" "$WORK/nginx/error.log" 2>/dev/null
    exit 1
  fi
  sleep 0.1
done
cmp "$WORK/nginx.json" "$WORK/www/entries.json" || { echo "nginx serves other bytes"; exit 1; }
curl -fsS -o "$WORK/fixlog-again.json" "$FIXLOG_URL$PATH_QUERY"
cmp "$WORK/fixlog-again.json" "$WORK/www/entries.json" ||
  { echo "fixlog's answer is not stable"; exit 1; }

echo "== machine: $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS P50 P99
# to_ms 1.23ms|456.00us|1.20s -> milliseconds
to_ms() {
  case $1 in
  *us) echo "${1%us} / 1000" | bc -l ;;
  *ms) echo "${1%ms}" ;;
  *s) echo "${1%s} * 1000" | bc -l ;;
  esac
}
bench() {
  local name=$1 url=$2
  echo "== wrk -t2 -c64 -d$DURATION --latency $url"
  timeout 120 wrk -t2 -c64 -d"$DURATION" --latency "$url" | tee "$WORK/$name.wrk"
  RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.wrk")
  P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/$name.wrk")")
  P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")")
  if grep -q 'Non-2xx' "$WORK/$name.wrk"; then echo "$name answered errors"; exit 1; fi
}
bench fixlog "$FIXLOG_URL$PATH_QUERY"
bench nginx "$NGINX_URL$PATH_QUERY"

echo
printf '%-8s %12s %10s %10s\n' "" "req/s" "p50 ms" "p99 ms"
for name in fixlog nginx; do
  printf '%-8s %12.0f %10.3f %10.3f\n' "$name" "${RPS[$name]}" "${P50[$name]}" "${P99[$name]}"
done
printf 'ratio fixlog/nginx (req/s): %.3f   (%s-byte body, %s entries)\n' \
  "$(echo "${RPS[fixlog]} / ${RPS[nginx]}" | bc -l)" "$BYTES" "$ENTRIES"
