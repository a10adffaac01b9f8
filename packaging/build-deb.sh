#!/bin/sh
# Builds target/debian/ferrocol_<version>_<arch>.deb from a release binary with
# dpkg-deb (no other tool needed): the files packaging/install.sh installs under
# /usr, and the maintainer scripts in packaging/deb/. Prints the .deb's path.
#   packaging/build-deb.sh target/release/ferrocol
# DEB_OUT: another output directory; DEB_COMPRESSION: dpkg-deb's -Z (xz by default).
set -eu
bin=$(realpath "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
arch=$(dpkg --print-architecture)
out=${DEB_OUT:-$repo/target/debian}
stage=$out/ferrocol_${version}_$arch
rm -rf "$stage" && mkdir -p "$stage/DEBIAN"

DESTDIR=$stage PREFIX=/usr "$repo/packaging/install.sh" "$bin"
install -D -m 0644 "$repo/README.md" "$stage/usr/share/doc/ferrocol/README.md"
for script in postinst prerm postrm; do
	install -m 0755 "$repo/packaging/deb/$script" "$stage/DEBIAN/$script"
done
echo /etc/ferrocol/config.yaml >"$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	"$repo/packaging/deb/control" >"$stage/DEBIAN/control"

dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$stage" "$out/ferrocol_${version}_$arch.deb" >/dev/null
echo "$out/ferrocol_${version}_$arch.deb"
