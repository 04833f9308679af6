package tray

import "fyne.io/systray"

func platformCheck() error { return nil }

// run creates the NSStatusItem inside the application's existing Cocoa loop (Wails runs it), on
// the main thread through cfg.MainThread. Not verified on macOS by the tests.
func run(cfg Config, onReady, onExit func()) (end func()) {
	start, stop := systray.RunWithExternalLoop(onReady, onExit)
	if cfg.MainThread != nil {
		cfg.MainThread(start)
	} else {
		start()
	}
	return stop
}

// HostAvailable reports whether the icon can be shown: always on macOS.
func HostAvailable() (bool, error) { return true, nil }
