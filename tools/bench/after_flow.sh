#!/usr/bin/env bash
# wfa-bench --after-flow: wait until every consumer group of the bench's
# pemda has taken and acknowledged every event of the flows, then save
# Redis's command counters and CPU time into the folder given.
# Usage: after_flow.sh REDIS_PORT FOLDER
set -u
port=$1 folder=$2
for _ in $(seq 1 600); do
  busy=$(redis-cli -p "$port" XINFO GROUPS 'wfa:{35.08}:events' | tr -d '\r' \
    | awk 'prev == "pending" || prev == "lag" { if ($1 != "0") n++ } { prev = $1 } END { print n + 0 }')
  [ "$busy" = 0 ] && break
  sleep 0.1
done
redis-cli -p "$port" INFO commandstats | tr -d '\r' > "$folder/flow-stats"
redis-cli -p "$port" INFO cpu | tr -d '\r' > "$folder/flow-cpu"
