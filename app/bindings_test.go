package app_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/internal/bindgen"
)

var update = flag.Bool("update", false, "rewrite the checked-in wailsjs bindings")

// wailsjs is where the page's generated bindings live.
const wailsjs = "../frontend/wailsjs"

// TestBindings checks that the checked-in frontend/wailsjs bindings match the bound methods of
// app.App; run `go test ./app -run TestBindings -update` (or build/wails-bindings.sh) after changing
// a bound method or one of its types.
func TestBindings(t *testing.T) {
	files, err := bindgen.Generate(&app.App{}, bindgen.Options{Exempt: app.Unbound, Extra: app.EventPayloads})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		path := filepath.Join(wailsjs, filepath.FromSlash(n))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, files[n], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./app -run TestBindings -update)", err)
		}
		if !bytes.Equal(got, files[n]) {
			t.Errorf("%s is stale: run go test ./app -run TestBindings -update", path)
		}
	}
}
