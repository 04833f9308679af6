package wire_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/app/wire"
	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/keychain"
	"github.com/hushscribe/hushscribe/internal/paths"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// device is the real app on the real backend in a data folder of its own.
type device struct {
	app *app.App
	rt  *apptest.Runtime
	b   *wire.Backend
	kc  *keychain.Memory
}

func newDevice(t *testing.T, name string) *device {
	t.Helper()
	rt := apptest.NewRuntime()
	kc := &keychain.Memory{}
	b, err := wire.Open(wire.Config{
		Dirs: paths.At(t.TempDir()), Runtime: rt, Keychain: kc, Version: "test",
		Backup: wire.BackupOptions{Iterations: 1000, WrapParams: vault.TestingParams(), DeviceName: name},
	})
	if errors.Is(err, store.ErrNoFTS5) {
		testgate.Missing(t, "SQLite without FTS5: run with -tags sqlite_fts5")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	b.Deps.BackupInterval = time.Hour
	a, err := app.New(b.Deps)
	if err != nil {
		t.Fatal(err)
	}
	a.Startup(context.Background())
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	return &device{app: a, rt: rt, b: b, kc: kc}
}

// TestBackupRestore: the real backup client against a real server on loopback, pinned by its
// certificate fingerprint. A creates a transcript and signs up (which syncs); B signs in with the
// email and password alone and gets it back; Sync now, devices, sign-out and account deletion work.
func TestBackupRestore(t *testing.T) {
	srv := backuptest.Start(t)
	ctx := context.Background()
	a, b := newDevice(t, "laptop"), newDevice(t, "desktop")
	tr := &transcript.Transcript{Title: "Board meeting", Language: "en", Created: time.Now(),
		Segments: []transcript.Segment{{End: time.Second, Text: "the merger is approved"}}}
	if err := a.b.Deps.Library.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	acct := app.BackupAccount{Server: srv.URL, Fingerprint: strings.ToUpper(srv.Fingerprint), Email: "alice@example.org", Password: "correct horse battery"}

	// A wrong pin is refused before any password is sent.
	bad := acct
	bad.Fingerprint = strings.Repeat("ab", 32)
	if _, err := a.app.BackupSignUp(bad); err == nil {
		t.Fatal("sign-up with a wrong certificate pin succeeded")
	}
	bad.Fingerprint = "abc"
	if _, err := a.app.BackupSignUp(bad); !errors.Is(err, app.ErrInvalid) {
		t.Fatalf("malformed pin = %v", err)
	}

	if _, err := a.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, a, 0, func(r app.BackupReport) bool { return r.Pushed == 1 })

	mark := b.rt.Len()
	st, err := b.app.BackupSignIn(acct)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Enabled || st.Email != acct.Email || st.Server != srv.URL {
		t.Fatalf("B status = %+v", st)
	}
	waitSynced(t, b, mark, func(r app.BackupReport) bool { return r.Pulled == 1 })
	got, err := b.app.GetTranscript(tr.ID)
	if err != nil || got.Title != "Board meeting" || got.Text() != "the merger is approved" {
		t.Fatalf("restored = %+v, %v", got, err)
	}

	// An edit on B reaches A through Sync now.
	got.Title = "Board meeting (minutes)"
	if _, err := b.app.SaveTranscript(*got); err != nil {
		t.Fatal(err)
	}
	if st, err := b.app.SyncBackup(); err != nil || st.LastReport.Pushed != 1 {
		t.Fatalf("B sync now = %+v, %v", st, err)
	}
	if st, err := a.app.SyncBackup(); err != nil || st.LastReport.Pulled != 1 || st.LastSync.IsZero() {
		t.Fatalf("A sync now = %+v, %v", st, err)
	}
	if got, err := a.app.GetTranscript(tr.ID); err != nil || got.Title != "Board meeting (minutes)" {
		t.Fatalf("A after sync = %+v, %v", got, err)
	}

	ds, err := a.app.BackupDevices()
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices = %+v, %v", ds, err)
	}

	// Signing out turns backup off on B only; deleting the account (password checked) ends it for all.
	if st, err := b.app.BackupSignOut(); err != nil || st.Enabled {
		t.Fatalf("sign out = %+v, %v", st, err)
	}
	if _, err := b.app.SyncBackup(); !errors.Is(err, app.ErrBackupOff) {
		t.Fatalf("sync after sign-out = %v", err)
	}
	if _, err := a.app.DeleteBackupAccount("wrong"); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("delete with a wrong password = %v", err)
	}
	if st, err := a.app.DeleteBackupAccount(acct.Password); err != nil || st.Enabled {
		t.Fatalf("delete = %+v, %v", st, err)
	}
	if _, err := b.app.BackupSignIn(acct); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("sign in after delete = %v", err)
	}
	if _, err := a.app.GetTranscript(tr.ID); err != nil {
		t.Fatalf("local transcript after deleting the account: %v", err)
	}
}

