//go:build linux || freebsd || openbsd || netbsd

package textinput

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWaylandWithoutTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("XDG_CURRENT_DESKTOP", "GNOME")
	t.Setenv("YDOTOOL_SOCKET", "")
	_, err := NewWayland()
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "ydotool") || !strings.Contains(err.Error(), "GNOME") {
		t.Fatalf("GNOME without tools: %v", err)
	}
	t.Setenv("XDG_CURRENT_DESKTOP", "KDE")
	if _, err := NewWayland(); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "wtype") {
		t.Fatalf("KDE without tools: %v", err)
	}
}

// fakeTool writes a script named name that records its arguments and standard input.
func fakeTool(t *testing.T, dir, name string) string {
	t.Helper()
	log := filepath.Join(dir, name+".log")
	script := "#!/bin/sh\necho \"$@\" > " + log + ".args\n/bin/cat > " + log + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return log
}

func TestWaylandTools(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	t.Setenv("XDG_CURRENT_DESKTOP", "sway")
	wlog := fakeTool(t, dir, "wtype")
	w, err := NewWayland()
	if err != nil || w.Tool != "wtype" {
		t.Fatalf("NewWayland = %+v, %v", w, err)
	}
	text := "Grüße 你好\x07 secret words\n"
	if err := w.Insert(context.Background(), 0, text); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(wlog)
	args, _ := os.ReadFile(wlog + ".args")
	if string(got) != "Grüße 你好 secret words\n" {
		t.Errorf("wtype got %q on stdin", got)
	}
	if strings.Contains(string(args), "secret") {
		t.Errorf("the text was on the command line: %q", args)
	}

	// GNOME: wtype cannot work there; ydotool with its daemon's socket can, ASCII only.
	t.Setenv("XDG_CURRENT_DESKTOP", "GNOME")
	sock := filepath.Join(dir, "sock")
	os.WriteFile(sock, nil, 0o600)
	t.Setenv("YDOTOOL_SOCKET", sock)
	ylog := fakeTool(t, dir, "ydotool")
	y, err := NewWayland()
	if err != nil || y.Tool != "ydotool" {
		t.Fatalf("NewWayland on GNOME = %+v, %v", y, err)
	}
	if err := y.Insert(context.Background(), 0, "plain text"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(ylog); string(got) != "plain text" {
		t.Errorf("ydotool got %q", got)
	}
	if err := y.Insert(context.Background(), 0, "Grüße"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ydotool with non-ASCII: %v", err)
	}
	// A failing tool's error says what it said.
	os.WriteFile(filepath.Join(dir, "ydotool"), []byte("#!/bin/sh\necho 'failed to connect socket' >&2\nexit 2\n"), 0o755)
	if err := y.Insert(context.Background(), 0, "x"); err == nil || !strings.Contains(err.Error(), "failed to connect socket") {
		t.Errorf("failing tool: %v", err)
	}
}
