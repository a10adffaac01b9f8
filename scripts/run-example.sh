#!/usr/bin/env bash
# Run config.example.yaml on the bundled samples: a journal built from
# samples/journal (into target/sample-journal, the config's default directory),
# Teleport's log in samples/teleport, and the OTLP/JSON samples posted to its
# otlp receiver. Ctrl-C (or RUN_SECONDS) stops it; DETAILED=1 also prints every
# field of every event.
set -euo pipefail
bin=${1:-target/debug/ferrocol}
cd "$(dirname "$0")/.."

# The sample journal: real journal files from the bundled export, built by
# systemd-journal-remote (no journald needed).
journal=target/sample-journal
rm -rf "$journal"
scripts/build-journal.sh samples/journal/ssh-logins.export "$journal"

# DETAILED=1 adds a second pipeline that prints every field (otelcol's `detailed` text).
configs=(--config config.example.yaml)
[ -z "${DETAILED:-}" ] || configs+=(--config examples/debug-detailed.yaml)
"$bin" "${configs[@]}" &
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
