package wire

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/internal/capture/capturetest"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// openWithMic opens a Backend with a scripted microphone and a fast idle lock check.
func openWithMic(t *testing.T) (*Backend, *apptest.Runtime, *capturetest.Backend) {
	t.Helper()
	rt, mic := apptest.NewRuntime(), capturetest.New()
	b, err := Open(Config{
		Dirs: paths.At(t.TempDir()), Runtime: rt, Keychain: &keychain.Memory{}, Version: "test",
		Capture: mic, idleTick: 10 * time.Millisecond,
	})
	if errors.Is(err, store.ErrNoFTS5) {
		testgate.Missing(t, "SQLite without FTS5: run with -tags sqlite_fts5")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, rt, mic
}

// quickRecord records two seconds of tone and returns the state with the finished result.
func quickRecord(t *testing.T, q *QuickRecord, mic *capturetest.Backend) app.QuickRecordState {
	t.Helper()
	done := make(chan app.QuickRecordState, 16)
	q.Listen(func(s app.QuickRecordState) {
		if s.Phase == app.PhaseIdle && s.Last != nil {
			select {
			case done <- s:
			default:
			}
		}
	})
	opened := mic.Opened()
	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	st := <-opened
	<-st.Started()
	if err := st.Feed(capturetest.Sine(2, 440, 0.3), 800); err != nil {
		t.Fatal(err)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-done:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("the quick recording did not finish")
	}
	return app.QuickRecordState{}
}

// TestIdleLockForgetsQuickRecording checks that the idle lock, like App.Lock, drops the quick
// recording's last result and tells the page.
func TestIdleLockForgetsQuickRecording(t *testing.T) {
	b, rt, mic := openWithMic(t)
	ctx := context.Background()
	if err := b.Deps.Vault.SetPassword(ctx, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := b.Deps.Vault.SetIdleTimeout(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	// No model is installed: the result is an error, which is still a result to forget.
	if s := quickRecord(t, b.QuickRecord, mic); s.Last.Error == "" {
		t.Errorf("result without a model = %+v", s.Last)
	}
	if st, _ := b.Deps.Vault.Status(ctx); st.Locked {
		t.Fatal("the vault locked too early")
	}
	b.lib.mu.Lock()
	b.lib.lastUse = time.Now().Add(-time.Hour)
	b.lib.mu.Unlock()
	locked := func(d any) bool { st, ok := d.(app.VaultStatus); return ok && st.Locked }
	if _, ok := rt.WaitFor(app.EventVault, locked, 10*time.Second); !ok {
		t.Fatal("the idle lock did not lock the vault")
	}
	if l := b.QuickRecord.State().Last; l != nil {
		t.Errorf("the idle lock kept the quick recording's result %+v", l)
	}
}

// TestQuickRecordSharesTheModel checks that the quick recording and the app's file jobs share one
// loaded copy of the default model.
func TestQuickRecordSharesTheModel(t *testing.T) {
	b, _, mic := openWithMic(t)
	ctx := context.Background()
	if _, err := b.Deps.Models.Import(ctx, testmodel.ForTest(t, testmodel.Micro), "micro"); err != nil {
		t.Fatal(err)
	}
	path, err := b.Deps.Models.Path(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Deps.Settings.Load()
	if err != nil {
		t.Fatal(err)
	}
	quickRecord(t, b.QuickRecord, mic) // loads the default model and keeps it
	shared, ok := b.Deps.Engines.(*sharedEngines)
	if !ok {
		t.Fatalf("Deps.Engines is a %T, want *sharedEngines", b.Deps.Engines)
	}
	refs := func() (models, refs int) {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		for _, m := range shared.open {
			refs += m.refs
		}
		return len(shared.open), refs
	}
	if n, r := refs(); n != 1 || r != 1 {
		t.Fatalf("after a quick recording: %d models, %d references; want 1, 1", n, r)
	}
	eng, err := b.Deps.Engines.Open(path, s.UseGPU)
	if err != nil {
		t.Fatal(err)
	}
	if n, r := refs(); n != 1 || r != 2 {
		t.Errorf("after the app's Open: %d models, %d references; want 1, 2", n, r)
	}
	eng.Close()
	if n, r := refs(); n != 1 || r != 1 {
		t.Errorf("after the app's Close: %d models, %d references; want 1, 1 (the quick recording's)", n, r)
	}
}
