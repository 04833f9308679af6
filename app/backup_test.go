package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// backupFixture is a device with the fake backup of its library on srv.
func backupFixture(t *testing.T, srv *apptest.BackupServer, name string) (*fixture, *apptest.Backup) {
	t.Helper()
	var bk *apptest.Backup
	f := newFixture(t, func(d *app.Deps) {
		bk = apptest.NewBackup(srv, d.Library.(*apptest.Library), name)
		d.Backup = bk
		d.BackupDebounce = 20 * time.Millisecond
		d.BackupInterval = time.Hour
	})
	return f, bk
}

var acct = app.BackupAccount{Server: "https://backup.example", Email: "alice@example.org", Password: "correct horse battery"}

// waitBackup waits for an EventBackup after mark whose status satisfies ok.
func waitBackup(t *testing.T, f *fixture, mark int, what string, ok func(app.BackupStatus) bool) app.BackupStatus {
	t.Helper()
	d, found := f.rt.WaitAfter(mark, app.EventBackup, func(d any) bool { return ok(d.(app.BackupStatus)) }, 10*time.Second)
	if !found {
		st, _ := f.app.BackupStatus()
		t.Fatalf("no backup event with %s; status %+v", what, st)
	}
	return d.(app.BackupStatus)
}

func synced(pred func(app.BackupReport) bool) func(app.BackupStatus) bool {
	return func(s app.BackupStatus) bool { return !s.Syncing && s.LastReport != nil && pred(*s.LastReport) }
}

func addTranscript(t *testing.T, lib *apptest.Library, title string) string {
	t.Helper()
	tr := &transcript.Transcript{Title: title, Created: time.Now(), Segments: []transcript.Segment{{End: time.Second, Text: "hello " + title}}}
	if err := lib.Save(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	return tr.ID
}

func TestBackupUnavailable(t *testing.T) {
	f := newFixture(t, nil)
	st, err := f.app.BackupStatus()
	if err != nil || st.Available || st.Enabled {
		t.Fatalf("status without a backup client = %+v, %v", st, err)
	}
	for name, call := range map[string]func() error{
		"sign in":  func() error { _, err := f.app.BackupSignIn(acct); return err },
		"sign up":  func() error { _, err := f.app.BackupSignUp(acct); return err },
		"sync":     func() error { _, err := f.app.SyncBackup(); return err },
		"sign out": func() error { _, err := f.app.BackupSignOut(); return err },
		"delete":   func() error { _, err := f.app.DeleteBackupAccount("x"); return err },
		"devices":  func() error { _, err := f.app.BackupDevices(); return err },
		"password": func() error { _, err := f.app.ChangeBackupPassword("old password", "new password"); return err },
	} {
		if err := call(); !errors.Is(err, app.ErrUnavailable) {
			t.Errorf("%s = %v, want ErrUnavailable", name, err)
		}
	}
}

func TestBackupOffByDefault(t *testing.T) {
	f, bk := backupFixture(t, apptest.NewBackupServer(), "A")
	st, err := f.app.BackupStatus()
	if err != nil || !st.Available || st.Enabled {
		t.Fatalf("fresh status = %+v, %v", st, err)
	}
	if s, _ := f.app.GetSettings(); s.CloudBackup {
		t.Fatal("cloud backup on by default")
	}
	addTranscript(t, f.lib, "x")
	if err := f.app.RenameTranscript(mustFirst(t, f), "y"); err != nil { // a library change
		t.Fatal(err)
	}
	if _, err := f.app.SyncBackup(); !errors.Is(err, app.ErrBackupOff) {
		t.Fatalf("sync while off = %v", err)
	}
	if n := bk.Syncs(); n != 1 { // only the explicit one: nothing runs in the background while off
		t.Fatalf("syncs while off = %d", n)
	}
}

func mustFirst(t *testing.T, f *fixture) string {
	t.Helper()
	es, err := f.app.ListTranscripts(app.Query{})
	if err != nil || len(es) == 0 {
		t.Fatalf("list = %v, %v", es, err)
	}
	return es[0].ID
}

func TestBackupSignInValidation(t *testing.T) {
	srv := apptest.NewBackupServer()
	f, _ := backupFixture(t, srv, "A")
	if _, err := f.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	g, _ := backupFixture(t, srv, "B")
	with := func(mod func(*app.BackupAccount)) app.BackupAccount { a := acct; mod(&a); return a }
	for _, tc := range []struct {
		name   string
		signUp bool
		acct   app.BackupAccount
		want   error
	}{
		{"http server", false, with(func(a *app.BackupAccount) { a.Server = "http://backup.example" }), app.ErrInvalid},
		{"no server", false, with(func(a *app.BackupAccount) { a.Server = "" }), app.ErrInvalid},
		{"no email", false, with(func(a *app.BackupAccount) { a.Email = " " }), app.ErrInvalid},
		{"no password", true, with(func(a *app.BackupAccount) { a.Password = "" }), app.ErrInvalid},
		{"sign-up password under the vault's rule", true, with(func(a *app.BackupAccount) { a.Password = "ab" }), app.ErrInvalid},
		{"sign-up password of 7 characters", true, with(func(a *app.BackupAccount) { a.Password = "1234567" }), app.ErrInvalid},
		{"wrong password", false, with(func(a *app.BackupAccount) { a.Password = "wrong" }), app.ErrWrongPass},
		{"unknown email", false, with(func(a *app.BackupAccount) { a.Email = "bob@example.org" }), app.ErrWrongPass},
		{"account exists", true, acct, app.ErrAccountExists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := g.app.BackupSignIn
			if tc.signUp {
				call = g.app.BackupSignUp
			}
			if _, err := call(tc.acct); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if st, _ := g.app.BackupStatus(); st.Enabled {
				t.Fatal("enabled after a failed sign-in")
			}
		})
	}
}

