package quickrecord_test

import (
	"context"
	"log"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/quickrecord"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/tray"
)

// Example shows how the desktop app wires the quick recorder to the tray, the global hotkey and
// notifications, typically in Wails' OnStartup. The app's own pieces are stand-ins here.
func Example() {
	var (
		library     quickrecord.Saver                                                 // *store.Library
		vaultLocked func() bool                                                       // library.Locked
		lockVault   func()                                                            // library.Lock
		showWindow  func()                                                            // runtime.WindowShow(wailsCtx)
		quitApp     func()                                                            // runtime.Quit(wailsCtx)
		emit        func(event string, data any)                                      // runtime.EventsEmit(wailsCtx, ...)
		setClip     func(ctx context.Context, text string) error                      // runtime.ClipboardSetText(wailsCtx, text)
		openEngine  func(ctx context.Context) (*engine.Engine, error)                 // the default model, kept loaded
		settings    func() (deviceID string, level transcript.Level, copy, save bool) // the settings page
	)

	backend, err := capture.NewMalgo(capture.MalgoConfig{})
	if err != nil {
		log.Print(err) // no audio system: hide the quick-record UI
		return
	}
	// backend.Devices lists the microphones for the settings page; keep the chosen Device.ID.

	cfg := quickrecord.Config{
		Backend: backend,
		Engine: func(ctx context.Context) (quickrecord.Transcriber, error) {
			return openEngine(ctx)
		},
		Options: engine.Options{Language: "auto"},
		Prefs: func() quickrecord.Prefs {
			p := quickrecord.DefaultPrefs()
			p.DeviceID, p.Level, p.Copy, p.Save = settings()
			return p
		},
		Saver: library,
		// Wails' clipboard needs Wails' own context, not the one passed here.
		Clipboard: func(_ context.Context, text string) error { return setClip(context.Background(), text) },
	}
	if n, err := tray.NewNotifier(tray.NotifierConfig{}); err == nil { // Linux/BSD only
		cfg.Notifier = n
	}

	var t *tray.Tray // set below, before anything can start a recording
	cfg.OnState = func(s quickrecord.State) {
		emit("quickrecord:state", s) // State marshals to JSON for the page
		if t != nil {
			ts := quickrecord.TrayState(s)
			ts.VaultLocked = vaultLocked()
			t.Update(ts)
		}
	}
	q, err := quickrecord.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	t, err = tray.Start(tray.Config{Actions: tray.Actions{
		Record:     func() { q.Start() },
		Stop:       func() { q.Stop() },
		ShowLast:   showWindow, // and select q.State().Last.Transcript.ID in the library view
		OpenWindow: showWindow,
		LockVault:  func() { lockVault(); q.ForgetLast() },
		Quit:       quitApp,
	}})
	if err != nil {
		log.Print(err) // no tray here (e.g. no session bus): the window's record button still works
	}
	if hk, err := tray.RegisterHotkey("Ctrl+Alt+R", func() { q.Toggle() }); err != nil {
		log.Print(err) // e.g. a Wayland session: show the reason next to the setting
	} else {
		defer hk.Close()
	}

	// At shutdown (OnShutdown): q.Close(); t.Close(); backend.Close()
}
