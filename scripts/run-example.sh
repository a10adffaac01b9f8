#!/usr/bin/env bash
# Run config.example.yaml and post the bundled OTLP/JSON samples to its otlp
# receiver, so the debug exporter prints them. Ctrl-C (or RUN_SECONDS) stops it.
set -euo pipefail
bin=${1:-target/debug/ferrocol}
cd "$(dirname "$0")/.."

"$bin" --config config.example.yaml &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM

# Wait for the health check, then post every sample.
for _ in $(seq 1 100); do
	curl -fsS http://127.0.0.1:13133/ >/dev/null 2>&1 && break
	sleep 0.1
done
for f in samples/otlp/*.json; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$f" http://127.0.0.1:4318/v1/logs)
	echo "posted $f: HTTP $code" >&2
done

if [ -n "${RUN_SECONDS:-}" ]; then
	sleep "$RUN_SECONDS"
	kill -TERM $pid
fi
wait $pid
