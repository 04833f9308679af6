package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/devserver"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/backup"
	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// realApp wires the real backend in home, with an in-memory keychain and no network; with mic, a
// pretend microphone that hears that file.
func realApp(rt *devserver.Runtime, home string, testModel bool, mic string) (*app.App, func(), error) {
	cfg := wire.Config{
		Dirs:     paths.At(home),
		Runtime:  rt,
		Keychain: &keychain.Memory{},
		Version:  "dev",
		Build:    app.BuildInfo{Whisper: engine.WhisperVersion(), Backends: []string{"CPU"}},
		// The lowest key derivation cost a non-test binary accepts: quick sign-ins in tests.
		Backup: wire.BackupOptions{Iterations: backup.MinIterations, DeviceName: "hushscribe-dev"},
	}
	if mic != "" {
		a, err := audio.DecodeFile(context.Background(), mic, audio.Options{})
		if err != nil {
			return nil, nil, fmt.Errorf("-mic: %w", err)
		}
		cfg.Capture = &capturetest.Player{
			List: []capture.Device{
				{ID: "test-speaker", Name: "Test microphone (" + filepath.Base(mic) + ")", Default: true},
				{ID: "test-silent", Name: "Silent test microphone"},
				{ID: "test-unplugged", Name: "Test microphone unplugged after 3 s"},
			},
			Audio: map[string][]float32{"test-speaker": a.Mono(), "test-unplugged": a.Mono()},
			Lose:  map[string]time.Duration{"test-unplugged": 3 * time.Second},
		}
		cfg.Clipboard, cfg.Notifier = rt.SetClipboard, rt
	}
	b, err := wire.Open(cfg)
	if err != nil {
		return nil, nil, err
	}
	if testModel {
		p, err := testModelFile()
		if err != nil {
			b.Close()
			return nil, nil, err
		}
		if _, err := b.Deps.Models.Import(context.Background(), p, "test-micro"); err != nil {
			b.Close()
			return nil, nil, fmt.Errorf("import test model: %w", err)
		}
	}
	a, err := app.New(b.Deps)
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return a, func() { b.Close() }, nil
}

// testModelFile writes (once, cached) the generated micro model testmodel.ForTest would use.
func testModelFile() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "hushscribe", "testmodels")
	s := testmodel.Micro
	p := filepath.Join(dir, fmt.Sprintf("ggml-%s-v%d-s%d-st%d-al%d-tl%d-seed%d.bin", s.Name, testmodel.FormatVersion,
		s.Vocab, s.State, s.AudioLayer, s.TextLayers, testmodel.DefaultSeed))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := testmodel.WriteFile(p, s, testmodel.DefaultSeed); err != nil {
		return "", err
	}
	return p, nil
}
