#!/usr/bin/env bash
# Benchmark: the teleport receiver reading 1 GiB of generated audit events
# (start_at: beginning) into the debug exporter at `basic` verbosity, next to
# a bare parse of the same files (each line into a serde_json::Value).
#
# Prints MB/s, records/s, CPU seconds and peak RSS. Not a test: run it by hand.
#   bench/teleport.sh                      # 1 GiB in $BENCH_DIR (default /tmp/ferrocol-bench)
#   SIZE_MIB=256 bench/teleport.sh         # a smaller run
#
# Completion: the debug exporter writes one `Logs {"log records": N}` line per
# batch to a file; the run is done when the sum reaches the number of lines
# generated. The time is taken from start to that moment (polled every 20 ms).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${BENCH_DIR:-/tmp/ferrocol-bench}
SIZE_MIB=${SIZE_MIB:-1024}

if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time
fi

cargo build --release --quiet --bin ferrocol --example gen_teleport --example bare_parse
BIN=target/release

mkdir -p "$DATA"
if [ ! -f "$DATA/log/.generated-$SIZE_MIB" ]; then
    echo "generating $SIZE_MIB MiB of Teleport events in $DATA/log ..."
    rm -rf "$DATA/log"
    mkdir -p "$DATA/log"
    "$BIN/examples/gen_teleport" "$DATA/log" "$SIZE_MIB" > "$DATA/log/.generating"
    mv "$DATA/log/.generating" "$DATA/log/.generated-$SIZE_MIB"
fi
read -r BYTES LINES < "$DATA/log/.generated-$SIZE_MIB"

# Both runs read from the page cache.
cat "$DATA"/log/*/*.log > /dev/null

echo "bare parse ..."
read -r _ _ PARSE_SECS < <("$BIN/examples/bare_parse" "$DATA/log")

cat > "$DATA/bench.yaml" <<YAML
receivers:
  teleport:
    directory: $DATA/log
    start_at: beginning
exporters:
  debug:
    verbosity: basic
    use_internal_logger: false
    output_paths: [$DATA/out.log]
service:
  telemetry: {logs: {level: warn}}
  pipelines:
    logs: {receivers: [teleport], exporters: [debug]}
YAML

rm -f "$DATA/out.log"
echo "ferrocol ..."
START=$(date +%s.%N)
/usr/bin/time -v -o "$DATA/time.txt" "$BIN/ferrocol" --config "$DATA/bench.yaml" 2> "$DATA/ferrocol.err" &
TIME_PID=$!
records() {
    awk -F'"log records": ' '/^Logs/ { split($2, a, "}"); s += a[1] } END { print s + 0 }' "$DATA/out.log" 2>/dev/null || echo 0
}
while [ "$(records)" -lt "$LINES" ]; do
    if ! kill -0 "$TIME_PID" 2>/dev/null; then
        echo "ferrocol exited early:" >&2
        cat "$DATA/ferrocol.err" >&2
        exit 1
    fi
    sleep 0.02
done
END=$(date +%s.%N)
# Stop ferrocol (the child of /usr/bin/time) cleanly.
FERROCOL_PID=$(pgrep -P "$TIME_PID")
kill -TERM "$FERROCOL_PID"
wait "$TIME_PID" || true

USER_S=$(awk -F': ' '/User time/ {print $2}' "$DATA/time.txt")
SYS_S=$(awk -F': ' '/System time/ {print $2}' "$DATA/time.txt")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DATA/time.txt")

awk -v bytes="$BYTES" -v lines="$LINES" -v start="$START" -v end="$END" -v parse="$PARSE_SECS" \
    -v user="$USER_S" -v sys="$SYS_S" -v rss="$RSS_KB" -v cores="$(nproc)" 'BEGIN {
    secs = end - start
    printf "input:        %.1f MiB, %d events, %d cores\n", bytes / 1048576, lines, cores
    printf "bare parse:   %.2f s  %.1f MB/s  (serde_json::Value per line, one core)\n", parse, bytes / 1e6 / parse
    printf "ferrocol:     %.2f s  %.1f MB/s  %.0f records/s  (%.2fx the bare parse time)\n", secs, bytes / 1e6 / secs, lines / secs, secs / parse
    printf "ferrocol CPU: %.2f s user + %.2f s system = %.2f s\n", user, sys, user + sys
    printf "peak RSS:     %.1f MB\n", rss / 1024
}'
