#!/bin/sh
# Runs the tray tests inside a desktop-like session: a private D-Bus session bus (dbus-run-session)
# and a virtual X server (Xvfb, through xvfb-run). The tests find DBUS_SESSION_BUS_ADDRESS and
# DISPLAY set and use them: the StatusNotifierItem registers with a fake StatusNotifierWatcher
# on that bus, notifications go to a fake org.freedesktop.Notifications, and the global hotkey
# is grabbed on that X server and pressed through XTEST.
#
# Needs: dbus (dbus-run-session, dbus-daemon), xvfb (Xvfb, xvfb-run), Go and the cgo toolchain.
# -noreset: Xvfb would otherwise reset whenever its last client disconnects, and a test that connects
# at that moment gets "connection reset by peer".
# Usage, from anywhere: internal/tray/testdata/run-tray-test.sh [go test flags...]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
for tool in dbus-run-session xvfb-run go; do
	command -v "$tool" >/dev/null 2>&1 || { echo "run-tray-test.sh: $tool not installed" >&2; exit 1; }
done
# Not the user's session: a desktop's own tray host and notification server would answer instead
# of the fakes.
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY XDG_SESSION_TYPE
export GOFLAGS="${GOFLAGS:--mod=mod}"
exec dbus-run-session -- xvfb-run --auto-servernum --server-args="-screen 0 320x240x24 -nolisten tcp -noreset" \
	go test -count=1 "$@" ./internal/tray/
