package apptest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// BackupServer is an in-memory backup service shared by the Backup fakes of several "devices".
type BackupServer struct {
	mu       sync.Mutex
	accounts map[string]string                            // email -> password
	data     map[string]map[string]*transcript.Transcript // email -> id -> transcript
	devices  map[string][]app.BackupDevice                // email -> devices
	// sessions counts password changes per email: a device signed in under an older count is
	// signed out, as the real server ends the other sessions when the password changes.
	sessions map[string]int
}

// NewBackupServer returns a server with no accounts.
func NewBackupServer() *BackupServer {
	return &BackupServer{accounts: map[string]string{}, data: map[string]map[string]*transcript.Transcript{}, devices: map[string][]app.BackupDevice{}, sessions: map[string]int{}}
}

// Objects returns the number of transcripts stored for email.
func (s *BackupServer) Objects(email string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data[email])
}

// Backup is an in-memory app.Backup for one device's Library: Sync copies whole transcripts both
// ways (no conflict handling). Set Offline to make every call that needs the server fail with
// app.ErrOffline.
type Backup struct {
	Server *BackupServer
	Lib    *Library
	Name   string // device name

	mu      sync.Mutex
	offline bool
	info    app.BackupInfo
	known   map[string]bool // ids present at the last sync
	syncs   int
	session int // BackupServer.sessions of the account when this device signed in
}

// NewBackup returns a device's backup of lib on srv, off until SignUp or SignIn.
func NewBackup(srv *BackupServer, lib *Library, name string) *Backup {
	return &Backup{Server: srv, Lib: lib, Name: name, known: map[string]bool{}}
}

// SetOffline cuts or restores the connection to the server.
func (b *Backup) SetOffline(off bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offline = off
}

// Syncs counts the Sync calls.
func (b *Backup) Syncs() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.syncs
}

func (b *Backup) reach() error {
	if b.offline {
		return fmt.Errorf("fake backup: %w", app.ErrOffline)
	}
	return nil
}

// Info returns the local state.
func (b *Backup) Info(context.Context) (app.BackupInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.info, nil
}

func (b *Backup) signedIn(acct app.BackupAccount) {
	b.Server.devices[acct.Email] = append(b.Server.devices[acct.Email], app.BackupDevice{
		ID: "d" + strconv.Itoa(len(b.Server.devices[acct.Email])+1), Name: b.Name, Created: time.Now(), LastSeen: time.Now(),
	})
	ds := b.Server.devices[acct.Email]
	b.session = b.Server.sessions[acct.Email]
	b.info = app.BackupInfo{Enabled: true, Server: acct.Server, Fingerprint: acct.Fingerprint, Email: acct.Email, DeviceID: ds[len(ds)-1].ID}
}

// SignUp creates the account.
func (b *Backup) SignUp(_ context.Context, acct app.BackupAccount) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.reach(); err != nil {
		return err
	}
	b.Server.mu.Lock()
	defer b.Server.mu.Unlock()
	if _, ok := b.Server.accounts[acct.Email]; ok {
		return app.ErrAccountExists
	}
	b.Server.accounts[acct.Email] = acct.Password
	b.Server.data[acct.Email] = map[string]*transcript.Transcript{}
	b.signedIn(acct)
	return nil
}

// SignIn checks the password.
func (b *Backup) SignIn(_ context.Context, acct app.BackupAccount) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.reach(); err != nil {
		return err
	}
	b.Server.mu.Lock()
	defer b.Server.mu.Unlock()
	if pw, ok := b.Server.accounts[acct.Email]; !ok || pw != acct.Password {
		return fmt.Errorf("fake backup: %w", app.ErrWrongPass)
	}
	b.signedIn(acct)
	return nil
}

