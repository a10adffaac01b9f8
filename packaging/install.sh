#!/bin/sh
# Installs ferrocol's files under DESTDIR: the binary in PREFIX/bin, the systemd
# unit (ExecStart pointing there), sysusers.d and tmpfiles.d entries under
# PREFIX/lib, and the config in /etc/ferrocol (kept when it already exists).
# Without DESTDIR it also creates the `ferrocol` user and /var/lib/ferrocol.
# Used by `make install` and, with DESTDIR set, by packaging/build-deb.sh.
#   packaging/install.sh target/release/ferrocol      (DESTDIR, PREFIX from the environment)
set -eu
bin=$(realpath "$1")
cd "$(dirname "$0")"
destdir=${DESTDIR:-}
prefix=${PREFIX:-/usr/local}
root=$destdir$prefix

install -D -m 0755 "$bin" "$root/bin/ferrocol"
install -d -m 0755 "$root/lib/systemd/system" "$root/lib/sysusers.d" "$root/lib/tmpfiles.d"
sed "s|/usr/bin/ferrocol|$prefix/bin/ferrocol|g" ferrocol.service >"$root/lib/systemd/system/ferrocol.service"
chmod 0644 "$root/lib/systemd/system/ferrocol.service"
install -m 0644 ferrocol.sysusers "$root/lib/sysusers.d/ferrocol.conf"
install -m 0644 ferrocol.tmpfiles "$root/lib/tmpfiles.d/ferrocol.conf"
install -d -m 0755 "$destdir/etc/ferrocol"
if [ -e "$destdir/etc/ferrocol/config.yaml" ]; then
	echo "keeping the existing $destdir/etc/ferrocol/config.yaml" >&2
else
	install -m 0644 config.yaml "$destdir/etc/ferrocol/config.yaml"
fi

if [ -z "$destdir" ]; then
	systemd-sysusers "$root/lib/sysusers.d/ferrocol.conf"
	systemd-tmpfiles --create "$root/lib/tmpfiles.d/ferrocol.conf"
	if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	echo "installed; start it with: systemctl enable --now ferrocol" >&2
fi
