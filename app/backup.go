package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Cloud backup timing defaults (Deps.BackupInterval, Deps.BackupDebounce).
const (
	DefaultBackupInterval = 15 * time.Minute
	DefaultBackupDebounce = 10 * time.Second
)

// BackupStatus is the cloud backup's state for the settings view, and the payload of EventBackup.
type BackupStatus struct {
	// Available is false when this build has no backup client.
	Available bool `json:"available"`
	BackupInfo
	// Syncing is true while a sync runs.
	Syncing bool `json:"syncing"`
	// LastReport is what the last sync on this run of the app did (nil: none yet).
	LastReport *BackupReport `json:"lastReport"`
	// LastError is the last sync's error ("" when it succeeded); Offline and SignedOut classify it.
	LastError string `json:"lastError"`
	Offline   bool   `json:"offline"`
	SignedOut bool   `json:"signedOut"`
	// Tampered: the server served altered, older or withheld data (ErrBackupTampered).
	Tampered bool      `json:"tampered"`
	LastTry  time.Time `json:"lastTry"` // when the last sync ended, successful or not
}

// backupRunner is the App's cloud backup state between syncs.
type backupRunner struct {
	syncMu sync.Mutex // one sync at a time

	mu      sync.Mutex
	syncing bool
	report  *BackupReport
	err     error
	lastTry time.Time

	kick chan struct{} // a library change: sync after the debounce delay
	now  chan struct{} // sync as soon as possible
}

func newBackupRunner() *backupRunner {
	return &backupRunner{kick: make(chan struct{}, 1), now: make(chan struct{}, 1)}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// backupLoop syncs in the background while backup is on: at start, every BackupInterval, and
// BackupDebounce after the last library change. Failures (offline above all) are only reported.
func (a *App) backupLoop(ctx context.Context) {
	tick := time.NewTicker(a.d.BackupInterval)
	defer tick.Stop()
	var debounce <-chan time.Time
	poke(a.bk.now)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.bk.kick:
			debounce = time.After(a.d.BackupDebounce)
			continue
		case <-debounce:
		case <-a.bk.now:
		case <-tick.C:
		}
		debounce = nil
		if info, err := a.d.Backup.Info(ctx); err == nil && info.Enabled {
			_, _ = a.syncBackup(ctx)
		}
	}
}

// syncBackup runs one sync and reports it through EventBackup.
func (a *App) syncBackup(ctx context.Context) (BackupReport, error) {
	a.bk.syncMu.Lock()
	defer a.bk.syncMu.Unlock()
	a.bk.mu.Lock()
	a.bk.syncing = true
	a.bk.mu.Unlock()
	a.emitBackup()

	rep, err := a.d.Backup.Sync(ctx)

	a.bk.mu.Lock()
	a.bk.syncing = false
	a.bk.err = err
	a.bk.lastTry = a.d.Now()
	if err == nil {
		r := rep
		a.bk.report = &r
	}
	a.bk.mu.Unlock()
	if rep.Pulled+rep.DeletedLocal+rep.Conflicts > 0 {
		// Straight to the Runtime: a.emit would schedule another sync.
		a.d.Runtime.Emit(EventLibrary, "")
	}
	a.emitBackup()
	if err != nil {
		return rep, fmt.Errorf("sync backup: %w", err)
	}
	return rep, nil
}

// backupChanged schedules a debounced sync after a library change.
func (a *App) backupChanged() {
	if a.d.Backup != nil {
		poke(a.bk.kick)
	}
}

func (a *App) emitBackup() {
	st, err := a.backupStatus(a.background())
	if err == nil {
		a.emit(EventBackup, st)
	}
}

