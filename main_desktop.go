//go:build desktop

package main

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"
	"github.com/wailsapp/wails/v2/pkg/options/windows"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/cli"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/textinput"
	"github.com/hushscribe/hushscribe/internal/tray"
)

// The built page (cd frontend && npm run build); the desktop binary carries it, so it needs no files
// beside it.
//
//go:embed all:frontend/dist
var frontendDist embed.FS

// runDesktop starts the desktop window (built with -tags desktop). args are the arguments left after
// the command line chose the desktop app; it takes none yet.
func runDesktop(args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Println("usage: hushscribe [FILE...]    (starts the desktop app and transcribes the files; see `hushscribe help` for the other commands)")
			return nil
		}
	}
	files := fileArgs(args)
	dirs, err := paths.Resolve(os.Getenv)
	if err != nil {
		return err
	}
	dist, err := fs.Sub(frontendDist, "frontend/dist")
	if err != nil {
		return err
	}
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		return errors.New("this build has no page: run `npm run build` in frontend/ before `go build -tags desktop`")
	}
	rt := app.NewWailsRuntime()
	vault := newVaultWatcher(rt) // tells the tray when the vault locks or unlocks, wherever that happens
	v := cli.BuildVersion(context.Background(), cli.Env{})
	cfg := wire.Config{
		Build:      app.BuildInfo{Commit: v.Commit, Modified: v.Modified, Whisper: v.Whisper, Backends: v.Backends},
		Dirs:       dirs,
		Runtime:    vault,
		HTTPClient: downloadClient(),
		Version:    cli.Version,
		Backend:    os.Getenv("HUSHSCRIBE_BACKEND"),
		Clipboard:  rt.SetClipboard,
		TextInput:  textinput.New,  // dictation into other apps (Settings > Dictation)
		Logger:     slog.Default(), // the same log as log.Printf
	}
	// Quick recording needs a microphone backend; without one the window runs without it.
	if mic, err := capture.NewMalgo(capture.MalgoConfig{}); err != nil {
		log.Printf("microphone: %v; quick recording is off", err)
	} else {
		defer mic.Close() // after b.Close has stopped the recorder
		cfg.Capture = mic
	}
	if n, err := tray.NewNotifier(tray.NotifierConfig{}); err != nil {
		log.Printf("notifications: %v", err)
	} else {
		defer n.Close()
		cfg.Notifier = n
	}
	b, err := wire.Open(cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	a, err := app.New(b.Deps)
	if err != nil {
		return err
	}
	// The tray and the hotkey start beside the window, never in its way: they talk to D-Bus and X11,
	// and a failure only loses them.
	trayDone := make(chan *trayRunner, 1)
	var wctx atomic.Pointer[context.Context] // Wails' context, once started
	startup := func(ctx context.Context) {
		a.Startup(ctx)
		wctx.Store(&ctx)
		go func() { trayDone <- startTray(ctx, a, b.QuickRecord, b.Dictation, vault) }()
		queueFiles(a, "", files)
	}
	// A second launch (e.g. "Open with Hushscribe" on more files) hands its files to this window
	// and exits; the lock is per data folder, so separate HUSHSCRIBE_HOMEs run side by side.
	second := func(d options.SecondInstanceData) {
		ctx := wctx.Load()
		if ctx == nil {
			return
		}
		wruntime.WindowUnminimise(*ctx)
		wruntime.WindowShow(*ctx)
		queueFiles(a, d.WorkingDirectory, fileArgs(d.Args))
	}
	shutdown := func(ctx context.Context) {
		select {
		case tr := <-trayDone:
			tr.close()
		case <-time.After(2 * time.Second): // still starting: the process exit removes it
		}
		a.Shutdown(ctx)
	}
	return wails.Run(&options.App{
		// The page renames the window to "Hushscribe" once it has mounted: that is the ready
		// signal build/screenshot.sh and build/dndtest.sh wait for (an error page never sends it).
		Title:     "Hushscribe (starting)",
		Width:     1200,
		Height:    800,
		MinWidth:  860,
		MinHeight: 560,
		AssetServer: &assetserver.Options{
			Assets:  dist,
			Handler: app.MediaHandler(a), // original recordings for playback, streamed from where they are
		},
		BackgroundColour: options.NewRGB(246, 247, 249),
		OnStartup:        startup,
		OnShutdown:       shutdown,
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               singleInstanceID(dirs.Root),
			OnSecondInstanceLaunch: second,
		},
		Bind: []any{a},
		// File drops arrive as absolute paths through the page's OnFileDrop (frontend/src/lib/api).
		// The webview stays a drop target: on Linux, DisableWebViewDrop would unset it and lose drops;
		// Wails' drop handler already stops the webview from opening a dropped file itself.
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true},
		Linux:       &linux.Options{ProgramName: "hushscribe", WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand},
		Mac:         &mac.Options{About: &mac.AboutInfo{Title: "Hushscribe", Message: "Private speech-to-text. Version " + cli.Version}},
		Windows:     &windows.Options{},
	})
}

// downloadClient fetches models (the only network use, and only when the user asks). No overall
// timeout: a large model may take long; the transport bounds the connection phases instead.
func downloadClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

// fileArgs are the command line's file arguments (everything but flags).
func fileArgs(args []string) []string {
	var out []string
	for _, a := range args {
		if a != "" && !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

// queueFiles queues files given on a command line; a failure (e.g. Private by default before a
// vault password exists) reaches the window as a job error or is logged.
func queueFiles(a *app.App, dir string, files []string) {
	if len(files) == 0 {
		return
	}
	if _, err := app.QueueFiles(a, dir, files); err != nil {
		log.Printf("open %d file(s): %v", len(files), err)
	}
}

// singleInstanceID names the running app for one data folder.
func singleInstanceID(root string) string {
	h := sha256.Sum256([]byte(root))
	return "io.hushscribe.app." + hex.EncodeToString(h[:6])
}
