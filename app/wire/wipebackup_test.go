package wire_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestDeleteEverythingAndBackup: the real backup client and server. "Delete all data" alone leaves
// the backup restorable (another device signs in and gets the transcript back, as the confirmation
// text says); with a wrong backup password "delete all data and the backup" deletes nothing
// anywhere; with the right one it deletes the account, signs out and wipes the device, and nobody
// can sign in to that account again.
func TestDeleteEverythingAndBackup(t *testing.T) {
	srv := backuptest.Start(t)
	ctx := context.Background()
	a, b, c := newDevice(t, "laptop"), newDevice(t, "desktop"), newDevice(t, "phone")
	tr := &transcript.Transcript{Title: "Board meeting", Created: time.Now(), Segments: []transcript.Segment{{End: time.Second, Text: "the merger is approved"}}}
	if err := a.b.Deps.Library.Save(ctx, tr); err != nil {
		t.Fatal(err)
	}
	acct := app.BackupAccount{Server: srv.URL, Fingerprint: strings.ToUpper(srv.Fingerprint), Email: "alice@example.org", Password: "correct horse battery"}
	if _, err := a.app.BackupSignUp(acct); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, a, 0, func(r app.BackupReport) bool { return r.Pushed == 1 })

	// Delete all data, backup kept: the device is empty and signed out, the backup restorable.
	if err := a.app.DeleteAllData("DELETE"); err != nil {
		t.Fatal(err)
	}
	if es, _ := a.app.ListTranscripts(app.Query{}); len(es) != 0 {
		t.Fatalf("after the wipe: %+v", es)
	}
	if st, _ := a.app.BackupStatus(); st.Enabled {
		t.Error("still signed in to backup after the wipe")
	}
	mark := len(b.rt.Events())
	if _, err := b.app.BackupSignIn(acct); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, b, mark, func(r app.BackupReport) bool { return r.Pulled == 1 })
	if _, err := b.app.GetTranscript(tr.ID); err != nil {
		t.Fatalf("the backup was not restorable: %v", err)
	}

	// With the account: a wrong password deletes nothing anywhere.
	if err := b.app.DeleteAllDataAndBackup("DELETE", "wrong password"); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("wrong backup password = %v", err)
	}
	if _, err := b.app.GetTranscript(tr.ID); err != nil {
		t.Fatalf("a failed delete removed the local transcript: %v", err)
	}
	if st, _ := b.app.BackupStatus(); !st.Enabled {
		t.Fatal("a failed delete signed out")
	}
	if err := b.app.DeleteAllDataAndBackup("delete", acct.Password); !errors.Is(err, app.ErrConfirmation) {
		t.Fatalf("unconfirmed = %v", err)
	}
	if err := b.app.DeleteAllDataAndBackup("DELETE", acct.Password); err != nil {
		t.Fatal(err)
	}
	if es, _ := b.app.ListTranscripts(app.Query{}); len(es) != 0 {
		t.Fatalf("after the wipe: %+v", es)
	}
	if st, _ := b.app.BackupStatus(); st.Enabled {
		t.Error("still signed in after deleting the account")
	}
	if _, err := c.app.BackupSignIn(acct); !errors.Is(err, app.ErrWrongPass) {
		t.Fatalf("sign in to the deleted account = %v", err)
	}
	// With backup off it is plain "delete all data".
	if err := c.app.DeleteAllDataAndBackup("DELETE", ""); err != nil {
		t.Fatal(err)
	}
}