func (a *App) backupStatus(ctx context.Context) (BackupStatus, error) {
	if a.d.Backup == nil {
		return BackupStatus{}, nil
	}
	info, err := a.d.Backup.Info(ctx)
	if err != nil {
		return BackupStatus{}, fmt.Errorf("backup status: %w", err)
	}
	a.bk.mu.Lock()
	defer a.bk.mu.Unlock()
	st := BackupStatus{Available: true, BackupInfo: info, Syncing: a.bk.syncing, LastTry: a.bk.lastTry}
	if a.bk.report != nil {
		r := *a.bk.report
		st.LastReport = &r
	}
	if a.bk.err != nil {
		st.LastError = a.bk.err.Error()
		st.Offline = errors.Is(a.bk.err, ErrOffline)
		st.SignedOut = errors.Is(a.bk.err, ErrSignedOut)
		st.Tampered = errors.Is(a.bk.err, ErrBackupTampered)
	}
	return st, nil
}

// resetBackup forgets the last sync's outcome (after sign-out, account deletion or a wipe).
func (a *App) resetBackup() {
	a.bk.mu.Lock()
	a.bk.report, a.bk.err, a.bk.lastTry = nil, nil, time.Time{}
	a.bk.mu.Unlock()
}

func (a *App) backupDep(what string) error {
	if a.d.Backup == nil {
		return unavailable(what)
	}
	return nil
}

// setCloudBackup keeps Settings.CloudBackup in step with the backup being on.
func (a *App) setCloudBackup(on bool) {
	s, err := a.GetSettings()
	if err != nil || s.CloudBackup == on {
		return
	}
	s.CloudBackup = on
	_, _ = a.SaveSettings(s)
}

func (acct BackupAccount) check() (BackupAccount, error) {
	acct.Server = strings.TrimSpace(acct.Server)
	acct.Email = strings.TrimSpace(acct.Email)
	acct.Fingerprint = strings.TrimSpace(acct.Fingerprint)
	switch {
	case !strings.HasPrefix(acct.Server, "https://") || len(acct.Server) <= len("https://"):
		return acct, fmt.Errorf("%w: the server address must start with https://", ErrInvalid)
	case acct.Email == "" || !strings.Contains(acct.Email, "@"):
		return acct, fmt.Errorf("%w: enter an email address", ErrInvalid)
	case acct.Password == "":
		return acct, fmt.Errorf("%w: enter the password", ErrInvalid)
	}
	return acct, nil
}

// BackupStatus returns the cloud backup's state. It does not contact the server.
func (a *App) BackupStatus() (BackupStatus, error) {
	return a.backupStatus(a.background())
}

// BackupSignUp creates a backup account, turns cloud backup on and starts the first sync in the
// background (its progress arrives as EventBackup).
func (a *App) BackupSignUp(acct BackupAccount) (BackupStatus, error) {
	if err := checkPassword(acct.Password); err != nil && acct.Password != "" {
		return BackupStatus{}, fmt.Errorf("backup sign up: %w", err)
	}
	return a.backupSignIn("sign up", acct, func(ctx context.Context, acct BackupAccount) error { return a.d.Backup.SignUp(ctx, acct) })
}

// BackupSignIn signs in to an existing backup account and turns cloud backup on; on a new device the
// sync it starts in the background restores the library.
func (a *App) BackupSignIn(acct BackupAccount) (BackupStatus, error) {
	return a.backupSignIn("sign in", acct, func(ctx context.Context, acct BackupAccount) error { return a.d.Backup.SignIn(ctx, acct) })
}

func (a *App) backupSignIn(what string, acct BackupAccount, f func(context.Context, BackupAccount) error) (BackupStatus, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return BackupStatus{}, err
	}
	acct, err := acct.check()
	if err != nil {
		return BackupStatus{}, fmt.Errorf("backup %s: %w", what, err)
	}
	if err := f(a.background(), acct); err != nil {
		return BackupStatus{}, fmt.Errorf("backup %s: %w", what, err)
	}
	a.resetBackup()
	a.setCloudBackup(true)
	poke(a.bk.now)
	st, err := a.backupStatus(a.background())
	if err == nil {
		a.emit(EventBackup, st)
	}
	return st, err
}

// SyncBackup ("Sync now") syncs at once and returns the new state; the report is in LastReport.
func (a *App) SyncBackup() (BackupStatus, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return BackupStatus{}, err
	}
	if _, err := a.syncBackup(a.background()); err != nil {
		return BackupStatus{}, err
	}
	return a.backupStatus(a.background())
}

