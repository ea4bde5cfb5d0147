#!/usr/bin/env bash
# Measures the built binary's time to ready (start until /readyz answers
# 200) and its idle memory (VmRSS) a few seconds after start, on a fresh data
# directory and again on an existing one. Usage: scripts/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
make -s build
bin=$PWD/bin/alertgate
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
port=18089

measure() { # prints "<ms to ready> <rss kB after 3 s idle>"
	local start pid ms
	start=$(date +%s%N)
	ALERTGATE_DATA_DIR=$data ALERTGATE_ADDR=127.0.0.1:$port "$bin" serve 2>/dev/null &
	pid=$!
	# Poll with bash's own /dev/tcp (no process per try), then ask /readyz.
	until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do :; done
	curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	sleep 3
	echo "$ms $(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
	kill -TERM $pid
	wait $pid
}

echo "run  ready_ms  idle_rss_kB  (first run: empty data dir)"
for i in $(seq 1 "$runs"); do
	printf '%3d  %s\n' "$i" "$(measure)"
done
