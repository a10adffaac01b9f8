#!/usr/bin/env bash
# The journald benchmark (issue 3): one journal of N entries (default 1,000,000:
# audit and sshd lines, 25% `USER_START op=PAM:session_open`), read three ways
# with the seed config's filters (_TRANSPORT=audit, priority 7, the grep):
#
#   ferrocol   end to end: journald receiver → otlphttp (encoding: json, its
#              defaults otherwise: gzip, 10 consumers, the 4 MiB default queue) → a
#              loopback sink that counts records (examples/count_sink.rs); the
#              time is taken when the last expected record reached the sink.
#              DELAY_MS=50: the sink answers each request after 50 ms.
#   journalctl the route otelcol-contrib takes: journalctl --output=json … | wc -l
#   floor      a bare libsystemd loop (examples/journald_floor.rs): match, MESSAGE,
#              regex, enumerate the fields of matches; no reader can do less
#
# Each runs ROUNDS times, interleaved; the median wall time is reported, with
# CPU time (user+sys) and peak RSS from /usr/bin/time -v. Not a test: timings
# depend on the machine and on what else it runs.
#
#   bench/journald.sh                  # N=1000000 ROUNDS=3 WORK=/tmp/ferrocol-bench
#   N=200000 ROUNDS=5 bench/journald.sh
#   DELAY_MS=50 bench/journald.sh      # a slow backend
#   COMPRESSION=none bench/journald.sh # the exporter's compression (default: gzip, otelcol's)
#   BASELINE=/tmp/old/ferrocol bench/journald.sh   # also another build, interleaved (before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/tmp/ferrocol-bench}
DELAY_MS=${DELAY_MS:-0}
COMPRESSION=${COMPRESSION:-gzip}
GREP='USER_START.*op=PAM:session_open'

need() { command -v "$1" >/dev/null 2>&1; }
if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (Debian package time)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get install -y -qq time >/dev/null
fi
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || remote=/usr/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || { echo "systemd-journal-remote is missing (make deps)"; exit 1; }
need journalctl || { echo "journalctl is missing (Debian package systemd)"; exit 1; }

cargo build --release --quiet --bin ferrocol --example journald_gen --example journald_floor --example count_sink
bin=target/release
ferrocol=$bin/ferrocol
BASELINE=${BASELINE:-}
mkdir -p "$WORK"
dir="$WORK/journal-$N"
if [ ! -f "$dir/.complete" ]; then
  echo "generating a journal of $N entries in $dir (once)"
  rm -rf "$dir" && mkdir -p "$dir"
  "$bin/examples/journald_gen" "$N" | "$remote" --output="$dir/bench.journal" - 2>/dev/null
  touch "$dir/.complete"
fi

expected=$("$bin/examples/journald_floor" "$dir" _TRANSPORT=audit "$GREP" | sed -n 's/.*matched=\([0-9]*\).*/\1/p')
echo "journal: $N entries, $(du -sh "$dir" | cut -f1) in $(ls "$dir"/*.journal | wc -l) files; $expected match the seed config"

cat > "$WORK/seed.yaml" <<EOF
receivers:
  journald:
    directory: $dir
    priority: "7"
    start_at: beginning
    matches:
      - _TRANSPORT: audit
    grep: "$GREP"
exporters:
  otlphttp:
    endpoint: http://SINK_ADDR
    encoding: json
    compression: $COMPRESSION
service:
  telemetry: {logs: {level: warn}}
  pipelines:
    logs:
      receivers: [journald]
      exporters: [otlphttp]
EOF

# "wall cpu rss_kb" of the command's /usr/bin/time -v report in $1.
report() {
  awk -F': ' '/Elapsed \(wall/ {n = split($2, t, ":"); w = t[n] + (n > 1 ? t[n-1] * 60 : 0) + (n > 2 ? t[n-2] * 3600 : 0)}
              /User time/ {u = $2} /System time/ {s = $2} /Maximum resident/ {m = $2}
              END {printf "%.2f %.2f %d\n", w, u + s, m}' "$1"
}

run_floor() {
  /usr/bin/time -v -o "$WORK/t" "$bin/examples/journald_floor" "$dir" _TRANSPORT=audit "$GREP" >/dev/null
  report "$WORK/t"
}

run_journalctl() {
  /usr/bin/time -v -o "$WORK/t" sh -c "journalctl --directory '$dir' --output=json --priority 7 _TRANSPORT=audit --grep '$GREP' | wc -l >/dev/null"
  report "$WORK/t"
}

