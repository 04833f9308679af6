package cli

import (
	"fmt"
	"testing"

	"github.com/hushscribe/hushscribe/internal/audio"
)

// TestTooLongIsBadInput: audio over the decoder's cap (audio.ErrTooLong, a decompression bomb) is
// the input's fault: exit code 3.
func TestTooLongIsBadInput(t *testing.T) {
	err := fmt.Errorf("bomb.flac: decode flac: %w: more than 12h0m0s", audio.ErrTooLong)
	if got := classify(err); got != ExitBadInput {
		t.Fatalf("classify(%v) = %d, want %d", err, got, ExitBadInput)
	}
}