// BackupSignOut turns cloud backup off on this device. The backup on the server and the local
// library stay.
func (a *App) BackupSignOut() (BackupStatus, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return BackupStatus{}, err
	}
	a.bk.syncMu.Lock()
	err := a.d.Backup.SignOut(a.background())
	a.bk.syncMu.Unlock()
	if err != nil {
		return BackupStatus{}, fmt.Errorf("backup sign out: %w", err)
	}
	return a.backupOff()
}

// DeleteBackupAccount deletes the backup account and everything stored with it from the server,
// after checking its password, and turns cloud backup off. Local transcripts are untouched.
func (a *App) DeleteBackupAccount(password string) (BackupStatus, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return BackupStatus{}, err
	}
	if password == "" {
		return BackupStatus{}, fmt.Errorf("delete backup account: %w: enter the password", ErrInvalid)
	}
	a.bk.syncMu.Lock()
	err := a.d.Backup.DeleteAccount(a.background(), password)
	a.bk.syncMu.Unlock()
	if err != nil {
		return BackupStatus{}, fmt.Errorf("delete backup account: %w", err)
	}
	return a.backupOff()
}

// ChangeBackupPassword changes the backup account's password after checking the old one
// (ErrWrongPass). Backup stays on on this device; the account's other devices must sign in again
// with the new password.
func (a *App) ChangeBackupPassword(oldPassword, newPassword string) (BackupStatus, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return BackupStatus{}, err
	}
	switch {
	case oldPassword == "":
		return BackupStatus{}, fmt.Errorf("change backup password: %w: enter the current password", ErrInvalid)
	case newPassword == "": // the rule of BackupAccount.check for sign-up and sign-in
		return BackupStatus{}, fmt.Errorf("change backup password: %w: enter the new password", ErrInvalid)
	case newPassword == oldPassword:
		return BackupStatus{}, fmt.Errorf("change backup password: %w: the new password is the same as the current one", ErrInvalid)
	}
	if err := checkPassword(newPassword); err != nil {
		return BackupStatus{}, fmt.Errorf("change backup password: %w", err)
	}
	a.bk.syncMu.Lock()
	err := a.d.Backup.ChangePassword(a.background(), oldPassword, newPassword)
	a.bk.syncMu.Unlock()
	if err != nil {
		return BackupStatus{}, fmt.Errorf("change backup password: %w", err)
	}
	st, err := a.backupStatus(a.background())
	if err != nil {
		return BackupStatus{}, fmt.Errorf("change backup password: %w", err)
	}
	a.emit(EventBackup, st)
	return st, nil
}

func (a *App) backupOff() (BackupStatus, error) {
	a.resetBackup()
	a.setCloudBackup(false)
	st, err := a.backupStatus(a.background())
	if err == nil {
		a.emit(EventBackup, st)
	}
	return st, err
}

// ResolveBackupDowngrade accepts (accept true: the transcript becomes Standard as on the other
// device) or rejects (it stays Private and is uploaded so again) a pending downgrade listed in
// BackupStatus.PendingDowngrades, then syncs in the background.
func (a *App) ResolveBackupDowngrade(transcriptID string, accept bool) (BackupStatus, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return BackupStatus{}, err
	}
	a.bk.syncMu.Lock()
	err := a.d.Backup.ResolveDowngrade(a.background(), transcriptID, accept)
	a.bk.syncMu.Unlock()
	if err != nil {
		return BackupStatus{}, fmt.Errorf("resolve backup downgrade: %w", err)
	}
	poke(a.bk.now)
	return a.backupStatus(a.background())
}

// BackupDevices lists the devices signed in to the backup account (it asks the server).
func (a *App) BackupDevices() ([]BackupDevice, error) {
	if err := a.backupDep("cloud backup"); err != nil {
		return nil, err
	}
	ds, err := a.d.Backup.Devices(a.background())
	if err != nil {
		return nil, fmt.Errorf("backup devices: %w", err)
	}
	if ds == nil {
		ds = []BackupDevice{}
	}
	return ds, nil
}
