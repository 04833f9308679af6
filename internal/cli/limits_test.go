package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/export"
	"github.com/hushscribe/hushscribe/internal/sealedfile"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// TestTooLongIsBadInput: audio over the decoder's cap (audio.ErrTooLong, a decompression bomb) is
// the input's fault: exit code 3.
func TestTooLongIsBadInput(t *testing.T) {
	err := fmt.Errorf("bomb.flac: decode flac: %w: more than 12h0m0s", audio.ErrTooLong)
	if got := classify(err); got != ExitBadInput {
		t.Fatalf("classify(%v) = %d, want %d", err, got, ExitBadInput)
	}
}

// TestPasswordProtectedResult: with -password-file the result is a sealed file (<name>.<ext>.hsenc,
// readable by the user only) that holds none of the text and opens with the password; a short
// password is a usage error.
func TestPasswordProtectedResult(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("export password 1\n"), 0o600)
	pw, err := readPassword(pwFile)
	if err != nil || string(pw) != "export password 1" {
		t.Fatalf("readPassword = %q, %v", pw, err)
	}
	tr := &transcript.Transcript{Segments: []transcript.Segment{{End: time.Second, Text: "The zanzibarquokka diagnosis."}}}
	out := filepath.Join(dir, "out")
	if err := writeResult(nil, out, "/x/call.m4a", tr, export.SRT, export.Options{}, pw); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "call.srt"+sealedfile.Ext)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if bytes.Contains(b, []byte("zanzibarquokka")) {
		t.Fatal("text in the sealed result")
	}
	if plain, err := sealedfile.Open(pw, b); err != nil || !bytes.Contains(plain, []byte("zanzibarquokka")) {
		t.Fatalf("open: %v", err)
	}
	os.WriteFile(pwFile, []byte("short\n"), 0o600)
	if _, err := readPassword(pwFile); classify(err) != ExitUsage {
		t.Errorf("short password: %v", err)
	}
	var stdout bytes.Buffer
	if err := writeResult(&stdout, "", "call.m4a", tr, export.TXT, export.Options{}, pw); err != nil || bytes.Contains(stdout.Bytes(), []byte("zanzibarquokka")) {
		t.Errorf("stdout sealed: %v", err)
	}
}
