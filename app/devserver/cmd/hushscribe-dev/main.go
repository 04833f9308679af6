// Command hushscribe-dev serves the desktop app's page to a browser for end-to-end tests and
// front-end work (see package devserver). It prints "listening on URL" once ready.
//
//	hushscribe-dev [-addr 127.0.0.1:0] [-dist frontend/dist] [-home DIR] [-fake] [-testmodel] [-backupserver] [-mic FILE]
//
// By default it runs the real backend (library, vault, engine, exporters) in -home, a fresh
// temporary folder unless given. -testmodel installs a small generated model so transcription works
// without a download; -fake runs on in-memory fakes instead (no model, no cgo needed at run time).
// -backupserver also starts a throwaway cloud backup server on loopback (internal/backupserver,
// self-signed) and prints "backup server URL fingerprint FP" before "listening on", so that a test can
// sign in to it from Settings. -mic gives the real backend a pretend microphone
// (capturetest.Player) that hears FILE in real time and then silence, beside a silent one and one
// that is unplugged 3 s into a recording;
// the clipboard and notifications it causes are kept for GET /api/test/desktop.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/devserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hushscribe-dev:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	dist := flag.String("dist", "frontend/dist", "the built page")
	home := flag.String("home", "", "data folder (default: a new temporary folder, removed at exit)")
	fake := flag.Bool("fake", false, "use in-memory fakes instead of the real backend")
	testModel := flag.Bool("testmodel", false, "install a small generated test model")
	backupServer := flag.Bool("backupserver", false, "start a throwaway backup server on loopback")
	mic := flag.String("mic", "", "a recording the pretend microphone hears (real backend only)")
	flag.Parse()

	if *home == "" {
		dir, err := os.MkdirTemp("", "hushscribe-dev-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*home = dir
	}
	if *backupServer {
		dir := filepath.Join(*home, "backupd")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		bs, err := backuptest.Serve(dir)
		if err != nil {
			return err
		}
		defer bs.Close()
		fmt.Printf("backup server %s fingerprint %s\n", bs.URL, bs.Fingerprint)
	}
	rt := devserver.NewRuntime()
	var (
		a       *app.App
		cleanup = func() {}
		err     error
	)
	if *fake {
		a, err = fakeApp(rt, *home)
	} else {
		a, cleanup, err = realApp(rt, *home, *testModel, *mic)
	}
	if err != nil {
		return err
	}
	defer cleanup()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a.Startup(ctx)
	defer a.Shutdown(context.Background())

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: devserver.Handler(a, rt, os.DirFS(*dist))}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("listening on http://%s/ home %s\n", l.Addr(), *home)
	if err := srv.Serve(l); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func fakeApp(rt *devserver.Runtime, home string) (*app.App, error) {
	lib := apptest.NewLibrary()
	return app.New(app.Deps{
		Backup:   apptest.NewBackup(apptest.NewBackupServer(), lib, "dev"),
		Library:  lib,
		Vault:    lib,
		Wiper:    lib,
		Models:   apptest.NewModels(nil),
		Engines:  &apptest.Engines{},
		Decoder:  apptest.Decoder{},
		Exporter: apptest.Exporter{},
		Runtime:  rt,
		Settings: app.NewSettingsFile(filepath.Join(home, "settings.json")),
		Sources:  app.NewSourceIndex(filepath.Join(home, "sources.json")),
		Version:  "dev",
		DataDir:  home,
	})
}
