// Package keychain keeps small secrets (such as a remembered library key) in the operating system's
// credential store: the Secret Service on Linux (GNOME Keyring, KWallet), the Keychain on macOS and
// the Credential Manager on Windows, through github.com/zalando/go-keyring. Memory is an in-process
// implementation with the same behaviour, for tests and for "do not remember" set-ups.
//
// Secrets are byte slices; they are stored base64-encoded because the OS stores hold strings. All
// entries of one Keyring share a service name ("hushscribe" by default), so DeleteAll removes every
// secret Hushscribe ever stored and nothing else.
package keychain

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/zalando/go-keyring"
)

// Service is the default service name under which secrets are stored.
const Service = "hushscribe"

// ErrNotFound means no secret is stored for the account. It matches fs.ErrNotExist as well, so that
// consumers can test for a missing secret without importing this package.
var ErrNotFound = fmt.Errorf("keychain: secret not found: %w", fs.ErrNotExist)

// Keyring stores secrets in the OS credential store. The zero value uses Service.
type Keyring struct {
	// Service is the service name (the "application" an entry belongs to). Empty means Service.
	Service string
}

func (k Keyring) service() string {
	if k.Service == "" {
		return Service
	}
	return k.Service
}

// Get returns the secret stored for account, or an error matching ErrNotFound.
func (k Keyring) Get(account string) ([]byte, error) {
	s, err := keyring.Get(k.service(), account)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("keychain: get %q: %w", account, err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("keychain: get %q: stored value is not base64: %w", account, err)
	}
	return b, nil
}

// Set stores secret for account, replacing any previous one.
func (k Keyring) Set(account string, secret []byte) error {
	if err := keyring.Set(k.service(), account, base64.StdEncoding.EncodeToString(secret)); err != nil {
		return fmt.Errorf("keychain: set %q: %w", account, err)
	}
	return nil
}

// Delete removes the secret for account. Deleting a missing secret is not an error.
func (k Keyring) Delete(account string) error {
	err := keyring.Delete(k.service(), account)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("keychain: delete %q: %w", account, err)
	}
	return nil
}

// DeleteAll removes every secret stored under the service.
func (k Keyring) DeleteAll() error {
	err := keyring.DeleteAll(k.service())
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("keychain: delete all: %w", err)
	}
	return nil
}

// Memory is an in-memory secret store with the same behaviour as Keyring. The zero value is ready to
// use and safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Get returns a copy of the secret stored for account, or an error matching ErrNotFound.
func (m *Memory) Get(account string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[account]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte{}, s...), nil
}

// Set stores a copy of secret for account.
func (m *Memory) Set(account string, secret []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string][]byte)
	}
	if old, ok := m.m[account]; ok {
		clear(old)
	}
	m.m[account] = append([]byte{}, secret...)
	return nil
}

// Delete removes the secret for account. Deleting a missing secret is not an error.
func (m *Memory) Delete(account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.m[account]; ok {
		clear(old)
		delete(m.m, account)
	}
	return nil
}

// DeleteAll removes every secret.
func (m *Memory) DeleteAll() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for a, s := range m.m {
		clear(s)
		delete(m.m, a)
	}
	return nil
}

// Len reports how many secrets are stored.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
