package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hushscribe/hushscribe/internal/vault"
)

// keyCheck is sealed under the data key when the password is set (vault_keys.check_env), so that a
// key read back from the OS keychain can be recognised as this library's.
var keyCheckPlaintext = []byte("hushscribe library key check v1")

func keyCheckAD() []byte { return vault.AD("", "key-check") }

// KeychainAccount is the OS keychain account under which the key of the library at path is
// remembered: "library-" and 32 hex digits of the SHA-256 of the absolute path.
func KeychainAccount(path string) string {
	sum := sha256.Sum256([]byte(path))
	return "library-" + hex.EncodeToString(sum[:16])
}

func (l *Library) kdf() vault.Params {
	if l.opts.KDF == (vault.Params{}) {
		return vault.DefaultParams()
	}
	return l.opts.KDF
}

// lockedOr turns vault.ErrDestroyed (the key was destroyed by Lock while in use) into ErrLocked.
func lockedOr(err error) error {
	if errors.Is(err, vault.ErrDestroyed) && !errors.Is(err, ErrLocked) {
		return fmt.Errorf("%w: %w", ErrLocked, err)
	}
	return err
}

// HasPassword reports whether a password (and so a data key) has been set.
func (l *Library) HasPassword(ctx context.Context) (bool, error) {
	var n int
	if err := l.db.QueryRowContext(ctx, "SELECT count(*) FROM vault_keys").Scan(&n); err != nil {
		return false, dbErr("read key", err)
	}
	return n > 0, nil
}

// SetPassword creates the library's data key, stores it wrapped under password, and leaves the
// library unlocked. It fails with ErrPasswordSet if a password exists (use ChangePassword).
func (l *Library) SetPassword(ctx context.Context, password []byte) error {
	if has, err := l.HasPassword(ctx); err != nil {
		return err
	} else if has {
		return ErrPasswordSet
	}
	key, wrapped, err := vault.NewKey(password, l.kdf())
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	check, err := key.Seal(keyCheckPlaintext, keyCheckAD())
	if err != nil {
		key.Destroy()
		return fmt.Errorf("store: set password: %w", err)
	}
	now := l.opts.Clock().UnixNano()
	_, err = l.db.ExecContext(ctx, `INSERT INTO vault_keys (id, wrapped, check_env, created_ns, updated_ns)
		VALUES (1, ?, ?, ?, ?)`, wrapped, check, now, now)
	if err != nil {
		key.Destroy()
		if has, herr := l.HasPassword(ctx); herr == nil && has {
			return ErrPasswordSet // lost a race with another SetPassword
		}
		return dbErr("set password", err)
	}
	l.setKey(key)
	return nil
}

func (l *Library) wrappedKey(ctx context.Context) (wrapped, check []byte, err error) {
	err = l.db.QueryRowContext(ctx, "SELECT wrapped, check_env FROM vault_keys WHERE id = 1").Scan(&wrapped, &check)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNoPassword
	}
	if err != nil {
		return nil, nil, dbErr("read key", err)
	}
	return wrapped, check, nil
}

// Unlock derives the key-encryption key from password (the slow step, once per session), unwraps
// the data key and keeps it in memory until Lock, Close or the idle timeout. A wrong password gives
// ErrWrongPassword and changes nothing.
func (l *Library) Unlock(ctx context.Context, password []byte) error {
	wrapped, _, err := l.wrappedKey(ctx)
	if err != nil {
		return err
	}
	key, err := vault.Unwrap(wrapped, password)
	if err != nil {
		return fmt.Errorf("store: unlock: %w", err)
	}
	l.setKey(key)
	return l.unlocked(ctx, key)
}

// ChangePassword re-wraps the data key under newPassword. The key itself, and so every transcript
// row, is unchanged; a remembered key stays valid. The lock state does not change.
func (l *Library) ChangePassword(ctx context.Context, oldPassword, newPassword []byte) error {
	wrapped, _, err := l.wrappedKey(ctx)
	if err != nil {
		return err
	}
	rewrapped, err := vault.Rewrap(wrapped, oldPassword, newPassword, l.kdf())
	if err != nil {
		return fmt.Errorf("store: change password: %w", err)
	}
	res, err := l.db.ExecContext(ctx, "UPDATE vault_keys SET wrapped = ?, updated_ns = ? WHERE id = 1 AND wrapped = ?",
		rewrapped, l.opts.Clock().UnixNano(), wrapped)
	if err != nil {
		return dbErr("change password", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("store: change password: the key was changed concurrently; try again")
	}
	return nil
}

// Lock destroys the in-memory data key and drops the private search index. It is idempotent.
func (l *Library) Lock() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lockLocked()
}

