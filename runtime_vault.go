package main

import (
	"context"
	"sync"

	"github.com/hushscribe/hushscribe/app"
)

// vaultWatcher is an app.Runtime that passes every event on and, after each app.EventVault (the
// vault locked, unlocked or got a password: from the window, the tray or the idle lock), calls the
// function set with OnVault. The desktop tray uses it to keep its Lock item current.
type vaultWatcher struct {
	app.Runtime

	mu      sync.Mutex
	onVault func()
}

func newVaultWatcher(rt app.Runtime) *vaultWatcher { return &vaultWatcher{Runtime: rt} }

// OnVault sets the function called after every app.EventVault; nil calls none.
func (w *vaultWatcher) OnVault(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onVault = f
}

// Emit passes the event on, then calls the OnVault function for app.EventVault.
func (w *vaultWatcher) Emit(event string, data any) {
	w.Runtime.Emit(event, data)
	if event != app.EventVault {
		return
	}
	w.mu.Lock()
	f := w.onVault
	w.mu.Unlock()
	if f != nil {
		f()
	}
}

// SetContext hands Wails' context on to the wrapped Runtime where it takes one (App.Startup calls
// it on its Runtime).
func (w *vaultWatcher) SetContext(ctx context.Context) {
	if s, ok := w.Runtime.(interface{ SetContext(context.Context) }); ok {
		s.SetContext(ctx)
	}
}
