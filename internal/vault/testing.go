package vault

import "testing"

// TestingParams returns fast, insecure key derivation parameters for tests of this and other packages
// (a test of the library store, for example). Blobs written with them are readable only inside test
// binaries: outside a test binary the low iteration count is refused with ErrWeakParams, and
// TestingParams itself returns DefaultParams.
func TestingParams() Params {
	if !inTest() {
		return DefaultParams()
	}
	return Params{Iterations: testingIterations}
}

// inTest reports whether this is a test binary (go test), where the testingIterations escape hatch
// is open.
func inTest() bool { return testing.Testing() }