// TestBackupChangePassword: the real client and server. A changes the password (the old one is
// checked) and stays on; B, signed in before, is signed out; a new device C cannot sign in with the
// old password and restores the library with the new one.
func TestBackupChangePassword(t *testing.T) {
	srv := backuptest.Start(t)
	ctx := context.Background()
	a, b, c := newDevice(t, "laptop"), newDevice(t, "desktop"), newDevice(t, "tablet")
	tr := &transcript.Transcript{Title: "Budget", Language: "en", Created: time.Now(),
		Segments: []transcript.Segment{{End: time.Second, Text: "the budget is final"}}}
	if err := a.b.Deps.Library.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	acct := app.BackupAccount{Server: srv.URL, Fingerprint: srv.Fingerprint, Email: "carol@example.org", Password: "old password"}
	if _, err := a.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, a, 0, func(r app.BackupReport) bool { return r.Pushed == 1 })
	mark := b.rt.Len()
	if _, err := b.app.BackupSignIn(acct); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, b, mark, func(r app.BackupReport) bool { return r.Pulled == 1 })

	const newPw = "new password"
	if _, err := a.app.ChangeBackupPassword("wrong", newPw); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("change with a wrong password = %v", err)
	}
	if st, err := a.app.ChangeBackupPassword(acct.Password, newPw); err != nil || !st.Enabled {
		t.Fatalf("change = %+v, %v", st, err)
	}
	if _, err := a.app.SyncBackup(); err != nil {
		t.Fatalf("sync after the change: %v", err)
	}
	if _, err := b.app.SyncBackup(); !errors.Is(err, app.ErrSignedOut) {
		t.Fatalf("sync on the other device = %v, want ErrSignedOut", err)
	}

	if _, err := c.app.BackupSignIn(acct); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("sign in with the old password = %v", err)
	}
	acct.Password = newPw
	mark = c.rt.Len()
	if _, err := c.app.BackupSignIn(acct); err != nil {
		t.Fatalf("sign in with the new password: %v", err)
	}
	waitSynced(t, c, mark, func(r app.BackupReport) bool { return r.Pulled == 1 })
	if got, err := c.app.GetTranscript(tr.ID); err != nil || got.Text() != "the budget is final" {
		t.Fatalf("restored = %+v, %v", got, err)
	}
}

// TestBackupOffline: a server that went away is reported as offline, and the library still works.
func TestBackupOffline(t *testing.T) {
	srv := backuptest.Start(t)
	a := newDevice(t, "laptop")
	if _, err := a.app.BackupSignUp(app.BackupAccount{Server: srv.URL, Fingerprint: srv.Fingerprint, Email: "a@example.org", Password: "offline password"}); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, a, 0, func(app.BackupReport) bool { return true })
	srv.Close()
	if _, err := a.app.SyncBackup(); !errors.Is(err, app.ErrOffline) {
		t.Fatalf("sync with the server gone = %v", err)
	}
	if st, _ := a.app.BackupStatus(); !st.Offline || !st.Enabled {
		t.Fatalf("status = %+v", st)
	}
	if _, err := a.app.ListTranscripts(app.Query{}); err != nil {
		t.Fatal(err)
	}
}

