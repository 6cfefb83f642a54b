#!/usr/bin/env bash
# make bench: start a fresh system on spare ports (redis with AOF everysec,
# broker, one instance of each service), load 200 generated employees, drive
# submit -> decide (atasan, kepala OPD, BKD) -> inbox with wfa-bench, and
# print what Redis did per workflow (after_flow.sh reads it once the
# consumers have caught up); then the monev phases (check-in, report, MONEV.GET);
# then measure Redis's own ceiling for the same Lua step shape
# (HSET + RPUSH + 4 ZADD + XADD + SET) with redis-benchmark, pipelined, and
# print the ratio; last, the cost of CURVE (wfa-curve-bench: the same broker
# pattern with and without it). Between the two, the same workflow through the
# HTTP gateway (wfa-gateway, wfa-bench --gateway: libcurl, the same number in flight),
# its rate printed beside the native one.
# Knobs: BENCH_REQUESTS (default 5000), BENCH_CONCURRENCY (default 64),
# BENCH_HTTP_REQUESTS (default 2000; 0 skips the HTTP run),
# BENCH_CURVE_ARGS (wfa-curve-bench's options, e.g. "--calls 20000").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WFA_BIN:-$top/build/bin}
requests=${BENCH_REQUESTS:-5000}
concurrency=${BENCH_CONCURRENCY:-64}
work=$(mktemp -d /tmp/wfa-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] && echo "bench: logs kept in $work" || rm -rf "$work"
}
trap cleanup EXIT

spare_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(spare_port); front=$(spare_port); back=$(spare_port); http_port=$(spare_port)
http_requests=${BENCH_HTTP_REQUESTS:-2000}
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes \
  --appendfsync everysec --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

export WFA_REDIS="127.0.0.1:$redis_port" WFA_FRONTEND="tcp://127.0.0.1:$front"
export WFA_BACKEND="tcp://127.0.0.1:$back" WFA_BROKER="tcp://127.0.0.1:$back"
export WFA_ENDPOINT="tcp://127.0.0.1:$front"
# CURVE on, as always: a key folder of the run's own; wfa-bench signs in as the
# gateway (it acts for the generated people), the import goes with the operator's key
export WFA_KEYS="$work/keys" WFA_AUDIT_ANCHORS="$work/anchors.log"
"$bin/wfactl" keys init "$WFA_KEYS" >/dev/null
# The monev phases move the services' clock to a flexible day (tests and
# benchmarks only), and read the figures as the BKD officer
export WFA_CLOCK_FILE="$work/clock"
echo 0 > "$WFA_CLOCK_FILE"
"$bin/wfa-broker" 2>>"$work/services.log" & pids+=($!)
for service in requests approvals notifications metrics monev; do
  "$bin/wfa-$service" 2>>"$work/services.log" & pids+=($!)
done

# 10 OPDs of 20: one head each, who is atasan of the other 19 and kepala OPD;
# and one BKD officer, who decides the default chain's last step
csv="$work/employees.csv"
# (each with the service start and position eligibility the rules need on record)
echo "nip,name,pemda,opd,position,supervisor_nip,roles,service_start,position_eligible" > "$csv"
echo "196902021994031001,Petugas BKD,35.08,BKD,Analis SDM Aparatur,,pegawai;bkd,1994-03,yes" >> "$csv"
for opd in $(seq 1 10); do
  head=$(printf '197001011995%02d1000' "$opd")
  echo "$head,Kepala $opd,35.08,OPD$opd,Kepala,,pegawai;atasan;kepala_opd,1995-01,yes" >> "$csv"
  for n in $(seq 1 19); do
    echo "$(printf '198502022010%02d2%03d' "$opd" "$n"),Pegawai $opd-$n,35.08,OPD$opd,Staf,$head,pegawai,2010-02,yes" >> "$csv"
  done
done
for _ in $(seq 1 50); do
  "$bin/wfactl" status 2>/dev/null | grep -q 'monev: 1' && break; sleep 0.1
done
"$bin/wfactl" import employees "$csv"

