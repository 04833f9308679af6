// Package backup is the client side of Hushscribe's opt-in, end-to-end encrypted cloud backup. It
// keeps one transcript library in sync with an account on a backup server (internal/backupserver)
// that can read none of it.
//
// Backup is off by default and turned on per library, by SignUp or SignIn; SignOut turns it off.
// From the email address and password the client derives two independent keys (see DeriveKeys):
// an encryption key, which never leaves the device, and an authentication key, which is all the
// server ever receives (and hashes again with argon2id). The encryption key wraps a random backup
// data key into a vault key file that the server keeps for the account; a new device gets it back
// after signing in, so restoring needs only the email address and the password, and a password
// change re-wraps that one key instead of re-encrypting the backup. The data key and the session
// token are kept in memory for the life of the Client, and in the OS keychain only when the user
// chose "remember on this device" (Config.Remember), so that Sync runs after a restart without the
// password.
//
// Every transcript, Standard ones included, is uploaded as one object: its JSON export
// (internal/export) sealed with the data key into a vault data envelope (docs/FORMAT.md §12), bound
// by its associated data to the account, the object id, the kind and the version. Object ids are
// keyed hashes of the transcript ids. Deletions are sealed tombstones, and a sealed account manifest
// lists every object's latest version; with the versions each device remembers, this makes a
// server that alters, swaps, rolls back, withholds or deletes objects detectable (integrity.go). A
// browser can decrypt a backup with Web Crypto alone: PBKDF2 and HKDF give the encryption key,
// which opens the key file like a password (webcrypto/vault.js), and the data key opens the
// envelopes.
//
// Sync pulls the changes other devices made, then pushes local creations, edits and deletions as
// new versions. Every change is conditional on the version last seen, so nothing is overwritten
// blindly: when both sides changed a transcript, both versions are kept (the local one as a
// "conflict copy" with its own id). Progress is written to a state file after every step, and every
// step can be repeated, so an interrupted or offline sync resumes where it stopped without
// duplicates or loss.
package backup

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
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

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
	"github.com/hushscribe/hushscribe/internal/store"
	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/vault"
)

// Errors returned by the Client; test for them with errors.Is.
var (
	// ErrNotEnabled means backup is off for this library (no SignUp or SignIn yet, or SignOut).
	ErrNotEnabled = errors.New("backup: not enabled for this library")
	// ErrSignedOut means the session expired or was ended, or the keychain lost the token or
	// key; SignIn with the password again.
	ErrSignedOut = errors.New("backup: signed out; sign in again")
	// ErrWrongPassword means the email address or password is wrong (the server does not say which).
	ErrWrongPassword = errors.New("backup: wrong email or password")
	// ErrAccountExists means the server refused SignUp: the address may have an account (sign in
	// instead), or the server accepts no new accounts (or only with an invite). The server answers
	// all of these alike, so that sign-up does not tell who has an account.
	ErrAccountExists = errors.New("backup: sign-up refused: this email may have an account (sign in instead), or the server accepts no new accounts")
	// ErrQuota means the account's storage quota on the server is full.
	ErrQuota = errors.New("backup: the account's storage quota on the server is full")
	// ErrLockedOut means too many failed sign-ins; try again later.
	ErrLockedOut = errors.New("backup: too many failed sign-ins; try again later")
	// ErrRateLimited means the server refused the request for now.
	ErrRateLimited = errors.New("backup: too many requests; try again later")
	// ErrOffline means the server could not be reached or the connection broke. Nothing is lost;
	// Sync again later.
	ErrOffline = errors.New("backup: server unreachable")
	// ErrTampered means the server returned data that does not decrypt or is not what was stored.
	ErrTampered = errors.New("backup: backup data was modified or is corrupt")
	// ErrInvalidEmail means the email address is malformed.
	ErrInvalidEmail = errors.New("backup: invalid email address")
	// ErrWeakParams means an empty password or a key-derivation iteration count below MinIterations.
	ErrWeakParams = errors.New("backup: empty password or key derivation parameters too weak")
	// ErrKeyFileParams means the server sent a key file whose PBKDF2 iteration count is not the one
	// this client writes (Config.WrapParams, or the one recorded when this device last signed in);
	// it is refused before any key derivation runs, so a server cannot make the client burn time.
	ErrKeyFileParams = errors.New("backup: the server's key file demands key-derivation parameters this device did not write")
)

