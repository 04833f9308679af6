package backup

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadState feeds arbitrary bytes as the state file: loadState must return a state or an
// error, never panic.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"format":"hushscribe-backup-state-v1","entries":{"t1":{"object":"o","version":3,"local_hash":"ab"}}}`))
	f.Add([]byte(`{"format":"hushscribe-backup-state-v1","entries":null}`))
	f.Add([]byte(`{"format":"other"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(path)
		if err == nil && (st.Entries == nil || st.Format != stateFormat) {
			t.Fatalf("loadState accepted %q as %+v", data, st)
		}
	})
}
