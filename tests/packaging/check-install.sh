#!/bin/sh
# check-install.sh BUILD_DIR PREFIX: installs into a scratch DESTDIR and checks that every file
# lands where the system looks for it (polkitd, dbus-daemon, systemd, bash-completion) and that
# the unit and activation files start the installed binary.
set -eu
build=$1
prefix=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" cmake --install "$build" >/dev/null
missing=0
for f in \
    "$prefix/sbin/mamorid" \
    "$prefix/bin/mamorictl" \
    "$prefix/bin/mamori-run" \
    /usr/share/polkit-1/actions/org.mamori.policy \
    /usr/share/dbus-1/system.d/org.mamori.Mamori1.conf \
    /usr/share/dbus-1/system-services/org.mamori.Mamori1.service \
    "$prefix/share/dbus-1/interfaces/org.mamori.Mamori1.Manager.xml" \
    /lib/systemd/system/mamorid.service \
    /etc/mamori/mamori.conf \
    "$prefix/share/bash-completion/completions/mamorictl" \
    "$prefix/share/mamori/rules/blueborne.rules"; do
    if [ ! -e "$dest$f" ]; then
        echo "not installed: $f"
        missing=1
    fi
done
grep -qx "ExecStart=$prefix/sbin/mamorid" "$dest/lib/systemd/system/mamorid.service" ||
    { echo "unit does not start $prefix/sbin/mamorid"; missing=1; }
grep -qx "Exec=$prefix/sbin/mamorid" "$dest/usr/share/dbus-1/system-services/org.mamori.Mamori1.service" ||
    { echo "activation file does not start $prefix/sbin/mamorid"; missing=1; }
[ "$missing" -eq 0 ] && echo "all files installed where the system expects them"
exit "$missing"