// Sync copies transcripts both ways and propagates deletions.
func (b *Backup) Sync(ctx context.Context) (app.BackupReport, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var rep app.BackupReport
	b.syncs++
	if !b.info.Enabled {
		return rep, app.ErrBackupOff
	}
	if err := b.reach(); err != nil {
		return rep, err
	}
	b.Server.mu.Lock()
	defer b.Server.mu.Unlock()
	remote, ok := b.Server.data[b.info.Email]
	if !ok || b.session != b.Server.sessions[b.info.Email] {
		return rep, fmt.Errorf("fake backup: %w", app.ErrSignedOut)
	}
	entries, err := b.Lib.List(ctx, app.Filter{})
	if err != nil {
		return rep, err
	}
	local := map[string]bool{}
	for _, e := range entries {
		local[e.ID] = true
	}
	// Pull, and deletions both ways.
	for id, t := range remote {
		switch {
		case !local[id] && b.known[id]:
			delete(remote, id)
			rep.DeletedRemote++
		case !local[id]:
			if err := b.Lib.Save(ctx, clone(t)); err != nil {
				rep.Skipped++
				continue
			}
			rep.Pulled++
		}
	}
	for id := range local {
		if _, ok := remote[id]; !ok && b.known[id] {
			if err := b.Lib.Delete(ctx, id); err == nil {
				rep.DeletedLocal++
				delete(local, id)
			}
		}
	}
	// Push.
	for id := range local {
		t, err := b.Lib.Get(ctx, id)
		if errors.Is(err, app.ErrLocked) {
			rep.Skipped++
			continue
		}
		if err != nil {
			return rep, err
		}
		if r, ok := remote[id]; ok && reflect.DeepEqual(r, t) {
			continue
		}
		remote[id] = t
		rep.Pushed++
	}
	b.known = map[string]bool{}
	for id := range remote {
		b.known[id] = true
	}
	b.info.LastSync = time.Now()
	return rep, nil
}

// SignOut turns backup off, even when offline.
func (b *Backup) SignOut(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.info = app.BackupInfo{}
	return nil
}

// withPassword runs f with both locks held once backup is on, the server reachable and password
// the account's.
func (b *Backup) withPassword(password string, f func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.info.Enabled {
		return app.ErrBackupOff
	}
	if err := b.reach(); err != nil {
		return err
	}
	b.Server.mu.Lock()
	defer b.Server.mu.Unlock()
	if b.Server.accounts[b.info.Email] != password {
		return fmt.Errorf("fake backup: %w", app.ErrWrongPass)
	}
	return f()
}

// DeleteAccount checks the password and deletes the account.
func (b *Backup) DeleteAccount(_ context.Context, password string) error {
	return b.withPassword(password, func() error {
		delete(b.Server.accounts, b.info.Email)
		delete(b.Server.data, b.info.Email)
		delete(b.Server.devices, b.info.Email)
		b.info = app.BackupInfo{}
		return nil
	})
}

// ChangePassword checks the old password and sets the new one; the account's other devices are
// signed out (their next Sync fails with app.ErrSignedOut).
func (b *Backup) ChangePassword(_ context.Context, oldPassword, newPassword string) error {
	return b.withPassword(oldPassword, func() error {
		if newPassword == "" {
			return fmt.Errorf("fake backup: %w: empty password", app.ErrInvalid)
		}
		b.Server.accounts[b.info.Email] = newPassword
		b.Server.sessions[b.info.Email]++
		b.session = b.Server.sessions[b.info.Email]
		return nil
	})
}

// Devices lists the account's devices, this one marked Current.
func (b *Backup) Devices(context.Context) ([]app.BackupDevice, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.info.Enabled {
		return nil, app.ErrBackupOff
	}
	if err := b.reach(); err != nil {
		return nil, err
	}
	b.Server.mu.Lock()
	defer b.Server.mu.Unlock()
	var out []app.BackupDevice
	for _, d := range b.Server.devices[b.info.Email] {
		d.Current = d.ID == b.info.DeviceID
		out = append(out, d)
	}
	return out, nil
}

// ResolveDowngrade: the fake never holds a downgrade back, so there is none to resolve.
func (b *Backup) ResolveDowngrade(_ context.Context, transcriptID string, accept bool) error {
	return fmt.Errorf("fake backup: %w: no pending downgrade for %s", app.ErrNotFound, transcriptID)
}