echo "== Fleksi: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), redis $(redis-server --version | awk '{print $3}')"
# What Redis does for the workflows alone: the counters start after the
# import and are read once every consumer group has caught up with the
# flows (before the monev phases), with Redis's CPU time
redis-cli -p "$redis_port" CONFIG RESETSTAT >/dev/null
cpu_before=$(redis-cli -p "$redis_port" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {t+=$2} END {print t}')
"$bin/wfa-bench" --employees "$csv" --requests "$requests" --concurrency "$concurrency" \
  --after-flow "bash $top/tools/bench/after_flow.sh $redis_port $work" | tee "$work/bench.out"
if [ -s "$work/flow-stats" ]; then
  cpu_after=$(awk -F: '/^used_cpu_(sys|user):/ {t+=$2} END {print t}' "$work/flow-cpu")
  echo "== Redis work per workflow (submit -> 3 decisions -> notices, consumers caught up; INFO commandstats, INFO cpu)"
  awk -v n="$requests" -v cpu="$(awk -v a="$cpu_after" -v b="$cpu_before" 'BEGIN{print a-b}')" -F'[:,=]' '
    /^cmdstat_/ { calls += $3; usec += $5
                  if ($1 ~ /^cmdstat_(eval|evalsha|fcall|fcall_ro)$/) { lcalls += $3; lusec += $5 } }
    END { printf "  commands (round trips): %.1f per workflow, of them Lua steps %.1f\n", calls/n, lcalls/n
          printf "  Redis time in commands: %.0f usec per workflow, of it in Lua %.0f usec\n", usec/n, lusec/n
          printf "  Redis CPU (user+sys): %.0f usec per workflow\n", cpu*1e6/n }' "$work/flow-stats"
fi
echo "== where Redis spent its time during the run (INFO commandstats: calls, usec per call)"
redis-cli -p "$redis_port" INFO commandstats | tr -d '\r' | grep -E 'cmdstat_(fcall|fcall_ro|get|xreadgroup|xack|xautoclaim|hgetall|zrevrange|hmget)' \
  | sed -E 's/cmdstat_([a-z_]+):calls=([0-9]+),usec=([0-9]+),usec_per_call=([0-9.]+).*/  \1: \2 calls, \4 usec each/'

if [ "$http_requests" -gt 0 ]; then
  # The gateway, without rate limits (the bench is one pemda's thousand callers); each
  # person signs in with a bearer credential of their own (bench_tokens.py: an OIDC
  # access token of a test provider). Its requests ask for weeks after every native one's (--first-week),
  # so the two runs never overlap.
  WFA_BIN="$bin" /usr/bin/python3 "$top/tools/bench/bench_tokens.py" "$csv" "$work/bearers" "$work"
  WFA_HTTP="127.0.0.1:$http_port" WFA_RATE_TOKEN=0 WFA_RATE_PEMDA=0 \
    WFA_HTTP_THREADS=$concurrency "$bin/wfa-gateway" 2>>"$work/gateway.log" & pids+=($!)
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$http_port/v1/ready" >/dev/null && break; sleep 0.1; done
  echo "== the same workflow through the HTTP gateway (JSON over HTTP/1.1, libcurl, $concurrency in flight)"
  "$bin/wfa-bench" --employees "$csv" --requests "$http_requests" --concurrency "$concurrency" \
    --gateway "http://127.0.0.1:$http_port" --tokens "$work/bearers" --first-week 30 | tee "$work/bench-http.out"
  native_flow=$(awk '/^flow/ {print $(NF-1)}' "$work/bench.out")
  http_flow=$(awk '/^http-flow/ {print $(NF-1)}' "$work/bench-http.out")
  echo "== HTTP beside native, same run: ${http_flow} flows/s through the gateway, ${native_flow} flows/s native ($(awk -v a="$http_flow" -v b="$native_flow" 'BEGIN{printf "%.0f", b ? 100*a/b : 0}')%)"
fi

echo "== Redis ceiling: the same Lua step shape, redis-benchmark -c 50 -P 16"
script="redis.call('HSET',KEYS[1],'state','submitted','nip',ARGV[1],'opd','OPD1','dates','2026-12-01','v',1)
redis.call('RPUSH',KEYS[1]..':h',ARGV[1])
redis.call('ZADD','{b}:all',1,KEYS[1]) redis.call('ZADD','{b}:s',1,KEYS[1])
redis.call('ZADD','{b}:o',1,KEYS[1]) redis.call('ZADD','{b}:n',1,KEYS[1])
redis.call('XADD','{b}:ev','MAXLEN','~','100000','*','type','request.submitted','data',ARGV[1])
redis.call('SET',KEYS[1]..':i',ARGV[1],'EX',60) return 1"
sha=$(redis-cli -p "$redis_port" SCRIPT LOAD "$script")
redis-benchmark -p "$redis_port" -c 50 -P 16 -n 200000 -r 1000000 -q \
  EVALSHA "$sha" 1 '{b}:req:__rand_int__' payload-__rand_int__ | tr '\r' '\n' | tail -1 > "$work/ceiling.out"
ceiling=$(grep -o '[0-9.]* requests per second' "$work/ceiling.out" | awk '{print $1}')
echo "EVALSHA (8 writes, like submit.lua): ${ceiling} steps/s"
submit=$(awk '/^submit/ {print $6}' "$work/bench.out" | tr -d '/s')
flow=$(awk '/^flow/ {print $(NF-1)}' "$work/bench.out")
echo "== ratio: submit ${submit}/s is $(awk -v a="$submit" -v b="$ceiling" 'BEGIN{printf "%.1f", 100*a/b}')% of the Redis ceiling ${ceiling}/s; whole flow ${flow} flows/s"
checkin=$(awk '/^checkin/ {print $6}' "$work/bench.out" | tr -d '/s')
if [ -n "$checkin" ]; then
  echo "== monev: check-in ${checkin}/s is $(awk -v a="$checkin" -v b="$ceiling" 'BEGIN{printf "%.1f", 100*a/b}')% of the Redis ceiling"
fi

echo "== The cost of CURVE: one broker between DEALER clients and an echoing worker, with the NULL mechanism and with CURVE + ZAP (the system above is idle meanwhile)"
# shellcheck disable=SC2086
"$bin/wfa-curve-bench" ${BENCH_CURVE_ARGS:-}
