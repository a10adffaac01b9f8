#!/bin/sh
# Builds a container image FROM scratch from a local ferrocol binary: the binary,
# the shared libraries `ldd` lists (libsystemd reads the journal natively) and a
# config at /etc/ferrocol/config.yaml. Nothing is pulled from a registry. Used by
# `make image` and by the container smoke test (tests/container.rs).
#   packaging/build-image.sh BINARY TAG [CONFIG]      (CONFIG: packaging/config.container.yaml)
# CONTAINER_ENGINE picks podman (the default) or docker; ENGINE_OPTS are passed
# before the engine's subcommand (e.g. "--storage-driver vfs" for podman).
set -eu
bin=$(realpath "$1")
tag=$2
config=$(realpath "${3:-$(dirname "$0")/config.container.yaml}")
engine=${CONTAINER_ENGINE:-podman}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs

for lib in $(ldd "$bin" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
	install -D -m 0755 "$lib" "$root$lib"
done
install -D -m 0755 "$bin" "$root/usr/bin/ferrocol"
install -D -m 0644 "$config" "$root/etc/ferrocol/config.yaml"
install -d -m 0755 "$root/var/lib/ferrocol"
install -d -m 1777 "$root/tmp"
cat >"$ctx/Containerfile" <<'CONTAINERFILE'
FROM scratch
COPY rootfs/ /
VOLUME ["/var/lib/ferrocol"]
ENTRYPOINT ["/usr/bin/ferrocol"]
CMD ["--config", "/etc/ferrocol/config.yaml"]
CONTAINERFILE
# shellcheck disable=SC2086 # ENGINE_OPTS is a list of options
$engine ${ENGINE_OPTS:-} build -q -f "$ctx/Containerfile" -t "$tag" "$ctx" >/dev/null
echo "$tag"