// TestBackupRestore: A signs up and its first sync runs by itself; B signs in and gets A's library;
// an edit on A (the editor's autosave) reaches B after the debounced background sync and Sync now.
func TestBackupRestore(t *testing.T) {
	srv := apptest.NewBackupServer()
	a, _ := backupFixture(t, srv, "A")
	id := addTranscript(t, a.lib, "Standup")
	addTranscript(t, a.lib, "Retro")

	mark := a.rt.Len()
	st, err := a.app.BackupSignUp(acct)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Enabled || st.Email != acct.Email || st.Server != acct.Server {
		t.Fatalf("status after sign-up = %+v", st)
	}
	if s, _ := a.app.GetSettings(); !s.CloudBackup {
		t.Fatal("Settings.CloudBackup off after sign-up")
	}
	waitBackup(t, a, mark, "A's first sync", synced(func(r app.BackupReport) bool { return r.Pushed == 2 }))
	if n := srv.Objects(acct.Email); n != 2 {
		t.Fatalf("server holds %d transcripts", n)
	}

	b, _ := backupFixture(t, srv, "B")
	mark = b.rt.Len()
	if _, err := b.app.BackupSignIn(acct); err != nil {
		t.Fatal(err)
	}
	waitBackup(t, b, mark, "B's restore", synced(func(r app.BackupReport) bool { return r.Pulled == 2 }))
	if _, ok := b.rt.WaitAfter(mark, app.EventLibrary, nil, time.Second); !ok {
		t.Fatal("no library:changed after the restore")
	}
	got, err := b.app.GetTranscript(id)
	if err != nil || got.Title != "Standup" {
		t.Fatalf("restored transcript = %+v, %v", got, err)
	}

	// Autosave on A: the debounced background sync pushes it.
	mark = a.rt.Len()
	got.Title = "Standup (edited)"
	if _, err := a.app.SaveTranscript(*got); err != nil {
		t.Fatal(err)
	}
	waitBackup(t, a, mark, "the sync after autosave", synced(func(r app.BackupReport) bool { return r.Pushed == 1 }))
	if err := a.app.DeleteTranscript(mustFirstTitled(t, a, "Retro")); err != nil {
		t.Fatal(err)
	}
	waitBackup(t, a, mark, "the sync after a delete", synced(func(r app.BackupReport) bool { return r.DeletedRemote == 1 }))

	st, err = b.app.SyncBackup()
	if err != nil {
		t.Fatal(err)
	}
	if st.LastReport == nil || st.LastReport.Pulled != 0 || st.LastReport.DeletedLocal != 1 || st.LastSync.IsZero() {
		t.Fatalf("B sync now = %+v (report %+v)", st, st.LastReport)
	}
}

