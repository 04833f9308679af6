package dictation

import (
	"fmt"
	"io"
	"sync"
)

// Hotkeys registers global keys; internal/tray's RegisterHoldHotkey and RegisterKey are the real
// ones (see TrayHotkeys in package wire).
type Hotkeys interface {
	// Hold calls down when the shortcut is pressed and up when it is released.
	Hold(spec string, down, up func()) (io.Closer, error)
	// Key grabs one key with any modifiers until closed.
	Key(key string, fn func()) (io.Closer, error)
}

// CancelKey discards a dictation in progress; it is only taken while one is.
const CancelKey = "Escape"

// Keys drives a Dictator from the keyboard: the shortcut (held or pressed twice, as Options.Mode
// says; the Dictator decides) and the cancel key, grabbed only while a dictation runs so that
// Escape keeps working everywhere else.
type Keys struct {
	d  *Dictator
	hk Hotkeys

	mu       sync.Mutex
	shortcut io.Closer
	spec     string
	cancel   io.Closer
	closed   bool
}

// BindKeys registers spec as the dictation shortcut of d.
func BindKeys(d *Dictator, hk Hotkeys, spec string) (*Keys, error) {
	k := &Keys{d: d, hk: hk, spec: spec}
	c, err := hk.Hold(spec, d.Press, d.Release)
	if err != nil {
		return nil, fmt.Errorf("dictation: shortcut %s: %w", spec, err)
	}
	k.shortcut = c
	d.Watch(k.follow)
	return k, nil
}

// Shortcut is the registered shortcut.
func (k *Keys) Shortcut() string { return k.spec }

// follow grabs the cancel key while a dictation runs. A failure to grab it leaves cancelling to
// the tray.
func (k *Keys) follow(s State) {
	k.mu.Lock()
	defer k.mu.Unlock()
	active := s.Phase != Idle
	switch {
	case active && k.cancel == nil && !k.closed:
		if c, err := k.hk.Key(CancelKey, k.d.Cancel); err == nil {
			k.cancel = c
		}
	case !active && k.cancel != nil:
		k.cancel.Close()
		k.cancel = nil
	}
}

// Close releases the shortcut and the cancel key.
func (k *Keys) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	if k.cancel != nil {
		k.cancel.Close()
		k.cancel = nil
	}
	return k.shortcut.Close()
}