func waitSynced(t *testing.T, d *device, mark int, ok func(app.BackupReport) bool) {
	t.Helper()
	_, found := d.rt.WaitAfter(mark, app.EventBackup, func(v any) bool {
		s := v.(app.BackupStatus)
		return !s.Syncing && s.LastReport != nil && ok(*s.LastReport)
	}, 30*time.Second)
	if !found {
		st, _ := d.app.BackupStatus()
		t.Fatalf("no sync with the expected report; status %+v", st)
	}
}

// TestBackupKeychainOptIn: with the app's wiring, signing up without "remember on this device"
// puts nothing in the keychain (the key lives in memory; syncing works); with it, the key and the
// token are there.
func TestBackupKeychainOptIn(t *testing.T) {
	srv := backuptest.Start(t)
	for i, remember := range []bool{false, true} {
		d := newDevice(t, "laptop")
		before := d.kc.Len()
		acct := app.BackupAccount{Server: srv.URL, Fingerprint: srv.Fingerprint, Email: fmt.Sprintf("r%d@example.org", i), Password: "correct horse battery", Remember: remember}
		if _, err := d.app.BackupSignUp(acct); err != nil {
			t.Fatal(err)
		}
		if st, err := d.app.SyncBackup(); err != nil || !st.Remember == remember {
			t.Fatalf("sync: %+v, %v", st, err)
		}
		if got, want := d.kc.Len()-before, map[bool]int{false: 0, true: 2}[remember]; got != want {
			t.Fatalf("remember=%v: %d new keychain secrets, want %d", remember, got, want)
		}
	}
}

// TestBackupTamperingIsReported: with the app's wiring, a server that rolls the account back (here:
// every object's version number lowered in its database) is reported as ErrBackupTampered and in
// BackupStatus.Tampered, and the library is untouched.
func TestBackupTamperingIsReported(t *testing.T) {
	srv := backuptest.Start(t)
	ctx := context.Background()
	a := newDevice(t, "laptop")
	tr := &transcript.Transcript{Title: "Board meeting", Language: "en", Created: time.Now(),
		Segments: []transcript.Segment{{End: time.Second, Text: "the merger is approved"}}}
	if err := a.b.Deps.Library.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	acct := app.BackupAccount{Server: srv.URL, Fingerprint: srv.Fingerprint, Email: "tamper@example.org", Password: "correct horse battery"}
	if _, err := a.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	edit := func(title string) {
		t.Helper()
		got, err := a.app.GetTranscript(tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Title = title
		if _, err := a.app.SaveTranscript(*got); err != nil {
			t.Fatal(err)
		}
	}
	for _, title := range []string{"Board meeting (draft)", "Board meeting (final)"} {
		edit(title)
		if st, err := a.app.SyncBackup(); err != nil || st.Tampered {
			t.Fatalf("sync: %+v, %v", st, err)
		}
	}
	if _, err := srv.Meta().DB().Exec("UPDATE objects SET version = version - 1 WHERE version > 1"); err != nil {
		t.Fatal(err)
	}
	edit("Board meeting (edited)")
	if _, err := a.app.SyncBackup(); !errors.Is(err, app.ErrBackupTampered) {
		t.Fatalf("sync against a rolled-back account: %v, want ErrBackupTampered", err)
	}
	if st, _ := a.app.BackupStatus(); !st.Tampered || st.LastError == "" {
		t.Fatalf("status %+v", st)
	}
	if got, err := a.app.GetTranscript(tr.ID); err != nil || got.Title != "Board meeting (edited)" {
		t.Fatalf("library after the sync: %+v, %v", got, err)
	}
}
