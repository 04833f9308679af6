//go:build darwin

package textinput

import "context"

// New returns the CGEvent inserter; its guard is macOS secure event input, which password
// fields turn on while they have the focus.
func New(ctx context.Context, opts Options) (*Session, error) {
	m := NewMac()
	return &Session{impl: m, guard: m, Tool: "CGEvent"}, nil
}