# ferrocol follows the journal forever: the wall time runs from its start to the
# sink's receipt of the request that completed the expected records; then it
# gets SIGTERM. The sink exits once it has counted them.
run_ferrocol() {
  rm -f "$WORK/sink.addr" "$WORK/sink.out"
  # The sink runs on the same cores: its CPU time is reported next to ferrocol's.
  /usr/bin/time -f "%U %S" -o "$WORK/sink.t" \
    "$bin/examples/count_sink" --expect "$expected" --delay-ms "$DELAY_MS" --addr-file "$WORK/sink.addr" >"$WORK/sink.out" &
  local sinkpid=$! start end pid
  while [ ! -s "$WORK/sink.addr" ]; do sleep 0.01; done
  sed "s/SINK_ADDR/$(cat "$WORK/sink.addr")/" "$WORK/seed.yaml" >"$WORK/run.yaml"
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/t" "$ferrocol" --config "$WORK/run.yaml" 2>"$WORK/ferrocol.log" &
  local timepid=$!
  while kill -0 "$sinkpid" 2>/dev/null; do
    sleep 0.05
    kill -0 "$timepid" 2>/dev/null || { echo "ferrocol stopped:"; cat "$WORK/ferrocol.log"; exit 1; }
  done
  end=$(sed -n 's/.* last=\([0-9.]*\).*/\1/p' "$WORK/sink.out")
  [ -n "$end" ] || { echo "the sink ended without the expected records:"; cat "$WORK/sink.out"; exit 1; }
  pid=$(pgrep -P "$timepid" ferrocol)
  # CPU time of the reader thread alone: what the floor is compared with on a busy machine.
  local reader
  reader=$(for t in /proc/"$pid"/task/*; do
    [ "$(cat "$t/comm")" = journald-reader ] && cut -d')' -f2 "$t/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($12 + $13) / hz}'
  done)
  kill -TERM "$pid"
  wait "$timepid" || true
  read -r _ cpu rss < <(report "$WORK/t")
  printf "%.2f %s %s %s %s\n" "$(echo "$end - $start" | bc)" "$cpu" "$rss" "$reader" "$(awk '{print $1 + $2}' "$WORK/sink.t")"
}

# The same run with the BASELINE build of ferrocol.
run_baseline() {
  local ours=$ferrocol
  ferrocol=$BASELINE
  run_ferrocol
  ferrocol=$ours
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
  for what in floor journalctl ferrocol ${BASELINE:+baseline}; do
    r=$("run_$what")
    echo "$what $r" >>"$WORK/results"
    echo "round $round: $what wall=$(echo "$r" | cut -d' ' -f1)s cpu=$(echo "$r" | cut -d' ' -f2)s rss=$(echo "$r" | cut -d' ' -f3)KB"
  done
done

col() { awk -v w="$1" -v c="$2" '$1 == w {print $c}' "$WORK/results" | median; }
f=$(col ferrocol 2); j=$(col journalctl 2); b=$(col floor 2)
echo
echo "median of $ROUNDS rounds, $N entries, $expected records out (otlphttp json, $COMPRESSION, sink delay ${DELAY_MS} ms):"
printf "  %-11s %7s s wall  %7s s cpu  %6s MB peak RSS\n" \
  ferrocol "$f" "$(col ferrocol 3)" "$(( $(col ferrocol 4) / 1024 ))" \
  journalctl "$j" "$(col journalctl 3)" "$(( $(col journalctl 4) / 1024 ))" \
  floor "$b" "$(col floor 3)" "$(( $(col floor 4) / 1024 ))"
if [ -n "$BASELINE" ]; then
  printf "  %-11s %7s s wall  %7s s cpu  %6s MB peak RSS  (reader thread %s s; %s)\n" \
    baseline "$(col baseline 2)" "$(col baseline 3)" "$(( $(col baseline 4) / 1024 ))" "$(col baseline 5)" "$BASELINE"
fi
echo "  journalctl / ferrocol = $(echo "scale=2; $j / $f" | bc)x   (target: at least 5x)"
echo "  ferrocol / floor      = $(echo "scale=2; $f / $b" | bc)x   (target: at most 1.3x)"
echo "  CPU: ferrocol / floor = $(echo "scale=2; $(col ferrocol 3) / $(col floor 3)" | bc)x, journalctl / ferrocol = $(echo "scale=2; $(col journalctl 3) / $(col ferrocol 3)" | bc)x"
echo "  the counting sink used $(col ferrocol 6) s CPU on the same cores (un-gzipping and scanning what ferrocol sent)"
r=$(col ferrocol 5); bc_cpu=$(col floor 3)
echo "  CPU: ferrocol's reader thread $r s, the floor $bc_cpu s = $(echo "scale=2; $r / $bc_cpu" | bc)x;" \
  "records are built and exported on other threads ($(nproc) CPUs here, load $(cut -d' ' -f1 /proc/loadavg))"