func mustFirstTitled(t *testing.T, f *fixture, title string) string {
	t.Helper()
	es, err := f.app.ListTranscripts(app.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Title == title {
			return e.ID
		}
	}
	t.Fatalf("no transcript %q", title)
	return ""
}

// TestBackupOffline: offline is reported in the status, and nothing else stops working.
func TestBackupOffline(t *testing.T) {
	f, bk := backupFixture(t, apptest.NewBackupServer(), "A")
	mark := f.rt.Len()
	if _, err := f.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	waitBackup(t, f, mark, "the first sync", synced(func(app.BackupReport) bool { return true }))
	bk.SetOffline(true)
	st, err := f.app.SyncBackup()
	if !errors.Is(err, app.ErrOffline) {
		t.Fatalf("sync offline = %+v, %v", st, err)
	}
	st, err = f.app.BackupStatus()
	if err != nil || !st.Offline || st.LastError == "" || !st.Enabled || st.Syncing {
		t.Fatalf("status offline = %+v, %v", st, err)
	}
	if _, err := f.app.BackupDevices(); !errors.Is(err, app.ErrOffline) {
		t.Fatalf("devices offline = %v", err)
	}
	id := addTranscript(t, f.lib, "offline work")
	tr, err := f.app.GetTranscript(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SaveTranscript(*tr); err != nil {
		t.Fatalf("autosave offline: %v", err)
	}
	bk.SetOffline(false)
	st, err = f.app.SyncBackup()
	// The debounced background sync after the save may win the race and push it first (seen under
	// -race), so this sync pushed it or found it pushed; then nothing is left.
	if err != nil || st.Offline || st.LastError != "" || st.LastReport == nil || st.LastReport.Pushed > 1 {
		t.Fatalf("sync back online = %+v, %v", st, err)
	}
	if st, err = f.app.SyncBackup(); err != nil || st.LastReport == nil || st.LastReport.Pushed != 0 {
		t.Fatalf("the offline work was not pushed: %+v, %v", st, err)
	}
}

func TestBackupDevicesSignOutDelete(t *testing.T) {
	srv := apptest.NewBackupServer()
	a, _ := backupFixture(t, srv, "laptop")
	b, _ := backupFixture(t, srv, "desktop")
	if _, err := a.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.BackupSignIn(acct); err != nil {
		t.Fatal(err)
	}
	ds, err := a.app.BackupDevices()
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices = %+v, %v", ds, err)
	}
	for _, d := range ds {
		if d.Current != (d.Name == "laptop") {
			t.Errorf("device %+v: wrong Current", d)
		}
	}

	mark := b.rt.Len()
	st, err := b.app.BackupSignOut()
	if err != nil || st.Enabled {
		t.Fatalf("sign out = %+v, %v", st, err)
	}
	if s, _ := b.app.GetSettings(); s.CloudBackup {
		t.Fatal("Settings.CloudBackup on after sign-out")
	}
	waitBackup(t, b, mark, "the sign-out", func(s app.BackupStatus) bool { return !s.Enabled })
	if _, err := b.app.BackupDevices(); !errors.Is(err, app.ErrBackupOff) {
		t.Fatalf("devices after sign-out = %v", err)
	}

	for _, tc := range []struct {
		pw   string
		want error
	}{{"", app.ErrInvalid}, {"wrong", app.ErrWrongPass}} {
		if _, err := a.app.DeleteBackupAccount(tc.pw); !errors.Is(err, tc.want) {
			t.Fatalf("delete with %q = %v, want %v", tc.pw, err, tc.want)
		}
	}
	if st, _ := a.app.BackupStatus(); !st.Enabled {
		t.Fatal("a failed delete turned backup off")
	}
	st, err = a.app.DeleteBackupAccount(acct.Password)
	if err != nil || st.Enabled {
		t.Fatalf("delete = %+v, %v", st, err)
	}
	if _, err := b.app.BackupSignIn(acct); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("sign in to a deleted account = %v", err)
	}
}

