//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"fmt"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

// platformCheck makes sure there is a session bus: without one systray would only log.
func platformCheck() error {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return fmt.Errorf("%w: no D-Bus session bus: %v", ErrUnavailable, err)
	}
	conn.Close()
	return nil
}

// run exports the StatusNotifierItem and its menu on the session bus. No event loop is needed:
// godbus serves the calls on its own goroutines.
func run(cfg Config, onReady, onExit func()) (end func()) {
	start, stop := systray.RunWithExternalLoop(onReady, onExit)
	start()
	return func() {
		// systray closes its bus connection, which is nil when its export failed.
		defer func() { recover() }()
		stop()
	}
}

// HostAvailable reports whether a StatusNotifierWatcher runs on the session bus now, i.e. whether
// the icon is visible. The tray re-registers by itself when one appears later.
func HostAvailable() (bool, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false, fmt.Errorf("%w: no D-Bus session bus: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
		return false, fmt.Errorf("tray: ask the bus for %s: %w", watcherName, err)
	}
	return has, nil
}

const watcherName = "org.kde.StatusNotifierWatcher"
