#!/usr/bin/env bash
# make run: a private redis-server (AOF on, data in var/) and one instance of
# the broker, of each service and of the HTTP gateway, logging to this terminal.
# Ctrl-C stops all. Ports: Redis 7379, broker 7400 (clients) and 7401 (workers),
# HTTP 7480; override with WFA_REDIS_PORT, WFA_FRONTEND, WFA_BACKEND, WFA_HTTP; the
# data folder with WFA_VAR.
# Redis is locked: one user per service (deploy/redis-users.acl), passwords in
# var/redis/<user>.password, the default user off; maxmemory WFA_REDIS_MAXMEMORY
# (deploy/redis.conf: 1gb), past which writes are refused rather than data evicted.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${WFA_BIN:-$top/build/bin}
var=${WFA_VAR:-$top/var}
port=${WFA_REDIS_PORT:-7379}
mkdir -p "$var/redis"

export WFA_REDIS="127.0.0.1:$port"
export WFA_FRONTEND=${WFA_FRONTEND:-tcp://127.0.0.1:7400}
export WFA_BACKEND=${WFA_BACKEND:-tcp://127.0.0.1:7401}
export WFA_BROKER=${WFA_BROKER:-$WFA_BACKEND}
export WFA_HTTP=${WFA_HTTP:-127.0.0.1:7480}
# Every socket runs CURVE: the keys (the broker's, each service's, the operator's,
# the gateway's, the audit key) are made in var/keys on first start, mode 0600;
# make demo issues the demo people theirs. Nothing of it is ever committed.
export WFA_KEYS=${WFA_KEYS:-$var/keys}
"$bin/wfactl" keys init "$WFA_KEYS" | grep -v '^made ' || exit 1
export WFA_AUDIT_ANCHORS=${WFA_AUDIT_ANCHORS:-$var/audit/anchors.log}

pids=()
stop() {
  trap - INT TERM EXIT
  echo "fleksi: stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null
  echo "fleksi: stopped (data kept in $var/redis)"
}
trap stop INT TERM EXIT

# A locked Redis answers NOAUTH to a PING without a password: it is there all the same
redis_answers() { redis-cli -p "$port" ping 2>&1 | grep -qE '^(PONG|NOAUTH)'; }
if redis_answers; then
  echo "fleksi: something already answers on port $port; stop it or set WFA_REDIS_PORT" >&2
  exit 1
fi
sh "$top/deploy/redis-acl.sh" "$var/redis"
redis-server "$top/deploy/redis.conf" --port "$port" --bind 127.0.0.1 --dir "$var/redis" \
  --aclfile "$var/redis/users.acl" ${WFA_REDIS_MAXMEMORY:+--maxmemory "$WFA_REDIS_MAXMEMORY"} \
  --appendonly yes --appendfsync everysec --save "" --daemonize no \
  --logfile "$var/redis/redis.log" --loglevel notice &
pids+=($!)
for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done

# Prometheus metrics: one port each, from WFA_METRICS_PORT (default 9464) up;
# WFA_METRICS_PORT=0 turns them off
metrics_port=${WFA_METRICS_PORT:-9464}
metrics_addr() { [ "$metrics_port" = 0 ] && echo "" || echo "127.0.0.1:$((metrics_port + $1))"; }
WFA_METRICS_ADDR=$(metrics_addr 0) "$bin/wfa-broker" & pids+=($!)
n=1
for service in requests approvals notifications metrics monev; do
  WFA_METRICS_ADDR=$(metrics_addr $n) WFA_REDIS_PASSWORD_FILE="$var/redis/$service.password" \
    "$bin/wfa-$service" & pids+=($!)
  n=$((n + 1))
done
# The HTTP gateway: a client of the broker's frontend with the gateway's key
WFA_METRICS_ADDR=$(metrics_addr $n) WFA_REDIS_PASSWORD_FILE="$var/redis/gateway.password" \
  WFA_ENDPOINT=${WFA_ENDPOINT:-$WFA_FRONTEND} "$bin/wfa-gateway" & pids+=($!)
echo "fleksi: running. Redis 127.0.0.1:$port (log: var/redis/redis.log, users and passwords: var/redis/*.password), broker $WFA_FRONTEND, HTTP http://$WFA_HTTP/v1/ (curl http://$WFA_HTTP/v1/ready). Ctrl-C stops."
echo "fleksi: in another terminal: make demo, then build/bin/wfactl status"
wait -n
echo "fleksi: a process exited; stopping the rest" >&2
