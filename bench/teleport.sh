#!/usr/bin/env bash
# Benchmark: the teleport receiver reading 1 GiB of generated audit events
# (start_at: beginning) through otlphttp (protobuf, its defaults otherwise:
# gzip, 10 consumers, the 4 MiB default queue) into a loopback sink that counts records
# without decoding them (examples/count_sink.rs), next to a bare parse of the
# same files (each line into a serde_json::Value).
#
# Prints MB/s, records/s, CPU seconds and peak RSS. Not a test: run it by hand.
#   bench/teleport.sh                      # 1 GiB in $BENCH_DIR (default /tmp/ferrocol-bench)
#   SIZE_MIB=256 bench/teleport.sh         # a smaller run
#   DELAY_MS=50 bench/teleport.sh          # the sink answers each request after 50 ms
#   QUEUE=persistent bench/teleport.sh     # sending_queue.storage on a file_storage in $BENCH_DIR
#   ROUNDS=3 BASELINE=/tmp/old/ferrocol bench/teleport.sh
#                                          # three rounds, each also running another build (before/after)
#
# Completion: the sink exits once it has counted as many records as lines were
# generated (so nothing was lost), printing when the last request arrived; the
# time is taken from ferrocol's start to that moment.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${BENCH_DIR:-/tmp/ferrocol-bench}
SIZE_MIB=${SIZE_MIB:-1024}
DELAY_MS=${DELAY_MS:-0}
QUEUE=${QUEUE:-memory}
ROUNDS=${ROUNDS:-1}
BASELINE=${BASELINE:-}

if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time
fi

cargo build --release --quiet --bin ferrocol --example gen_teleport --example bare_parse --example count_sink
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

case "$QUEUE" in
    memory) STORAGE=""; QUEUE_YAML=""; EXTENSIONS="" ;;
    persistent)
        STORAGE="extensions: {file_storage/q: {directory: $DATA/queue, create_directory: true}}"
        QUEUE_YAML="    sending_queue: {storage: file_storage/q}"
        EXTENSIONS="  extensions: [file_storage/q]" ;;
    *) echo "QUEUE is memory or persistent" >&2; exit 2 ;;
esac
cat > "$DATA/bench.yaml" <<YAML
$STORAGE
receivers:
  teleport:
    directory: $DATA/log
    start_at: beginning
exporters:
  otlphttp:
    endpoint: http://SINK_ADDR
$QUEUE_YAML
service:
$EXTENSIONS
  telemetry: {logs: {level: warn}}
  pipelines:
    logs: {receivers: [teleport], exporters: [otlphttp]}
YAML

# One run of ferrocol binary $1 into a fresh sink; prints its figures
# against the bare parse of the same round ($PARSE_SECS).
run_ferrocol() {
    local bin=$1
    rm -f "$DATA/sink.addr" "$DATA/sink.out"
    [ "$QUEUE" = persistent ] && rm -rf "$DATA/queue"
    # The sink runs on the same cores: its CPU time is reported next to ferrocol's.
    /usr/bin/time -f "%U %S" -o "$DATA/sink.t" \
        "$BIN/examples/count_sink" --expect "$LINES" --delay-ms "$DELAY_MS" --addr-file "$DATA/sink.addr" > "$DATA/sink.out" &
    local sink_pid=$!
    while [ ! -s "$DATA/sink.addr" ]; do sleep 0.01; done
    sed "s/SINK_ADDR/$(cat "$DATA/sink.addr")/" "$DATA/bench.yaml" > "$DATA/run.yaml"
    echo "$bin (sink delay $DELAY_MS ms, $QUEUE queue) ..."
    local start end time_pid
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$DATA/time.txt" "$bin" --config "$DATA/run.yaml" 2> "$DATA/ferrocol.err" &
    time_pid=$!
    while kill -0 "$sink_pid" 2>/dev/null; do
        if ! kill -0 "$time_pid" 2>/dev/null; then
            echo "ferrocol exited early:" >&2
            cat "$DATA/ferrocol.err" >&2
            exit 1
        fi
        sleep 0.05
    done
    end=$(sed -n 's/.* last=\([0-9.]*\).*/\1/p' "$DATA/sink.out")
    [ -n "$end" ] || { echo "the sink ended without every record:" >&2; cat "$DATA/sink.out" >&2; exit 1; }
    # Stop ferrocol (the child of /usr/bin/time) cleanly.
    kill -TERM "$(pgrep -P "$time_pid")"
    wait "$time_pid" || true

    local user_s sys_s rss_kb
    user_s=$(awk -F': ' '/User time/ {print $2}' "$DATA/time.txt")
    sys_s=$(awk -F': ' '/System time/ {print $2}' "$DATA/time.txt")
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DATA/time.txt")

    awk -v bytes="$BYTES" -v lines="$LINES" -v start="$start" -v end="$end" -v parse="$PARSE_SECS" \
        -v user="$user_s" -v sys="$sys_s" -v rss="$rss_kb" -v sink="$(awk '{print $1 + $2}' "$DATA/sink.t")" 'BEGIN {
        secs = end - start
        printf "ferrocol:     %.2f s  %.1f MB/s  %.0f records/s  (%.2fx the bare parse time), all %d records at the sink\n", secs, bytes / 1e6 / secs, lines / secs, secs / parse, lines
        printf "ferrocol CPU: %.2f s user + %.2f s system = %.2f s (%.2fx the bare parse)\n", user, sys, user + sys, (user + sys) / parse
        printf "peak RSS:     %.1f MB\n", rss / 1024
        printf "sink CPU:     %.2f s (un-gzipping and counting, on the same cores)\n", sink
    }'
}

for round in $(seq "$ROUNDS"); do
    echo "round $round: bare parse ..."
    read -r _ _ PARSE_SECS < <("$BIN/examples/bare_parse" "$DATA/log")
    awk -v bytes="$BYTES" -v lines="$LINES" -v parse="$PARSE_SECS" -v cores="$(nproc)" 'BEGIN {
        printf "input:        %.1f MiB, %d events, %d cores\n", bytes / 1048576, lines, cores
        printf "bare parse:   %.2f s  %.1f MB/s  (serde_json::Value per line, one core)\n", parse, bytes / 1e6 / parse
    }'
    run_ferrocol "$BIN/ferrocol"
    if [ -n "$BASELINE" ]; then run_ferrocol "$BASELINE"; fi
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
