#!/bin/sh
# Runs TestKeyringReal against a real Secret Service: a throwaway D-Bus session bus with a
# gnome-keyring-daemon whose new, throwaway login keyring is unlocked with a fixed password. Needs the
# Debian packages dbus-daemon (dbus-run-session) and gnome-keyring.
# Usage: internal/keychain/testdata/run-real.sh
set -eu
cd "$(dirname "$0")/.."
# Keep Go's caches where they are before HOME moves.
GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
export GOPATH GOCACHE GOMODCACHE
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT INT TERM
# gnome-keyring keeps its keyrings under $XDG_DATA_HOME/keyrings; use a fresh one so that the real
# user's keyrings are never opened.
export HOME="$home" XDG_DATA_HOME="$home/data" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
dbus-run-session -- sh -ec '
	printf "hushscribe-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	HUSHSCRIBE_REAL_KEYRING=1 go test -count=1 -run "^TestKeyringReal$" -v .
'