// Library is the transcript library being backed up; *store.Library implements it.
type Library interface {
	List(ctx context.Context, f store.Filter) ([]store.Summary, error)
	Get(ctx context.Context, id string) (*transcript.Transcript, error)
	Save(ctx context.Context, t *transcript.Transcript) error
	Delete(ctx context.Context, id string) error
}

// SecretStore keeps the session token and the backup data key in the OS credential store;
// internal/keychain implements it. Get must return an error matching fs.ErrNotExist when nothing is
// stored.
type SecretStore interface {
	Get(account string) ([]byte, error)
	Set(account string, secret []byte) error
	Delete(account string) error
}

// Config configures a Client.
type Config struct {
	// Server is the backup server's base URL; it must be https://.
	Server string
	// StatePath is the file where this library's sync state is kept (for example next to the
	// library file). Its existence is what "backup enabled" means.
	StatePath string
	// Keychain stores the token and the data key when Remember is set. Required.
	Keychain SecretStore
	// Remember keeps the data key and the session token in Keychain ("remember on this device"), so
	// that a new Client (after a restart) syncs without the password. Without it they live in this
	// Client's memory only, and a new Client reports ErrSignedOut until SignIn.
	Remember bool
	// RootCAs verifies the server's certificate; nil means the system roots. Ignored when HTTPClient
	// is set.
	RootCAs *x509.CertPool
	// HTTPClient overrides the HTTP client (it must keep TLS 1.3 as the minimum).
	HTTPClient *http.Client
	// DeviceName is shown in the account's device list.
	DeviceName string
	// Iterations is the PBKDF2 iteration count of the master key; zero means DefaultIterations. It
	// is part of the account's key derivation: every device must use the same value.
	Iterations int
	// WrapParams are the vault parameters of the key file; zero means vault.MinIterations (the
	// input is already a high-entropy key). Tests use vault.TestingParams.
	WrapParams vault.Params
}

// Client syncs one library with one backup account. Its methods are safe for concurrent use; they
// run one at a time.
type Client struct {
	lib Library
	cfg Config
	mu  sync.Mutex
	mem map[string][]byte // the secrets, when not remembered in the keychain
}

// New returns a Client for lib. It does not contact the server.
func New(lib Library, cfg Config) (*Client, error) {
	if lib == nil || cfg.Keychain == nil || cfg.StatePath == "" {
		return nil, errors.New("backup: a library, Config.Keychain and Config.StatePath are required")
	}
	if !strings.HasPrefix(cfg.Server, "https://") {
		return nil, fmt.Errorf("backup: server URL %q must use https", cfg.Server)
	}
	cfg.Server = strings.TrimRight(cfg.Server, "/")
	abs, err := filepath.Abs(cfg.StatePath)
	if err != nil {
		return nil, fmt.Errorf("backup: state path: %w", err)
	}
	cfg.StatePath = abs
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{
			Timeout: 5 * time.Minute,
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: cfg.RootCAs},
				ForceAttemptHTTP2:   true,
				TLSHandshakeTimeout: 30 * time.Second,
				MaxIdleConnsPerHost: 4,
			},
		}
	}
	if cfg.WrapParams == (vault.Params{}) {
		cfg.WrapParams = vault.Params{Iterations: vault.MinIterations}
	}
	return &Client{lib: lib, cfg: cfg, mem: map[string][]byte{}}, nil
}

// keychain account names, unique per state file.
func (c *Client) secretName(kind string) string {
	h := sha256.Sum256([]byte(c.cfg.StatePath))
	return "backup-" + hex.EncodeToString(h[:16]) + "-" + kind
}

