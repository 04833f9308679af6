//go:build desktop

package main

import (
	"context"
	"errors"
	"log"

	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/dictation"
	"github.com/hushscribe/hushscribe/internal/quickrecord"
	"github.com/hushscribe/hushscribe/internal/tray"
)

// DefaultHotkey starts and stops a quick recording from anywhere.
const DefaultHotkey = "Ctrl+Alt+R"

// trayRunner is the tray icon and the global hotkey around the window. Every part is optional: a
// failure is logged and the window runs without it.
type trayRunner struct {
	tray   *tray.Tray
	hotkey *tray.Hotkey
	dict   *wire.Dictation
}

// startTray starts the tray (where a StatusNotifierItem host runs) and registers the global hotkey,
// both driving q. ctx is Wails' runtime context; vault tells the tray of every vault change.
func startTray(ctx context.Context, a *app.App, q *wire.QuickRecord, d *wire.Dictation, vault *vaultWatcher) *trayRunner {
	r := &trayRunner{dict: d}
	if d != nil {
		d.Start() // the dictation shortcut (push-to-talk); problems show in Settings > Dictation
	}
	if q == nil {
		return r
	}
	toggle := func() {
		if err := q.Toggle(); err != nil && !errors.Is(err, app.ErrBusy) {
			log.Printf("quick recording: %v", err)
		}
	}
	if ok, err := tray.HostAvailable(); err != nil || !ok {
		log.Printf("tray: no system tray host (%v); the window's record button and the hotkey still work", err)
	} else {
		show := func() { wruntime.WindowShow(ctx) }
		t, err := tray.Start(tray.Config{Actions: tray.Actions{
			Record: toggle,
			Stop:   toggle,
			ShowLast: func() {
				show()
				if l := q.RawState().Last; l != nil && l.Saved && l.Transcript != nil {
					app.ShowTranscript(a, l.Transcript.ID)
				}
			},
			OpenWindow: show,
			LockVault: func() {
				if _, err := a.Lock(); err != nil { // the vault event updates the menu
					log.Printf("tray: lock: %v", err)
				}
			},
			Quit: func() { wruntime.Quit(ctx) },
		}})
		if err != nil {
			log.Printf("tray: %v", err)
		} else {
			r.tray = t
			q.Watch(func(s quickrecord.State) { r.update(a, s) })
			if d != nil {
				// The icon and tooltip follow dictation too: recording, transcribing, typing.
				d.Watch(func(dictation.State) { r.update(a, q.RawState()) })
			}
			vault.OnVault(func() { r.update(a, q.RawState()) })
			r.update(a, q.RawState())
		}
	}
	hk, err := tray.RegisterHotkey(DefaultHotkey, toggle)
	if err != nil {
		log.Printf("hotkey %s: %v", DefaultHotkey, err)
	} else {
		r.hotkey = hk
		app.SetHotkey(a, DefaultHotkey) // the window shows it next to its record button
	}
	return r
}

// update shows s and the vault's state in the tray menu.
func (r *trayRunner) update(a *app.App, s quickrecord.State) {
	if r.tray == nil {
		return
	}
	ts := quickrecord.TrayState(s)
	if r.dict != nil {
		ts = dictation.TrayState(ts, r.dict.Dictator().State())
	}
	if v, err := a.VaultStatus(); err == nil {
		ts.VaultLocked, ts.NoVault = v.Locked, !v.HasPassword
	} else {
		ts.NoVault = true
	}
	r.tray.Update(ts)
}

// close removes the icon and releases the hotkey.
func (r *trayRunner) close() {
	if r.hotkey != nil {
		r.hotkey.Close()
	}
	if r.tray != nil {
		r.tray.Close()
	}
}
