//go:build windows

package textinput

import (
	"context"
	"errors"
)

// New returns the SendInput inserter. Windows offers no cheap password-field check to a
// non-accessibility client here; GuardErr says so (dictation then types anyway; Windows itself
// keeps password boxes of elevated apps out of reach).
func New(ctx context.Context, opts Options) (*Session, error) {
	return &Session{impl: NewWindows(), Tool: "SendInput",
		GuardErr: errors.New("textinput: password fields are not recognised on Windows")}, nil
}
