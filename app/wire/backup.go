package wire

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/internal/backup"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// BackupOptions tune the cloud backup client; the zero value is right for the desktop app.
type BackupOptions struct {
	// Iterations is the PBKDF2 count of the account key (0 = backup.DefaultIterations). Every device
	// of an account must use the same value; only test binaries may go below backup.MinIterations.
	Iterations int
	// WrapParams are the vault parameters of the backup key file (zero = the backup default).
	WrapParams vault.Params
	// DeviceName is shown in the account's device list ("" = the host name).
	DeviceName string
}

// backupConf is the server the user signed in to, kept in backup.json in the data folder (the
// session token and the data key are in the keychain, the sync state in backup-state.json).
type backupConf struct {
	Server      string `json:"server"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// Remember: the data key and token are in the keychain ("remember on this device").
	Remember bool `json:"remember,omitempty"`
}

// cloudBackup adapts *backup.Client to app.Backup. The client is made when the user signs in to a
// server and again at start from backup.json.
type cloudBackup struct {
	cfg       Config
	lib       *library
	confPath  string
	statePath string

	mu     sync.Mutex
	conf   backupConf
	client *backup.Client
}

func newCloudBackup(cfg Config, lib *library) *cloudBackup {
	c := &cloudBackup{
		cfg: cfg, lib: lib,
		confPath:  filepath.Join(cfg.Dirs.Root, "backup.json"),
		statePath: filepath.Join(cfg.Dirs.Root, "backup-state.json"),
	}
	if b, err := os.ReadFile(c.confPath); err == nil && json.Unmarshal(b, &c.conf) == nil {
		if cl, err := c.newClient(c.conf); err == nil {
			c.client = cl
		}
	}
	return c
}

// normalizeFingerprint lowercases a hex SHA-256 and drops colons and spaces; "" stays "".
func normalizeFingerprint(fp string) (string, error) {
	fp = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(fp)))
	if fp == "" {
		return "", nil
	}
	if b, err := hex.DecodeString(fp); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("%w: the certificate fingerprint must be 64 hex digits (SHA-256)", app.ErrInvalid)
	}
	return fp, nil
}

// httpClient trusts the system roots, or with a pin exactly the certificate whose SHA-256 is pin.
func httpClient(pin string) *http.Client {
	tc := &tls.Config{MinVersion: tls.VersionTLS13}
	if pin != "" {
		want, _ := hex.DecodeString(pin)
		tc.InsecureSkipVerify = true // replaced by the pin check below
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("backup server sent no certificate")
			}
			got := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if subtle.ConstantTimeCompare(got[:], want) != 1 {
				return fmt.Errorf("backup server certificate %x does not match the pinned fingerprint", got)
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: 5 * time.Minute,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			TLSClientConfig:     tc,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 30 * time.Second,
			MaxIdleConnsPerHost: 4,
		},
	}
}

func (c *cloudBackup) newClient(conf backupConf) (*backup.Client, error) {
	name := c.cfg.Backup.DeviceName
	if name == "" {
		name, _ = os.Hostname()
	}
	cl, err := backup.New(backupLibrary{c.lib}, backup.Config{
		Server:     conf.Server,
		StatePath:  c.statePath,
		Keychain:   c.cfg.Keychain,
		Remember:   conf.Remember,
		HTTPClient: httpClient(conf.Fingerprint),
		DeviceName: name,
		Iterations: c.cfg.Backup.Iterations,
		WrapParams: c.cfg.Backup.WrapParams,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", app.ErrInvalid, err)
	}
	return cl, nil
}

func (c *cloudBackup) current() *backup.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

func (c *cloudBackup) Info(context.Context) (app.BackupInfo, error) {
	c.mu.Lock()
	cl, conf := c.client, c.conf
	c.mu.Unlock()
	if cl == nil {
		return app.BackupInfo{}, nil
	}
	st, err := cl.Status()
	if err != nil {
		return app.BackupInfo{}, backupErr(err)
	}
	if !st.Enabled {
		return app.BackupInfo{}, nil
	}
	pend, err := cl.PendingDowngrades()
	if err != nil {
		return app.BackupInfo{}, backupErr(err)
	}
	ids := make([]string, 0, len(pend))
	for _, p := range pend {
		ids = append(ids, p.TranscriptID)
	}
	return app.BackupInfo{Enabled: true, Server: conf.Server, Fingerprint: conf.Fingerprint, Email: st.Email, DeviceID: st.DeviceID,
		LastSync: st.LastSync, Remember: conf.Remember, PendingDowngrades: ids}, nil
}

func (c *cloudBackup) SignUp(ctx context.Context, acct app.BackupAccount) error {
	return c.signIn(ctx, acct, func(cl *backup.Client, ctx context.Context, email string, pw []byte) error {
		return cl.SignUpInvite(ctx, email, pw, strings.TrimSpace(acct.Invite))
	})
}

func (c *cloudBackup) SignIn(ctx context.Context, acct app.BackupAccount) error {
	return c.signIn(ctx, acct, (*backup.Client).SignIn)
}

func (c *cloudBackup) signIn(ctx context.Context, acct app.BackupAccount, f func(*backup.Client, context.Context, string, []byte) error) error {
	fp, err := normalizeFingerprint(acct.Fingerprint)
	if err != nil {
		return err
	}
	conf := backupConf{Server: strings.TrimRight(acct.Server, "/"), Fingerprint: fp, Remember: acct.Remember}
	c.mu.Lock()
	old, oldConf := c.client, c.conf
	c.mu.Unlock()
	if old != nil && old.Enabled() && oldConf.Server != conf.Server {
		return fmt.Errorf("%w: backup is on with %s; sign out first", app.ErrInvalid, oldConf.Server)
	}
	cl, err := c.newClient(conf)
	if err != nil {
		return err
	}
	if err := f(cl, ctx, acct.Email, []byte(acct.Password)); err != nil {
		return backupErr(err)
	}
	b, err := json.Marshal(conf)
	if err == nil {
		err = os.WriteFile(c.confPath, b, 0o600)
	}
	if err != nil {
		return fmt.Errorf("save backup settings: %w", err)
	}
	c.mu.Lock()
	c.client, c.conf = cl, conf
	c.mu.Unlock()
	return nil
}

func (c *cloudBackup) Sync(ctx context.Context) (app.BackupReport, error) {
	cl := c.current()
	if cl == nil {
		return app.BackupReport{}, app.ErrBackupOff
	}
	r, err := cl.Sync(ctx)
	return app.BackupReport{Pushed: r.Pushed, Pulled: r.Pulled, DeletedLocal: r.DeletedLocal, DeletedRemote: r.DeletedRemote,
		Conflicts: r.Conflicts, Skipped: r.Skipped, Damaged: r.Damaged}, backupErr(err)
}

func (c *cloudBackup) SignOut(ctx context.Context) error {
	cl := c.current()
	if cl == nil {
		return nil
	}
	if err := cl.SignOut(ctx); err != nil && !errors.Is(err, backup.ErrNotEnabled) {
		return backupErr(err)
	}
	return nil
}

func (c *cloudBackup) DeleteAccount(ctx context.Context, password string) error {
	cl := c.current()
	if cl == nil {
		return app.ErrBackupOff
	}
	return backupErr(cl.DeleteAccount(ctx, []byte(password)))
}

func (c *cloudBackup) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	cl := c.current()
	if cl == nil {
		return app.ErrBackupOff
	}
	return backupErr(cl.ChangePassword(ctx, []byte(oldPassword), []byte(newPassword)))
}

func (c *cloudBackup) Devices(ctx context.Context) ([]app.BackupDevice, error) {
	cl := c.current()
	if cl == nil {
		return nil, app.ErrBackupOff
	}
	ds, err := cl.Devices(ctx)
	if err != nil {
		return nil, backupErr(err)
	}
	out := make([]app.BackupDevice, 0, len(ds))
	for _, d := range ds {
		out = append(out, app.BackupDevice{ID: d.ID, Name: d.Name, Created: d.Created, LastSeen: d.LastSeen, Current: d.Current})
	}
	return out, nil
}

func (c *cloudBackup) ResolveDowngrade(ctx context.Context, transcriptID string, accept bool) error {
	cl := c.current()
	if cl == nil {
		return app.ErrBackupOff
	}
	err := cl.ResolveDowngrade(transcriptID, accept)
	if errors.Is(err, backup.ErrNoSuchDowngrade) {
		return fmt.Errorf("%w: %w", app.ErrNotFound, err)
	}
	return backupErr(err)
}

// backupErr maps the backup client's errors to the app's.
func backupErr(err error) error {
	for _, m := range []struct{ from, to error }{
		{backup.ErrNotEnabled, app.ErrBackupOff},
		{backup.ErrOffline, app.ErrOffline},
		{backup.ErrSignedOut, app.ErrSignedOut},
		{backup.ErrWrongPassword, app.ErrWrongPass},
		{backup.ErrAccountExists, app.ErrAccountExists},
		{backup.ErrLockedOut, app.ErrTryLater},
		{backup.ErrQuota, app.ErrBackupQuota},
		{backup.ErrRateLimited, app.ErrTryLater},
		{backup.ErrInvalidEmail, app.ErrInvalid},
		{backup.ErrWeakParams, app.ErrInvalid},
		{backup.ErrRollback, app.ErrBackupTampered},
		{backup.ErrForgedDeletion, app.ErrBackupTampered},
		{backup.ErrTampered, app.ErrBackupTampered},
		{backup.ErrKeyFileParams, app.ErrBackupTampered},
		{backup.ErrDowngrade, app.ErrBackupDowngrade},
	} {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return err
}

// backupLibrary is the library as the backup client sees it. It does not count as use for the
// idle lock, so background syncs never keep the vault open.
type backupLibrary struct{ x *library }

func (b backupLibrary) raw() (*store.Library, error) {
	b.x.mu.Lock()
	defer b.x.mu.Unlock()
	if b.x.l == nil {
		return nil, fmt.Errorf("library: %w", fs.ErrClosed)
	}
	return b.x.l, nil
}

func (b backupLibrary) List(ctx context.Context, f store.Filter) ([]store.Summary, error) {
	l, err := b.raw()
	if err != nil {
		return nil, err
	}
	return l.List(ctx, f)
}

func (b backupLibrary) Get(ctx context.Context, id string) (*transcript.Transcript, error) {
	l, err := b.raw()
	if err != nil {
		return nil, err
	}
	return l.Get(ctx, id)
}

func (b backupLibrary) Save(ctx context.Context, t *transcript.Transcript) error {
	l, err := b.raw()
	if err != nil {
		return err
	}
	return l.Save(ctx, t)
}

func (b backupLibrary) Delete(ctx context.Context, id string) error {
	l, err := b.raw()
	if err != nil {
		return err
	}
	return l.Delete(ctx, id)
}
