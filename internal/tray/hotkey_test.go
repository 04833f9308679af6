package tray_test

import (
	"errors"
	"testing"

	"github.com/hushscribe/hushscribe/internal/tray"
)

func TestParseShortcut(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the result; "" = ErrBadHotkey
	}{
		{"Ctrl+Alt+R", "Ctrl+Alt+R"},
		{"ctrl+alt+r", "Ctrl+Alt+R"},
		{" Control + Shift + space ", "Ctrl+Shift+Space"},
		{"Super+F9", "Super+F9"},
		{"cmd+option+enter", "Alt+Super+Return"},
		{"Meta+Shift+Ctrl+Esc", "Ctrl+Shift+Super+Escape"},
		{"Alt+0", "Alt+0"},
		{"Win+Del", "Super+Delete"},
		{"R", ""},           // no modifier
		{"Shift+R", ""},     // Shift alone would swallow typing
		{"Ctrl+Alt+", ""},   // no key
		{"Ctrl+Ctrl+R", ""}, // twice
		{"Hyper+R", ""},     // unknown modifier
		{"Ctrl+F13", ""},    // not on every platform
		{"Ctrl+ä", ""},
		{"", ""},
	}
	for _, tc := range tests {
		s, err := tray.ParseShortcut(tc.in)
		if tc.want == "" {
			if !errors.Is(err, tray.ErrBadHotkey) {
				t.Errorf("ParseShortcut(%q) = %v, %v; want ErrBadHotkey", tc.in, s, err)
			}
			continue
		}
		if err != nil || s.String() != tc.want {
			t.Errorf("ParseShortcut(%q) = %q, %v; want %q", tc.in, s, err, tc.want)
		}
	}
}

func FuzzParseShortcut(f *testing.F) {
	for _, s := range []string{"Ctrl+Alt+R", "super+shift+space", "++", "Ctrl+", "ctrl+alt+f12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := tray.ParseShortcut(spec)
		if err != nil {
			if !errors.Is(err, tray.ErrBadHotkey) {
				t.Fatalf("error %v does not match ErrBadHotkey", err)
			}
			return
		}
		again, err := tray.ParseShortcut(s.String())
		if err != nil || again != s {
			t.Fatalf("%q parsed to %q, which parses to %q, %v", spec, s, again, err)
		}
	})
}
