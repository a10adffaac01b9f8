# ferrocol — two commands do all set-up on a fresh Debian 12 machine (as root):
#   make run    install what is missing, build, run config.example.yaml on bundled samples
#   make test   install what is missing, run every test
# Installing: make install (PREFIX=/usr/local, DESTDIR), make deb, make image.

CARGO ?= cargo
# Debian packages the build and the tests need (systemd: journalctl, which the
# journald tests compare with; systemd-journal-remote builds their journal files;
# cmake, libssl-dev and libcurl4-openssl-dev (its header only) build the bundled
# librdkafka of the kafka components; kcat is the Kafka peer of their tests).
APT_PACKAGES := pkg-config libsystemd-dev systemd systemd-journal-remote curl ca-certificates python3 python3-venv \
	podman runc binutils cmake libssl-dev libcurl4-openssl-dev kcat

PREFIX ?= /usr/local
DESTDIR ?=
IMAGE ?= localhost/ferrocol:latest
CONTAINER_ENGINE ?= podman

.PHONY: deps build release run test chaos conformance otlp-grpc-peer otel-sdk kafka-peer bench-otlphttp bench-otlp-pipeline bench-kafka lint fmt clean install deb image

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust (rustup) first"; exit 1; }

build: deps
	$(CARGO) build

release: deps
	$(CARGO) build --release

# Runs config.example.yaml and feeds it the bundled samples; Ctrl-C stops it.
# RUN_SECONDS=N stops it after N seconds; DETAILED=1 also prints every field.
run: build
	./scripts/run-example.sh target/debug/ferrocol

# The binary in /usr/local/bin, the config in /etc/ferrocol, the hardened unit,
# the `ferrocol` user (in systemd-journal) and /var/lib/ferrocol.
install: release
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" packaging/install.sh target/release/ferrocol

# target/debian/ferrocol_<version>_<arch>.deb, with dpkg-deb.
deb: release
	packaging/build-deb.sh target/release/ferrocol

# A FROM-scratch image of the local release binary (nothing pulled), then a
# smoke run: the image validates its own config.
image: release
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) packaging/build-image.sh target/release/ferrocol $(IMAGE)
	$(CONTAINER_ENGINE) run --rm --ulimit nofile=1024:1024 --ulimit nproc=1000:1000 $(IMAGE) \
		validate --config /etc/ferrocol/config.yaml
	@echo "built $(IMAGE)"

# Every test binary runs even when one fails (--no-fail-fast); the release
# binary is what the container smoke test and the package test ship.
test: deps
	$(CARGO) build --workspace --all-targets
	$(CARGO) build --release --bin ferrocol
	$(CARGO) test --workspace --all-targets --no-fail-fast -- --test-threads=2
	$(MAKE) --no-print-directory conformance
	$(MAKE) --no-print-directory otlp-grpc-peer
	$(MAKE) --no-print-directory otel-sdk
	$(MAKE) --no-print-directory kafka-peer

# The fault-injection suite (tests/chaos) in its long form: 20 SIGKILLs at random
# moments per receiver (make test runs 3). CHAOS_SEED=N replays a run's moments.
CHAOS_KILLS ?= 20
chaos: deps
	$(CARGO) build --release --bin ferrocol
	CHAOS_KILLS=$(CHAOS_KILLS) $(CARGO) test --test integration chaos:: -- --test-threads=1 --nocapture

# OTLP/JSON checked by an independent decoder: the official opentelemetry-proto
# Python package (from PyPI, in a venv under target/) parses what the otlp_http
# exporter sends. See tests/conformance/check_otlp_json.py.
CONFORMANCE_VENV := target/conformance-venv
conformance: build
	@[ -x $(CONFORMANCE_VENV)/bin/python ] || python3 -m venv $(CONFORMANCE_VENV)
	@$(CONFORMANCE_VENV)/bin/python -c 'import opentelemetry.proto' 2>/dev/null || \
		$(CONFORMANCE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check opentelemetry-proto
	$(CONFORMANCE_VENV)/bin/python tests/conformance/check_otlp_json.py target/debug/ferrocol

# The otlp exporter against a gRPC server that is not ferrocol: grpcio and the
# official opentelemetry-proto package (from PyPI, in a venv under target/).
# See tests/otlp_grpc/ and tests/conformance/otlp_grpc_peer.py.
GRPC_PEER_VENV := target/grpc-peer-venv
otlp-grpc-peer: deps
	@[ -x $(GRPC_PEER_VENV)/bin/python ] || python3 -m venv $(GRPC_PEER_VENV)
	@$(GRPC_PEER_VENV)/bin/python -c 'import grpc, opentelemetry.proto' 2>/dev/null || \
		$(GRPC_PEER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check grpcio opentelemetry-proto
	FERROCOL_GRPC_PEER_PYTHON=$(CURDIR)/$(GRPC_PEER_VENV)/bin/python $(CARGO) test --test integration otlp_grpc:: -- --ignored --test-threads=2

# The OpenTelemetry Python SDK (from PyPI, in a venv under target/) sends logs,
# spans and metrics to ferrocol over gRPC and HTTP, plain and TLS; what ferrocol
# exports is compared field by field. See tests/otel_sdk/ and
# tests/conformance/otel_sdk_emit.py.
OTEL_SDK_VENV := target/otel-sdk-venv
OTEL_SDK_PACKAGES := opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc opentelemetry-exporter-otlp-proto-http
otel-sdk: build
	@[ -x $(OTEL_SDK_VENV)/bin/python ] || python3 -m venv $(OTEL_SDK_VENV)
	@$(OTEL_SDK_VENV)/bin/python -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http' 2>/dev/null || \
		$(OTEL_SDK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(OTEL_SDK_PACKAGES)
	FERROCOL_OTEL_SDK_PYTHON=$(CURDIR)/$(OTEL_SDK_VENV)/bin/python $(CARGO) test --test integration otel_sdk:: -- --ignored --test-threads=2

# The kafka exporter and receiver against kcat (Debian) through librdkafka's
# mock cluster, the payloads decoded and encoded by the official
# opentelemetry-proto package (the conformance venv). See tests/kafka/peer.rs.
kafka-peer: deps
	@[ -x $(CONFORMANCE_VENV)/bin/python ] || python3 -m venv $(CONFORMANCE_VENV)
	@$(CONFORMANCE_VENV)/bin/python -c 'import opentelemetry.proto' 2>/dev/null || \
		$(CONFORMANCE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check opentelemetry-proto
	FERROCOL_KAFKA_PEER_PYTHON=$(CURDIR)/$(CONFORMANCE_VENV)/bin/python $(CARGO) test --test integration kafka::peer:: -- --ignored --test-threads=2

# Records per CPU-second through kafka exporter → mock cluster → kafka receiver.
bench-kafka: deps
	$(CARGO) run --release --example kafka_bench

# Records/s, MB/s and CPU per record of the otlp_http exporter into a local sink.
bench-otlphttp: deps
	$(CARGO) run --release --example otlphttp_bench

# Spans and log records per CPU-second of a whole ferrocol: OTLP gRPC in → batch →
# OTLP gRPC out (see bench/README.md).
bench-otlp-pipeline: deps
	$(CARGO) build --release --bin ferrocol --example otlp_pipeline_bench
	./target/release/examples/otlp_pipeline_bench

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
