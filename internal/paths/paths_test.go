package paths

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestResolve(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"explicit", map[string]string{"HUSHSCRIBE_HOME": "/x/hs", "HOME": "/home/u"}, "/x/hs"},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests,
			struct {
				name string
				env  map[string]string
				want string
			}{"xdg", map[string]string{"XDG_DATA_HOME": "/d", "HOME": "/home/u"}, "/d/hushscribe"},
			struct {
				name string
				env  map[string]string
				want string
			}{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/hushscribe"},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Resolve(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if d.Root != tc.want {
				t.Fatalf("root = %q, want %q", d.Root, tc.want)
			}
			if d.Library != filepath.Join(tc.want, "library.db") || d.Models != filepath.Join(tc.want, "models") {
				t.Fatalf("layout = %+v", d)
			}
		})
	}
}
