//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package modelmgr

import "context"

// lockFile is a no-op where no file locking is available; the in-process
// lock still serialises one Manager.
func lockFile(ctx context.Context, path string) (release func(), err error) {
	return func() {}, nil
}