// TestBackupChangePassword: the old password is checked, the new one works for the next sign-in
// and the old one no longer does; this device stays on, the account's other devices are signed out.
func TestBackupChangePassword(t *testing.T) {
	srv := apptest.NewBackupServer()
	a, _ := backupFixture(t, srv, "laptop")
	b, _ := backupFixture(t, srv, "desktop")
	if _, err := a.app.ChangeBackupPassword(acct.Password, "a new password"); !errors.Is(err, app.ErrBackupOff) {
		t.Fatalf("change while off = %v, want ErrBackupOff", err)
	}
	if _, err := a.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.BackupSignIn(acct); err != nil {
		t.Fatal(err)
	}
	const newPw = "a new password"

	for _, tc := range []struct {
		name     string
		old, new string
		want     error
	}{
		{"no old password", "", newPw, app.ErrInvalid},
		{"no new password", acct.Password, "", app.ErrInvalid},
		{"same password", acct.Password, acct.Password, app.ErrInvalid},
		{"new password under the vault's rule", acct.Password, "ab", app.ErrInvalid},
		{"wrong old password", "wrong", newPw, app.ErrWrongPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := a.app.ChangeBackupPassword(tc.old, tc.new); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if st, _ := a.app.BackupStatus(); !st.Enabled {
				t.Fatal("a failed change turned backup off")
			}
		})
	}
	if _, err := b.app.SyncBackup(); err != nil {
		t.Fatalf("B sync after the failed changes: %v", err)
	}

	mark := a.rt.Len()
	st, err := a.app.ChangeBackupPassword(acct.Password, newPw)
	if err != nil || !st.Enabled || st.Email != acct.Email {
		t.Fatalf("change = %+v, %v", st, err)
	}
	waitBackup(t, a, mark, "the status after the change", func(s app.BackupStatus) bool { return s.Enabled })
	if _, err := a.app.SyncBackup(); err != nil {
		t.Fatalf("sync on the device that changed the password: %v", err)
	}
	if _, err := b.app.SyncBackup(); !errors.Is(err, app.ErrSignedOut) {
		t.Fatalf("sync on another device = %v, want ErrSignedOut", err)
	}

	c, _ := backupFixture(t, srv, "tablet")
	if _, err := c.app.BackupSignIn(acct); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("sign in with the old password = %v, want ErrWrongPass", err)
	}
	withNew := acct
	withNew.Password = newPw
	if st, err := c.app.BackupSignIn(withNew); err != nil || !st.Enabled {
		t.Fatalf("sign in with the new password = %+v, %v", st, err)
	}
}

// TestPasswordStrength: the strength meter applies the vault's rule (the same checkPassword that
// SetPassword and the backup's sign-up use) and rates acceptable passwords.
func TestPasswordStrength(t *testing.T) {
	f, _ := backupFixture(t, apptest.NewBackupServer(), "A")
	for _, tc := range []struct {
		pw         string
		acceptable bool
		minScore   int
		maxScore   int
	}{
		{"", false, 0, 0},
		{"ab", false, 0, 0},
		{"1234567", false, 0, 0},
		{"abcdefgh", true, 1, 1},
		{"correct horse battery", true, 3, 4},
		{"T7#qL9!xZ2@mW4$v", true, 4, 4},
	} {
		st, err := f.app.PasswordStrength(tc.pw)
		if err != nil || st.Acceptable != tc.acceptable || st.Score < tc.minScore || st.Score > tc.maxScore {
			t.Errorf("PasswordStrength(%q) = %+v, %v", tc.pw, st, err)
		}
		if !st.Acceptable && st.Problem == "" {
			t.Errorf("PasswordStrength(%q) gives no reason", tc.pw)
		}
		// The rule is the vault's: SetPassword accepts exactly the acceptable ones.
		if _, err := f.app.BackupSignUp(app.BackupAccount{Server: acct.Server, Email: "rule@example.org", Password: tc.pw}); tc.pw != "" && !tc.acceptable && !errors.Is(err, app.ErrInvalid) {
			t.Errorf("sign-up with %q = %v, want ErrInvalid", tc.pw, err)
		}
		f.app.BackupSignOut()
	}
}
