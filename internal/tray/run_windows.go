package tray

import (
	"runtime"

	"fyne.io/systray"
)

func platformCheck() error { return nil }

// run gives the tray its own message loop on a locked OS thread: the notification-area window
// receives messages only on the thread that created it.
func run(cfg Config, onReady, onExit func()) (end func()) {
	go func() {
		runtime.LockOSThread()
		systray.Run(onReady, onExit)
	}()
	return systray.Quit
}

// HostAvailable reports whether the icon can be shown: always on Windows.
func HostAvailable() (bool, error) { return true, nil }
