package main

import (
	"context"
	"testing"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
)

// ctxRuntime is a recording Runtime that also takes Wails' context, like app.WailsRuntime.
type ctxRuntime struct {
	*apptest.Runtime
	ctx context.Context
}

func (r *ctxRuntime) SetContext(ctx context.Context) { r.ctx = ctx }

func TestVaultWatcher(t *testing.T) {
	tests := []struct {
		name  string
		event string
		hook  bool
		calls int
	}{
		{"vault event calls the hook", app.EventVault, true, 1},
		{"other events do not", app.EventLibrary, true, 0},
		{"no hook set", app.EventVault, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &ctxRuntime{Runtime: apptest.NewRuntime()}
			w := newVaultWatcher(inner)
			calls := 0
			if tt.hook {
				w.OnVault(func() {
					// The page has the event before the hook runs.
					if n := len(inner.Events()); n != 1 {
						t.Errorf("hook ran with %d events passed on, want 1", n)
					}
					calls++
				})
			}
			w.Emit(tt.event, app.VaultStatus{Locked: true})
			if calls != tt.calls {
				t.Errorf("hook called %d times, want %d", calls, tt.calls)
			}
			if es := inner.Events(); len(es) != 1 || es[0].Name != tt.event {
				t.Errorf("events passed on = %+v", es)
			}
		})
	}
}

// TestVaultWatcherContext checks that App.Startup's context still reaches the wrapped Runtime.
func TestVaultWatcherContext(t *testing.T) {
	inner := &ctxRuntime{Runtime: apptest.NewRuntime()}
	var rt app.Runtime = newVaultWatcher(inner)
	s, ok := rt.(interface{ SetContext(context.Context) })
	if !ok {
		t.Fatal("the watcher does not take a context")
	}
	ctx := context.WithValue(context.Background(), struct{}{}, "wails")
	s.SetContext(ctx)
	if inner.ctx != ctx {
		t.Error("the context did not reach the wrapped Runtime")
	}
	// A Runtime without SetContext is left alone.
	newVaultWatcher(apptest.NewRuntime()).SetContext(ctx)
}
