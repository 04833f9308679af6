//go:build linux || freebsd || openbsd || netbsd

package textinput

import (
	"context"
	"os"
)

// WaylandSession reports whether this is a Wayland session (where X11 key events reach only
// XWayland windows).
func WaylandSession() bool {
	return os.Getenv("XDG_SESSION_TYPE") == "wayland" || (os.Getenv("WAYLAND_DISPLAY") != "" && os.Getenv("DISPLAY") == "")
}

// New returns the inserter for this session: X11 (XTEST typing or paste) or, in a Wayland
// session, wtype or ydotool. It fails with ErrUnsupported, saying why, where none works. The
// password-field guard is AT-SPI; where the accessibility bus is missing GuardErr says so.
func New(ctx context.Context, opts Options) (*Session, error) {
	s := &Session{}
	if WaylandSession() {
		w, err := NewWayland()
		if err != nil {
			return nil, err
		}
		s.impl, s.Tool = w, w.Tool
	} else {
		x, err := NewX11(X11Options{Method: opts.Method})
		if err != nil {
			return nil, err
		}
		s.impl, s.Tool = x, "x11 type"
		if opts.Method == Paste {
			s.Tool = "x11 paste"
		}
	}
	if !opts.NoGuard {
		g, err := NewATSPI(ctx)
		if err != nil {
			s.GuardErr = err
		} else {
			s.guard = g
		}
	}
	return s, nil
}
