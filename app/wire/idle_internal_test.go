package wire

import (
	"context"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestIdleLockIgnoresBackgroundWork checks that what a background sync does to the library (the
// backup client's list, get, save and delete) and what the page does after it (list the library,
// read the vault status) leave the idle lock's clock alone, so the vault still locks on time; and
// that the user's own actions (open, search) do count.
func TestIdleLockIgnoresBackgroundWork(t *testing.T) {
	b, rt, _ := openWithMic(t)
	ctx := context.Background()
	if err := b.Deps.Vault.SetPassword(ctx, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := b.Deps.Vault.SetIdleTimeout(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	mine := &transcript.Transcript{Title: "Mine", Level: transcript.Private, Segments: []transcript.Segment{{End: time.Second, Text: "hello"}}}
	if err := b.Deps.Library.Save(ctx, mine); err != nil {
		t.Fatal(err)
	}
	last := func() time.Time {
		b.lib.mu.Lock()
		defer b.lib.mu.Unlock()
		return b.lib.lastUse
	}
	setLast := func(t0 time.Time) {
		b.lib.mu.Lock()
		b.lib.lastUse = t0
		b.lib.mu.Unlock()
	}
	t0 := time.Now().Add(-50 * time.Second) // ten seconds before the idle lock
	setLast(t0)

	// A sync: the backup client pulls a transcript and deletes another, then the page refreshes.
	bl := backupLibrary{b.lib}
	pulled := &transcript.Transcript{Title: "Pulled", Level: transcript.Private, Segments: []transcript.Segment{{End: time.Second, Text: "from the cloud"}}}
	if err := bl.Save(ctx, pulled); err != nil {
		t.Fatal(err)
	}
	if _, err := bl.List(ctx, store.Filter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bl.Get(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
	if err := bl.Delete(ctx, pulled.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Deps.Library.List(ctx, app.Filter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Deps.Vault.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if got := last(); !got.Equal(t0) {
		t.Fatalf("background work moved the idle clock from %v to %v", t0, got)
	}

	// The user's actions count.
	for name, act := range map[string]func() error{
		"open":   func() error { _, err := b.Deps.Library.Get(ctx, mine.ID); return err },
		"search": func() error { _, err := b.Deps.Library.List(ctx, app.Filter{Text: "hello"}); return err },
	} {
		setLast(t0)
		if err := act(); err != nil {
			t.Fatal(err)
		}
		if !last().After(t0) {
			t.Errorf("%s did not count as use", name)
		}
	}

	// And without user actions the vault locks on time, syncs or not.
	setLast(time.Now().Add(-61 * time.Second))
	_, _ = bl.List(ctx, store.Filter{})
	locked := func(d any) bool { st, ok := d.(app.VaultStatus); return ok && st.Locked }
	if _, ok := rt.WaitFor(app.EventVault, locked, 10*time.Second); !ok {
		t.Fatal("the idle lock did not lock the vault")
	}
}
