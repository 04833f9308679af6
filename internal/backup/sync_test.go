package backup

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

var (
	testEmail    = "Alice@Example.org"
	testPassword = []byte("correct horse battery staple")
)

func TestOffByDefault(t *testing.T) {
	srv := backuptest.Start(t)
	d := newMemDevice(t, srv)
	mustSave(t, d.lib, sample("t1", "Private thoughts", "hello"))
	if d.client.Enabled() {
		t.Fatal("backup enabled before sign-up")
	}
	if _, err := d.client.Sync(context.Background()); !errors.Is(err, ErrNotEnabled) {
		t.Fatalf("Sync before sign-up = %v, want ErrNotEnabled", err)
	}
	if st, err := d.client.Status(); err != nil || st.Enabled {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	if n := d.rt.requests.Load(); n != 0 {
		t.Fatalf("%d requests made while backup is off", n)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	lib := newMemLibrary()
	for _, cfg := range []Config{
		{Server: "http://example.org", StatePath: "s", Keychain: &memSecrets{}},
		{Server: "https://example.org", Keychain: &memSecrets{}},
		{Server: "https://example.org", StatePath: "s"},
	} {
		if _, err := New(lib, cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

type memSecrets struct{}

func (memSecrets) Get(string) ([]byte, error) { return nil, errors.New("no") }
func (memSecrets) Set(string, []byte) error   { return nil }
func (memSecrets) Delete(string) error        { return nil }

func TestTwoDevicesCreateEditDelete(t *testing.T) {
	srv := backuptest.Start(t)
	a, b := newMemDevice(t, srv), newMemDevice(t, srv)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	mustSave(t, a.lib, sample("t1", "Standup", "alpha", "bravo"))
	mustSave(t, a.lib, sample("t2", "Retro", "charlie"))
	if rep := a.sync(t); rep.Pushed != 2 {
		t.Fatalf("first push: %+v", rep)
	}
	if rep := a.sync(t); rep != (Report{}) {
		t.Fatalf("second sync did something: %+v", rep)
	}

	if err := b.client.SignIn(ctx, "alice@example.org ", testPassword); err != nil {
		t.Fatal(err)
	}
	if rep := b.sync(t); rep.Pulled != 2 || rep.Pushed != 0 {
		t.Fatalf("restore: %+v", rep)
	}
	equalLibraries(t, a.lib, b.lib)

	// Edit on A reaches B; B's own new transcript reaches A.
	t1 := mustGet(t, a.lib, "t1")
	t1.Title = "Standup (edited)"
	t1.Segments[0].Text = "alpha prime"
	mustSave(t, a.lib, t1)
	mustSave(t, b.lib, sample("t3", "From B", "delta"))
	if rep := a.sync(t); rep.Pushed != 1 {
		t.Fatalf("push edit: %+v", rep)
	}
	if rep := b.sync(t); rep.Pulled != 1 || rep.Pushed != 1 {
		t.Fatalf("B sync: %+v", rep)
	}
	if rep := a.sync(t); rep.Pulled != 1 {
		t.Fatalf("A pull: %+v", rep)
	}
	equalLibraries(t, a.lib, b.lib)
	if got := mustGet(t, b.lib, "t1").Title; got != "Standup (edited)" {
		t.Fatalf("B's title %q", got)
	}

	// Delete on A propagates.
	if err := a.lib.Delete(ctx, "t2"); err != nil {
		t.Fatal(err)
	}
	if rep := a.sync(t); rep.DeletedRemote != 1 {
		t.Fatalf("push delete: %+v", rep)
	}
	if rep := b.sync(t); rep.DeletedLocal != 1 {
		t.Fatalf("pull delete: %+v", rep)
	}
	if _, err := b.lib.Get(ctx, "t2"); err == nil {
		t.Fatal("t2 survived on B")
	}
	equalLibraries(t, a.lib, b.lib)
	if n := objectCount(t, srv); n != 4 {
		t.Fatalf("server has %d live objects, want 4 (two transcripts, a signed tombstone, the manifest)", n)
	}
	// Nothing left to do anywhere.
	for _, d := range []*device{a, b} {
		if rep := d.sync(t); rep != (Report{}) {
			t.Fatalf("idle sync did something: %+v", rep)
		}
	}
}

func TestConcurrentEditsKeepBoth(t *testing.T) {
	srv := backuptest.Start(t)
	a, b := newMemDevice(t, srv), newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	mustSave(t, a.lib, sample("t1", "Plan", "original"))
	a.sync(t)
	b.client.SignIn(ctx, testEmail, testPassword)
	b.sync(t)

	ta := mustGet(t, a.lib, "t1")
	ta.Segments[0].Text = "edited on A"
	mustSave(t, a.lib, ta)
	tb := mustGet(t, b.lib, "t1")
	tb.Segments[0].Text = "edited on B"
	mustSave(t, b.lib, tb)

	a.sync(t)
	rep := b.sync(t)
	if rep.Conflicts != 1 {
		t.Fatalf("B sync: %+v, want one conflict", rep)
	}
	a.sync(t)
	equalLibraries(t, a.lib, b.lib)
	all := contents(t, a.lib)
	if len(all) != 2 {
		t.Fatalf("%d transcripts after the conflict, want 2 (both versions)", len(all))
	}
	if got := mustGet(t, a.lib, "t1").Segments[0].Text; got != "edited on A" {
		t.Fatalf("original id holds %q, want the first synced edit", got)
	}
	var found bool
	for id, doc := range all {
		if id != "t1" && strings.Contains(doc, "edited on B") && strings.Contains(doc, ConflictSuffix) {
			found = true
		}
	}
	if !found {
		t.Fatalf("B's edit was not kept as a conflict copy: %v", keys(all))
	}
}

func TestEditWinsOverDelete(t *testing.T) {
	for _, deleteFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "delete synced first", false: "edit synced first"}[deleteFirst], func(t *testing.T) {
			srv := backuptest.Start(t)
			a, b := newMemDevice(t, srv), newMemDevice(t, srv)
			ctx := context.Background()
			a.client.SignUp(ctx, testEmail, testPassword)
			mustSave(t, a.lib, sample("t1", "Keep me", "one"))
			a.sync(t)
			b.client.SignIn(ctx, testEmail, testPassword)
			b.sync(t)

			a.lib.Delete(ctx, "t1")
			tb := mustGet(t, b.lib, "t1")
			tb.Title = "Edited while deleted elsewhere"
			mustSave(t, b.lib, tb)
			if deleteFirst {
				a.sync(t)
				b.sync(t)
			} else {
				b.sync(t)
				a.sync(t)
			}
			a.sync(t)
			b.sync(t)
			equalLibraries(t, a.lib, b.lib)
			if got := mustGet(t, a.lib, "t1").Title; got != "Edited while deleted elsewhere" {
				t.Fatalf("title %q", got)
			}
		})
	}
}

func TestInterruptedSyncResumesWithoutDuplicatesOrLoss(t *testing.T) {
	for _, drop := range []bool{false, true} {
		t.Run(map[bool]string{false: "request lost", true: "answer lost"}[drop], func(t *testing.T) {
			srv := backuptest.Start(t)
			a := newMemDevice(t, srv)
			ctx := context.Background()
			if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
				t.Fatal(err)
			}
			const n = 12
			for i := range n {
				mustSave(t, a.lib, sample(string(rune('a'+i))+"-id", "Note", "word"+string(rune('a'+i))))
			}
			// Fail one request at every position in turn until a sync completes.
			var failures int
			for k := 0; ; k++ {
				a.rt.failAfter(k, drop)
				_, err := a.client.Sync(ctx)
				if err == nil {
					break
				}
				if !errors.Is(err, ErrOffline) {
					t.Fatalf("interrupted sync: %v, want ErrOffline", err)
				}
				failures++
				// Meanwhile the user edits one transcript, to exercise edits during resumes.
				if k == 3 {
					tr := mustGet(t, a.lib, "a-id")
					tr.Title = "Edited between attempts"
					mustSave(t, a.lib, tr)
				}
			}
			a.rt.disarm()
			if failures < 3 {
				t.Fatalf("only %d interruptions happened", failures)
			}
			if rep := a.sync(t); rep.Pushed != 0 || rep.Conflicts != 0 {
				t.Fatalf("sync after completion still had work: %+v", rep)
			}
			if got := objectCount(t, srv) - 1; got != n { // less the manifest
				t.Fatalf("server holds %d objects for %d transcripts", got, n)
			}
			if got := len(contents(t, a.lib)); got != n {
				t.Fatalf("library holds %d transcripts, want %d (a conflict copy was made)", got, n)
			}
			b := newMemDevice(t, srv)
			if err := b.client.SignIn(ctx, testEmail, testPassword); err != nil {
				t.Fatal(err)
			}
			// The restore itself is interrupted too.
			for k := 0; ; k += 2 {
				b.rt.failAfter(k, drop)
				if _, err := b.client.Sync(ctx); err == nil {
					break
				}
			}
			b.rt.disarm()
			equalLibraries(t, a.lib, b.lib)
		})
	}
}

func TestOfflineThenResume(t *testing.T) {
	srv := backuptest.Start(t)
	a := newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	a.rt.setOffline(true)
	mustSave(t, a.lib, sample("t1", "Written offline", "offline"))
	if _, err := a.client.Sync(ctx); !errors.Is(err, ErrOffline) {
		t.Fatalf("offline sync = %v, want ErrOffline", err)
	}
	a.rt.setOffline(false)
	if rep := a.sync(t); rep.Pushed != 1 {
		t.Fatalf("sync after reconnecting: %+v", rep)
	}
}

func TestSignedOutAndSignInAgain(t *testing.T) {
	srv := backuptest.StartWith(t, backuptest.Options{Config: func(c *backupserver.Config) { c.SessionTTL = time.Second }})
	a := newMemDevice(t, srv)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	mustSave(t, a.lib, sample("t1", "Note", "x"))
	a.sync(t)
	time.Sleep(1100 * time.Millisecond)
	if _, err := a.client.Sync(ctx); !errors.Is(err, ErrSignedOut) {
		t.Fatalf("sync with an expired session = %v, want ErrSignedOut", err)
	}
	if err := a.client.SignIn(ctx, testEmail, []byte("wrong password")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("sign in with the wrong password = %v", err)
	}
	if err := a.client.SignIn(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	if rep := a.sync(t); rep != (Report{}) {
		t.Fatalf("sync after signing in again redid work: %+v", rep)
	}
	devs, err := a.client.Devices(ctx)
	if err != nil || len(devs) != 1 || !devs[0].Current {
		t.Fatalf("signing in again should reuse the device: %+v, %v", devs, err)
	}
}

func TestAccountErrors(t *testing.T) {
	srv := backuptest.Start(t)
	a, b := newMemDevice(t, srv), newMemDevice(t, srv)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	if err := b.client.SignUp(ctx, strings.ToUpper(testEmail), testPassword); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("second sign-up = %v, want ErrAccountExists", err)
	}
	if err := b.client.SignIn(ctx, "nobody@example.org", testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("unknown account = %v, want ErrWrongPassword", err)
	}
	if err := b.client.SignIn(ctx, "not an email", testPassword); !errors.Is(err, ErrInvalidEmail) {
		t.Fatalf("bad email = %v, want ErrInvalidEmail", err)
	}
	if err := b.client.SignIn(ctx, testEmail, nil); !errors.Is(err, ErrWeakParams) {
		t.Fatalf("empty password = %v, want ErrWeakParams", err)
	}
	if b.client.Enabled() {
		t.Fatal("failed sign-ins enabled backup")
	}
}

func TestLockoutReachesTheClient(t *testing.T) {
	srv := backuptest.StartWith(t, backuptest.Options{Config: func(c *backupserver.Config) { c.MaxLoginFailures = 2 }})
	a := newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	b := newMemDevice(t, srv)
	for range 3 { // two free failures, the third locks this device out
		b.client.SignIn(ctx, testEmail, []byte("guess"))
	}
	if err := b.client.SignIn(ctx, testEmail, testPassword); !errors.Is(err, ErrLockedOut) {
		t.Fatalf("sign-in while locked out = %v, want ErrLockedOut", err)
	}
}

func TestChangePassword(t *testing.T) {
	srv := backuptest.Start(t)
	a, b := newMemDevice(t, srv), newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	mustSave(t, a.lib, sample("t1", "Before the change", "old"))
	a.sync(t)
	b.client.SignIn(ctx, testEmail, testPassword)
	b.sync(t)

	newPassword := []byte("a much better passphrase")
	if err := a.client.ChangePassword(ctx, []byte("wrong"), newPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("change with the wrong old password = %v", err)
	}
	if err := a.client.ChangePassword(ctx, testPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	// A keeps syncing; B was signed out; nothing was re-encrypted.
	mustSave(t, a.lib, sample("t2", "After the change", "new"))
	if rep := a.sync(t); rep.Pushed != 1 {
		t.Fatalf("A after the change: %+v", rep)
	}
	if _, err := b.client.Sync(ctx); !errors.Is(err, ErrSignedOut) {
		t.Fatalf("B after the change = %v, want ErrSignedOut", err)
	}
	if err := b.client.SignIn(ctx, testEmail, testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("old password = %v", err)
	}
	c := newMemDevice(t, srv)
	if err := c.client.SignIn(ctx, testEmail, newPassword); err != nil {
		t.Fatal(err)
	}
	c.sync(t)
	equalLibraries(t, a.lib, c.lib)
}

func TestSignOutAndDeleteAccount(t *testing.T) {
	srv := backuptest.Start(t)
	a := newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	mustSave(t, a.lib, sample("t1", "Mine", "x"))
	a.sync(t)
	if err := a.client.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if a.client.Enabled() || a.keychain.Len() != 0 {
		t.Fatalf("sign-out left state (enabled %v, %d secrets)", a.client.Enabled(), a.keychain.Len())
	}
	if len(contents(t, a.lib)) != 1 {
		t.Fatal("sign-out touched the library")
	}
	if err := a.client.SignIn(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	if err := a.client.DeleteAccount(ctx, []byte("wrong")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("delete with the wrong password = %v", err)
	}
	if err := a.client.DeleteAccount(ctx, testPassword); err != nil {
		t.Fatal(err)
	}
	if a.client.Enabled() || objectCount(t, srv) != 0 {
		t.Fatal("account deletion left data")
	}
	if err := a.client.SignIn(ctx, testEmail, testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("sign-in after deletion = %v", err)
	}
	if len(contents(t, a.lib)) != 1 {
		t.Fatal("account deletion touched the library")
	}
}

func TestLockedPrivateTranscriptsWait(t *testing.T) {
	srv := backuptest.Start(t)
	a, b := newMemDevice(t, srv), newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	priv := sample("p1", "Diagnosis", "confidential")
	priv.Level = transcript.Private
	mustSave(t, a.lib, priv)
	mustSave(t, a.lib, sample("s1", "Public", "open"))
	a.lib.(*memLibrary).setLocked(true)
	if rep := a.sync(t); rep.Pushed != 1 || rep.Skipped != 1 {
		t.Fatalf("locked sync: %+v, want 1 pushed and 1 skipped", rep)
	}
	a.lib.(*memLibrary).setLocked(false)
	if rep := a.sync(t); rep.Pushed != 1 {
		t.Fatalf("unlocked sync: %+v", rep)
	}
	// B, locked, cannot take the Private one yet, and resumes once unlocked.
	b.lib.(*memLibrary).setLocked(true)
	b.client.SignIn(ctx, testEmail, testPassword)
	rep := b.sync(t)
	if rep.Skipped == 0 {
		t.Fatalf("locked restore: %+v, want skipped", rep)
	}
	b.lib.(*memLibrary).setLocked(false)
	b.sync(t)
	equalLibraries(t, a.lib, b.lib)
	if mustGet(t, b.lib, "p1").Level != transcript.Private {
		t.Fatal("the restored transcript lost its privacy level")
	}
}

// TestKeychainOnlyWhenRemembered: without "remember on this device" the data key and the token
// stay in memory (a restart must sign in again); with it they are in the keychain.
func TestKeychainOnlyWhenRemembered(t *testing.T) {
	for _, remember := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "remember"}[remember], func(t *testing.T) {
			srv := backuptest.Start(t)
			a := newMemDevice(t, srv)
			a.client.cfg.Remember = remember
			ctx := context.Background()
			if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
				t.Fatal(err)
			}
			mustSave(t, a.lib, sample("t1", "Note", "x"))
			a.sync(t)
			if got, want := a.keychain.Len(), map[bool]int{false: 0, true: 2}[remember]; got != want {
				t.Fatalf("keychain holds %d secrets, want %d", got, want)
			}
			// A restart: a new Client on the same state and keychain.
			restarted, err := New(a.lib, a.client.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = restarted.Sync(ctx)
			if remember && err != nil {
				t.Fatalf("sync after a restart with remember: %v", err)
			}
			if !remember && !errors.Is(err, ErrSignedOut) {
				t.Fatalf("sync after a restart without remember: %v, want ErrSignedOut", err)
			}
			if err := restarted.SignIn(ctx, testEmail, testPassword); err != nil {
				t.Fatal(err)
			}
			if _, err := restarted.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if err := restarted.SignOut(ctx); err != nil || a.keychain.Len() != 0 {
				t.Fatalf("sign out: %v, %d secrets left", err, a.keychain.Len())
			}
		})
	}
}

// TestQuotaReachesTheClient: a full account quota is reported as ErrQuota and loses nothing.
func TestQuotaReachesTheClient(t *testing.T) {
	srv := backuptest.StartWith(t, backuptest.Options{Config: func(c *backupserver.Config) { c.MaxAccountObjects = 2 }})
	a := newMemDevice(t, srv)
	ctx := context.Background()
	if err := a.client.SignUp(ctx, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	mustSave(t, a.lib, sample("t1", "One", "x"))
	mustSave(t, a.lib, sample("t2", "Two", "y"))
	if _, err := a.client.Sync(ctx); !errors.Is(err, ErrQuota) {
		t.Fatalf("sync over the quota: %v, want ErrQuota", err)
	}
	if n := len(contents(t, a.lib)); n != 2 {
		t.Fatalf("library holds %d transcripts", n)
	}
}
