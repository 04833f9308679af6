package textinput

import (
	"context"
	"errors"
)

// Options choose and configure the platform's inserter.
type Options struct {
	Method Method
	// NoGuard skips the password-field check (AT-SPI on Linux).
	NoGuard bool
}

// Session is the platform's inserter with its password-field guard. It implements
// dictation.Inserter and dictation.Guard.
type Session struct {
	impl  inserter
	guard guard
	// Tool names what inserts ("x11 type", "x11 paste", "wtype", "ydotool", "SendInput",
	// "CGEvent").
	Tool string
	// GuardErr says why password fields cannot be recognised (nil when they can).
	GuardErr error
}

type inserter interface {
	Focus(ctx context.Context) (uint64, error)
	Insert(ctx context.Context, window uint64, text string) error
	Close() error
}

type guard interface {
	SecureInput(ctx context.Context) (bool, error)
}

// errNoGuard: this platform or session cannot tell password fields.
var errNoGuard = errors.New("textinput: cannot recognise password fields here")

// Focus implements dictation.Inserter.
func (s *Session) Focus(ctx context.Context) (uint64, error) { return s.impl.Focus(ctx) }

// Insert implements dictation.Inserter.
func (s *Session) Insert(ctx context.Context, window uint64, text string) error {
	return s.impl.Insert(ctx, window, text)
}

// SecureInput implements dictation.Guard: whether a password field has the focus; an error when
// that cannot be told.
func (s *Session) SecureInput(ctx context.Context) (bool, error) {
	if s.guard == nil {
		if s.GuardErr != nil {
			return false, s.GuardErr
		}
		return false, errNoGuard
	}
	return s.guard.SecureInput(ctx)
}

// Close releases the inserter and the guard.
func (s *Session) Close() error {
	err := s.impl.Close()
	if c, ok := s.guard.(interface{ Close() error }); ok && any(s.guard) != any(s.impl) {
		err = errors.Join(err, c.Close())
	}
	return err
}
