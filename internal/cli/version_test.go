package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestVersion: version, --version and -V print the app version, the commit, the whisper.cpp
// version the process loaded and the compute backends; --json gives the same as JSON.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-V", "-version"} {
		r := run(t, arg)
		if r.code != ExitOK {
			t.Fatalf("%s: exit %d: %s", arg, r.code, r.stderr)
		}
		for _, want := range []string{"hushscribe " + Version + "\n", "commit:", "whisper.cpp: 1.9.1\n", "backends:", "CPU"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: output %q lacks %q", arg, r.stdout, want)
			}
		}
	}
	r := run(t, "version", "--json")
	var v VersionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != ExitOK {
		t.Fatalf("version --json: exit %d, %v: %q", r.code, err, r.stdout)
	}
	if v.Version != Version || v.Whisper != "1.9.1" || len(v.Backends) == 0 || v.Go == "" {
		t.Fatalf("version --json: %+v", v)
	}
}