func (l *Library) lockLocked() {
	if l.key != nil {
		l.key.Destroy()
		l.key = nil
	}
	l.index = nil
}

// Locked reports whether the data key is absent from memory (including after the idle timeout).
func (l *Library) Locked() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expireLocked()
	return l.key == nil
}

// Touch counts as use of the library for the idle timeout (call it on user activity).
func (l *Library) Touch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.expireLocked() && l.key != nil {
		l.lastUse = l.opts.Clock()
	}
}

func (l *Library) setKey(k *vault.Key) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.key != nil && l.key != k {
		l.key.Destroy()
	}
	l.key, l.lastUse = k, l.opts.Clock()
	l.index = nil
}

// activeKey returns the key (nil when locked) and counts the call as use.
func (l *Library) activeKey() *vault.Key {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.expireLocked() || l.key == nil {
		return nil
	}
	l.lastUse = l.opts.Clock()
	return l.key
}

// expireLocked locks the library if the idle timeout has passed, and reports whether it did. l.mu
// must be held.
func (l *Library) expireLocked() bool {
	if l.key == nil || l.opts.IdleTimeout <= 0 || l.opts.Clock().Sub(l.lastUse) < l.opts.IdleTimeout {
		return false
	}
	l.lockLocked()
	if l.opts.OnAutoLock != nil {
		go l.opts.OnAutoLock()
	}
	return true
}

// idleLoop enforces the idle timeout even when nobody calls the Library.
func (l *Library) idleLoop() {
	defer close(l.done)
	every := l.opts.idlePoll
	if every <= 0 {
		every = min(max(l.opts.IdleTimeout/4, 50*time.Millisecond), 5*time.Second)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			l.mu.Lock()
			l.expireLocked()
			l.mu.Unlock()
		}
	}
}

// Remember stores the data key in the OS keychain so that UnlockRemembered works without the
// password on this device. The library must be unlocked.
func (l *Library) Remember(ctx context.Context) error {
	if l.opts.Keychain == nil {
		return ErrNoKeychain
	}
	key := l.activeKey()
	if key == nil {
		return fmt.Errorf("store: remember: %w", ErrLocked)
	}
	raw := key.Export()
	if raw == nil {
		return fmt.Errorf("store: remember: %w", ErrLocked)
	}
	defer clear(raw)
	if err := l.opts.Keychain.Set(l.account, raw); err != nil {
		return fmt.Errorf("store: remember: %w", err)
	}
	return nil
}

// Forget removes the remembered key from the OS keychain. It is not an error if none is stored.
func (l *Library) Forget(ctx context.Context) error {
	if l.opts.Keychain == nil {
		return nil
	}
	if err := l.opts.Keychain.Delete(l.account); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: forget: %w", err)
	}
	return nil
}

// UnlockRemembered unlocks the library with the key remembered in the OS keychain. It returns
// ErrNotRemembered when none is stored, and removes a stored key that does not belong to this library
// (for example one left from a deleted library at the same path).
func (l *Library) UnlockRemembered(ctx context.Context) error {
	if l.opts.Keychain == nil {
		return ErrNoKeychain
	}
	_, check, err := l.wrappedKey(ctx)
	if err != nil {
		return err
	}
	raw, err := l.opts.Keychain.Get(l.account)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotRemembered
	}
	if err != nil {
		return fmt.Errorf("store: unlock from keychain: %w", err)
	}
	defer clear(raw)
	key, err := vault.ImportKey(raw)
	if err == nil {
		var pt []byte
		pt, err = key.Open(check, keyCheckAD())
		if err == nil && !bytes.Equal(pt, keyCheckPlaintext) {
			err = vault.ErrTampered
		}
		if err != nil {
			key.Destroy()
		}
	}
	if err != nil {
		if derr := l.opts.Keychain.Delete(l.account); derr != nil && !errors.Is(derr, fs.ErrNotExist) {
			return fmt.Errorf("store: unlock from keychain: stale key could not be removed: %w", derr)
		}
		return fmt.Errorf("%w: the stored key does not open this library (%v); it was removed", ErrNotRemembered, err)
	}
	l.setKey(key)
	return l.unlocked(ctx, key)
}