// setSecret keeps a secret in memory, and in the keychain if remembered (else it removes any copy
// an earlier choice left there).
func (c *Client) setSecret(kind string, v []byte) error {
	if old := c.mem[kind]; old != nil {
		clear(old)
	}
	c.mem[kind] = append([]byte(nil), v...)
	if c.cfg.Remember {
		return c.cfg.Keychain.Set(c.secretName(kind), v)
	}
	if err := c.cfg.Keychain.Delete(c.secretName(kind)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// getSecret returns a secret from memory or the keychain (fs.ErrNotExist when neither has it).
func (c *Client) getSecret(kind string) ([]byte, error) {
	if v := c.mem[kind]; v != nil {
		return append([]byte(nil), v...), nil
	}
	if !c.cfg.Remember {
		return nil, fs.ErrNotExist
	}
	return c.cfg.Keychain.Get(c.secretName(kind))
}

func (c *Client) deleteSecret(kind string) error {
	if old := c.mem[kind]; old != nil {
		clear(old)
		delete(c.mem, kind)
	}
	if err := c.cfg.Keychain.Delete(c.secretName(kind)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Enabled reports whether backup is on for this library.
func (c *Client) Enabled() bool {
	_, err := os.Stat(c.cfg.StatePath)
	return err == nil
}

// Status describes the backup of this library.
type Status struct {
	Enabled  bool
	Email    string
	DeviceID string
	LastSync time.Time
}

// Status reports whether backup is on, for which account, and when it last synced.
func (c *Client) Status() (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := loadState(c.cfg.StatePath)
	if errors.Is(err, ErrNotEnabled) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	return Status{Enabled: true, Email: st.Email, DeviceID: st.DeviceID, LastSync: st.LastSync}, nil
}

func (c *Client) remote(token string) *remote {
	return &remote{base: c.cfg.Server, client: c.cfg.HTTPClient, token: token}
}

// SignUp creates an account for email with password, turns backup on for this library, and
// leaves the first Sync to the caller.
func (c *Client) SignUp(ctx context.Context, email string, password []byte) error {
	return c.SignUpInvite(ctx, email, password, "")
}

// SignUpInvite is SignUp on a server whose registration needs an invite code.
func (c *Client) SignUpInvite(ctx context.Context, email string, password []byte, invite string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys, err := DeriveKeys(email, password, c.cfg.Iterations)
	if err != nil {
		return err
	}
	defer keys.Clear()
	dek, keyFile, err := vault.NewKey(keys.Encryption, c.cfg.WrapParams)
	if err != nil {
		return fmt.Errorf("backup: create data key: %w", err)
	}
	defer dek.Destroy()
	var sess api.Session
	err = c.remote("").call(ctx, "POST", "/v1/signup", api.SignUpRequest{
		Email: email, AuthKey: keys.Auth, KeyFile: keyFile, DeviceName: c.cfg.DeviceName, Invite: invite,
	}, &sess, true)
	if err != nil {
		return fmt.Errorf("backup: sign up: %w", err)
	}
	return c.enable(email, sess, dek, keyFile)
}

// SignIn signs in to an existing account and turns backup on for this library. On a new device it
// is the restore: the next Sync brings every transcript of the account into the library. Signing in
// again after ErrSignedOut keeps the sync state.
func (c *Client) SignIn(ctx context.Context, email string, password []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	sess, dek, keyFile, err := c.signIn(ctx, email, password)
	if err != nil {
		return err
	}
	defer dek.Destroy()
	return c.enable(email, sess, dek, keyFile)
}

func (c *Client) signIn(ctx context.Context, email string, password []byte) (api.Session, *vault.Key, []byte, error) {
	keys, err := DeriveKeys(email, password, c.cfg.Iterations)
	if err != nil {
		return api.Session{}, nil, nil, err
	}
	defer keys.Clear()
	var deviceID string
	if st, err := loadState(c.cfg.StatePath); err == nil {
		deviceID = st.DeviceID
	}
	var sess api.Session
	err = c.remote("").call(ctx, "POST", "/v1/signin", api.SignInRequest{
		Email: email, AuthKey: keys.Auth, DeviceID: deviceID, DeviceName: c.cfg.DeviceName,
	}, &sess, true)
	if err != nil {
		return api.Session{}, nil, nil, fmt.Errorf("backup: sign in: %w", err)
	}
	if err := c.checkKeyFile(sess.KeyFile); err != nil {
		return api.Session{}, nil, nil, fmt.Errorf("backup: sign in: %w", err)
	}
	dek, err := vault.Unwrap(sess.KeyFile, keys.Encryption)
	if err != nil {
		return api.Session{}, nil, nil, fmt.Errorf("backup: open the account's key file: %w: %v", ErrTampered, err)
	}
	return sess, dek, sess.KeyFile, nil
}

// keyFileIterations reads the PBKDF2 iteration count of a vault key file (docs/FORMAT.md: "HSKY",
// version 1, the count as a big-endian uint32) without deriving anything.
func keyFileIterations(kf []byte) (int, error) {
	if len(kf) != vault.KeyFileSize || string(kf[:4]) != "HSKY" || kf[4] != vault.Version {
		return 0, fmt.Errorf("%w: not a version %d key file", ErrTampered, vault.Version)
	}
	return int(binary.BigEndian.Uint32(kf[5:9])), nil
}

// checkKeyFile refuses a key file from the server whose iteration count differs from the one this
// client wrote: the count recorded in the state (from its own last key file), else the configured
// one, which every device of an account shares.
func (c *Client) checkKeyFile(kf []byte) error {
	got, err := keyFileIterations(kf)
	if err != nil {
		return err
	}
	want := c.cfg.WrapParams.Iterations
	if st, err := loadState(c.cfg.StatePath); err == nil && len(st.KeyFile) > 0 {
		if n, err := keyFileIterations(st.KeyFile); err == nil {
			want = n
		}
	}
	if got != want {
		return fmt.Errorf("%w: %d PBKDF2 iterations, this device writes %d", ErrKeyFileParams, got, want)
	}
	return nil
}

// enable stores the token and key in the keychain and writes the state file.
func (c *Client) enable(email string, sess api.Session, dek *vault.Key, keyFile []byte) error {
	raw := dek.Export()
	defer clear(raw)
	if err := c.setSecret("key", raw); err != nil {
		return fmt.Errorf("backup: store the key in the keychain: %w", err)
	}
	if err := c.setSecret("token", []byte(sess.Token)); err != nil {
		return fmt.Errorf("backup: store the token in the keychain: %w", err)
	}
	st, err := loadState(c.cfg.StatePath)
	if err != nil || st.AccountID != sess.AccountID || st.Server != c.cfg.Server {
		st = newState() // another account (or none): start over
	}
	norm, _ := api.NormalizeEmail(email)
	st.Server, st.Email, st.AccountID, st.DeviceID, st.KeyFile = c.cfg.Server, norm, sess.AccountID, sess.DeviceID, keyFile
	return st.save(c.cfg.StatePath)
}

// session loads the state, token and data key of an enabled library.
func (c *Client) session() (*state, string, *vault.Key, error) {
	st, err := loadState(c.cfg.StatePath)
	if err != nil {
		return nil, "", nil, err
	}
	token, err := c.getSecret("token")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil, ErrSignedOut
	} else if err != nil {
		return nil, "", nil, fmt.Errorf("backup: read the token from the keychain: %w", err)
	}
	raw, err := c.getSecret("key")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil, ErrSignedOut
	} else if err != nil {
		return nil, "", nil, fmt.Errorf("backup: read the key from the keychain: %w", err)
	}
	defer clear(raw)
	dek, err := vault.ImportKey(raw)
	if err != nil {
		return nil, "", nil, fmt.Errorf("backup: key in the keychain: %w", err)
	}
	return st, string(token), dek, nil
}

// disable forgets the token, key and state of this library. Local transcripts are untouched.
func (c *Client) disable() error {
	var errs []error
	for _, kind := range []string{"token", "key"} {
		if err := c.deleteSecret(kind); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(c.cfg.StatePath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("backup: turn off: %w", err)
	}
	return nil
}

// SignOut ends this device's session and turns backup off for the library. The backup on the
// server and the local transcripts stay. The session is forgotten locally even if the server
// cannot be reached (it then expires on the server by itself).
func (c *Client) SignOut(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, token, dek, err := c.session(); err == nil {
		dek.Destroy()
		c.remote(token).call(ctx, "POST", "/v1/signout", nil, nil, false)
	}
	return c.disable()
}

// ChangePassword changes the account's password. The data key is re-wrapped under the new
// password, so nothing is re-encrypted; the account's other devices must sign in again.
func (c *Client) ChangePassword(ctx context.Context, oldPassword, newPassword []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := loadState(c.cfg.StatePath)
	if err != nil {
		return err
	}
	oldKeys, err := DeriveKeys(st.Email, oldPassword, c.cfg.Iterations)
	if err != nil {
		return err
	}
	defer oldKeys.Clear()
	newKeys, err := DeriveKeys(st.Email, newPassword, c.cfg.Iterations)
	if err != nil {
		return err
	}
	defer newKeys.Clear()
	// Sign in with the old password first: it checks the password and fetches the current key file.
	sess, dek, keyFile, err := c.signIn(ctx, st.Email, oldPassword)
	if err != nil {
		return err
	}
	defer dek.Destroy()
	newKeyFile, err := vault.Rewrap(keyFile, oldKeys.Encryption, newKeys.Encryption, c.cfg.WrapParams)
	if err != nil {
		return fmt.Errorf("backup: re-wrap the key: %w", err)
	}
	err = c.remote(sess.Token).call(ctx, "POST", "/v1/account/password", api.PasswordRequest{
		AuthKey: oldKeys.Auth, NewAuthKey: newKeys.Auth, KeyFile: newKeyFile,
	}, nil, true)
	if err != nil {
		return fmt.Errorf("backup: change password: %w", err)
	}
	return c.enable(st.Email, sess, dek, newKeyFile)
}

// DeleteAccount deletes the account and everything stored with it from the server, after checking
// the password, and turns backup off. Local transcripts are untouched.
func (c *Client) DeleteAccount(ctx context.Context, password []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, token, dek, err := c.session()
	if err != nil {
		return err
	}
	dek.Destroy()
	keys, err := DeriveKeys(st.Email, password, c.cfg.Iterations)
	if err != nil {
		return err
	}
	defer keys.Clear()
	if err := c.remote(token).call(ctx, "DELETE", "/v1/account", api.DeleteAccountRequest{AuthKey: keys.Auth}, nil, true); err != nil {
		return fmt.Errorf("backup: delete account: %w", err)
	}
	return c.disable()
}

// Devices lists the devices signed in to the account.
func (c *Client) Devices(ctx context.Context) ([]api.Device, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, token, dek, err := c.session()
	if err != nil {
		return nil, err
	}
	dek.Destroy()
	var ds api.Devices
	if err := c.remote(token).call(ctx, "GET", "/v1/devices", nil, &ds, false); err != nil {
		return nil, fmt.Errorf("backup: devices: %w", err)
	}
	return ds.Devices, nil
}

// state is the sync state of one library, kept in Config.StatePath (mode 0600). It holds no secret:
// the key file in it is encrypted under the password.
type state struct {
	Format    string            `json:"format"`
	Server    string            `json:"server"`
	Email     string            `json:"email"`
	AccountID string            `json:"account_id"`
	DeviceID  string            `json:"device_id"`
	KeyFile   []byte            `json:"key_file"`
	Cursor    string            `json:"cursor"`
	LastSync  time.Time         `json:"last_sync,omitzero"`
	Entries   map[string]*entry `json:"entries"` // by transcript id
	// Seen is, per object (the manifest included), the highest version this device accepted; lower
	// ones are refused (ErrRollback). Missing in state files written before it existed: it is then
	// filled from Entries.
	Seen map[string]int64 `json:"seen"`
	// Pending are the downgrades waiting for the user, by transcript id.
	Pending map[string]*Downgrade `json:"pending,omitempty"`
	// Retry are the objects whose announced version failed a check (ErrRollback, ErrTampered), by
	// object id: each sync fetches them again until the server serves that version.
	Retry map[string]int64 `json:"retry,omitempty"`
}

// entry is what the last sync knew of one transcript.
type entry struct {
	Object  string `json:"object"`
	Version int64  `json:"version"` // the server version the local copy corresponds to
	// LocalHash is the SHA-256 of the local transcript's canonical export at the last sync (empty:
	// unknown, compare the content); LocalUpdated its Updated time then, which spares reading it.
	LocalHash    string    `json:"local_hash"`
	LocalUpdated time.Time `json:"local_updated,omitzero"`
	// Private is true when the transcript was Private at the last sync, so that a pulled Standard
	// copy is held back even if the local copy is gone (ErrDowngrade).
	Private bool `json:"private,omitempty"`
}

const stateFormat = "hushscribe-backup-state-v1"

func newState() *state {
	return &state{Format: stateFormat, Entries: map[string]*entry{}, Seen: map[string]int64{}, Pending: map[string]*Downgrade{}, Retry: map[string]int64{}}
}

func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotEnabled
	}
	if err != nil {
		return nil, fmt.Errorf("backup: read state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil || st.Format != stateFormat {
		return nil, fmt.Errorf("backup: state file %s is corrupt or of another version: %v", path, err)
	}
	if st.Entries == nil {
		st.Entries = map[string]*entry{}
	}
	if st.Seen == nil {
		st.Seen = map[string]int64{}
	}
	if st.Pending == nil {
		st.Pending = map[string]*Downgrade{}
	}
	if st.Retry == nil {
		st.Retry = map[string]int64{}
	}
	for id, e := range st.Entries {
		if e == nil {
			delete(st.Entries, id)
			continue
		}
		if e.Version > st.Seen[e.Object] {
			st.Seen[e.Object] = e.Version
		}
	}
	for id, p := range st.Pending {
		if p == nil {
			delete(st.Pending, id)
		}
	}
	return st, nil
}

// save writes the state atomically: a temporary file, synced, renamed over the old one.
func (st *state) save(path string) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("backup: encode state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("backup: save state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-state-*")
	if err != nil {
		return fmt.Errorf("backup: save state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("backup: save state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("backup: save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup: save state: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
