#!/usr/bin/env bash
# Builds, installs and starts Mamori on this machine.
#
#   scripts/run-mamori.sh [start]   build, install, start mamorid; then `mamorictl status`
#   scripts/run-mamori.sh stop      stop what `start` started
#
# With a running system bus, mamorid is installed for it (policy, bus config, unit) and started
# by systemd when systemd runs, else directly. Without one (containers, CI VMs), it starts a
# system-type dbus-daemon at the standard socket path, the real polkitd, and mamorid, so that
# mamorictl and the tray find them exactly where they would on a desktop.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runtime=/run/mamori-dev
socket=/run/dbus/system_bus_socket
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$socket"

die() { echo "run-mamori: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root: mamorid loads BPF programs and owns a system bus name"

bus_answers() {
    dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetId >/dev/null 2>&1
}

wait_for_name() {
    for _ in $(seq 1 150); do
        if dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q "boolean true"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

start_background() { # name, log, command...
    local name=$1 log=$2
    shift 2
    setsid "$@" >>"$log" 2>&1 </dev/null &
    echo $! >"$runtime/$name.pid"
}

stop() {
    for name in mamorid polkitd dbus-daemon; do
        if [ -f "$runtime/$name.pid" ]; then
            kill "$(cat "$runtime/$name.pid")" 2>/dev/null || true
            rm -f "$runtime/$name.pid"
        fi
    done
    if [ -f "$runtime/private-bus" ]; then
        rm -f "$socket" "$runtime/private-bus"
    fi
    echo "run-mamori: stopped"
}

build_and_install() {
    bash "$root/scripts/install-deps.sh"
    cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMAMORI_BUILD_TESTS=OFF -DMAMORI_BUILD_GUI=ON >/dev/null
    cmake --build "$root/build-release" -j "$(nproc)"
    cmake --install "$root/build-release" >/dev/null
}

start_private_bus() {
    mkdir -p /run/dbus
    sed -e "s|@SOCKET@|$socket|" -e "s|@POLICY_DIR@|$root/dbus|" \
        "$root/scripts/private-system-bus.conf.in" >"$runtime/bus.conf"
    start_background dbus-daemon "$runtime/dbus-daemon.log" \
        dbus-daemon --nofork --nosyslog --config-file="$runtime/bus.conf"
    touch "$runtime/private-bus"
    for _ in $(seq 1 100); do bus_answers && break; sleep 0.1; done
    bus_answers || die "the private bus did not start; see $runtime/dbus-daemon.log"
    start_background polkitd "$runtime/polkitd.log" /usr/lib/polkit-1/polkitd --no-debug
    wait_for_name org.freedesktop.PolicyKit1 || die "polkitd did not start; see $runtime/polkitd.log"
}

start() {
    mkdir -p "$runtime"
    build_and_install
    if [ -S "$socket" ] && bus_answers; then
        echo "run-mamori: using the running system bus"
        dbus-send --system --type=method_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.ReloadConfig || true
    else
        echo "run-mamori: no system bus here; starting a private one at $socket"
        start_private_bus
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        systemctl restart mamorid.service
    else
        start_background mamorid "$runtime/mamorid.log" /usr/local/sbin/mamorid
    fi
    wait_for_name org.mamori.Mamori1 || die "mamorid did not start; see $runtime/mamorid.log"
    echo
    mamorictl status
    echo
    echo "Mamori is running. Try: mamorictl features; mamorictl --help."
    echo "Logs: $runtime/*.log (or journalctl -u mamorid). Stop with: $0 stop"
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 [start|stop]" ;;
esac
