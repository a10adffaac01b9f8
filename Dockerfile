# ferrocol container image, built from source (pulls the Rust and Debian images).
#   docker build -t ferrocol .            (or: podman build -t ferrocol .)
# `make image` builds a FROM-scratch image from the local release binary instead,
# pulling nothing (packaging/build-image.sh).
# Build with the official Rust image; run on slim Debian with only what the
# binary needs: libsystemd0 (reads the journal natively, no journalctl) and CA
# certificates.
FROM docker.io/library/rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libsystemd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin ferrocol

FROM docker.io/library/debian:bookworm-slim
# The gid of the host's systemd-journal group, so the journal files are readable.
ARG JOURNAL_GID=101
ARG FERROCOL_UID=10001
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsystemd0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && (getent group systemd-journal || groupadd --system --gid "${JOURNAL_GID}" systemd-journal) \
 && useradd --system --uid "${FERROCOL_UID}" --gid systemd-journal --home-dir /var/lib/ferrocol --shell /usr/sbin/nologin ferrocol \
 && install -d -o ferrocol -g systemd-journal -m 0750 /var/lib/ferrocol /etc/ferrocol
COPY --from=build /src/target/release/ferrocol /usr/bin/ferrocol
COPY packaging/config.container.yaml /etc/ferrocol/config.yaml
USER ferrocol
VOLUME ["/var/lib/ferrocol"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["ferrocol", "health", "--endpoint", "127.0.0.1:13133"]
ENTRYPOINT ["ferrocol"]
CMD ["--config", "/etc/ferrocol/config.yaml"]
