//go:build !linux && !freebsd && !openbsd && !netbsd && !windows && !darwin

package textinput

import (
	"context"
	"fmt"
	"runtime"
)

// New fails: no inserter on this platform.
func New(ctx context.Context, opts Options) (*Session, error) {
	return nil, fmt.Errorf("%w: not implemented on %s", ErrUnsupported, runtime.GOOS)
}
