//go:build linux

package textinput

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// need returns the path of tool; under CI a missing tool fails the test instead of skipping it.
func need(t *testing.T, tool string) string {
	t.Helper()
	return testgate.Tool(t, tool)
}

// xvfb starts a private X server for the test and points DISPLAY at it.
func xvfb(t *testing.T) {
	t.Helper()
	need(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "320x240x24")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			t.Fatal("Xvfb did not start")
		}
		t.Setenv("DISPLAY", ":"+n)
		t.Setenv("XDG_SESSION_TYPE", "x11")
	case <-time.After(15 * time.Second):
		t.Fatal("Xvfb did not start in 15 s")
	}
	// A connection held open for the test keeps Xvfb from resetting between clients.
	c, err := xgb.NewConn()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
}

// xclipIn makes xclip own the clipboard with data as target typ; it exits when it loses it.
func xclipIn(t *testing.T, typ string, data []byte) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(need(t, "xclip"), "-selection", "clipboard", "-t", typ, "-i", "-quiet")
	cmd.Stdin = bytes.NewReader(data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if out, err := exec.Command("xclip", "-o", "-selection", "clipboard", "-t", "TARGETS").Output(); err == nil &&
			strings.Contains(string(out), typ) {
			return cmd
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("xclip did not take the clipboard")
	return nil
}

func clipboard(t *testing.T, typ string) []byte {
	t.Helper()
	out, err := exec.Command("xclip", "-o", "-selection", "clipboard", "-t", typ).Output()
	if err != nil {
		t.Fatalf("read the clipboard as %s: %v", typ, err)
	}
	return out
}

func newX11(t *testing.T, m Method) *X11 {
	t.Helper()
	x, err := NewX11(X11Options{Method: m, PasteWait: 300 * time.Millisecond, ModifierWait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// TestX11PasteRestoresEveryFormat: a binary clipboard format is saved and served back byte for byte
// after a paste that no app took (so the text was typed instead).
func TestX11PasteRestoresEveryFormat(t *testing.T) {
	xvfb(t)
	img := make([]byte, 100<<10)
	rand.Read(img)
	xclipIn(t, "image/png", img)
	x := newX11(t, Paste)
	if err := x.Insert(context.Background(), 0, "dictated words"); err != nil {
		t.Fatal(err)
	}
	if got := clipboard(t, "image/png"); !bytes.Equal(got, img) {
		t.Fatalf("the clipboard's image/png came back as %d different bytes", len(got))
	}
	if targets := string(clipboard(t, "TARGETS")); strings.Contains(targets, "UTF8_STRING") {
		t.Errorf("the dictation's text formats stayed on the clipboard: %s", targets)
	}
}

// TestX11PasteEmptyClipboard: a clipboard without owner stays without owner.
func TestX11PasteEmptyClipboard(t *testing.T) {
	xvfb(t)
	x := newX11(t, Paste)
	if err := x.Insert(context.Background(), 0, "dictated words"); err != nil {
		t.Fatal(err)
	}
	o, err := xproto.GetSelectionOwner(x.conn, x.atoms["CLIPBOARD"]).Reply()
	if err != nil || o.Owner != 0 {
		t.Fatalf("clipboard owner after the paste: %v, %v (want none)", o, err)
	}
}

// TestX11PasteLargeClipboardUntouched: contents too large to save (xclip sends them INCR) make the
// paste fall back to typing without ever taking the clipboard.
func TestX11PasteLargeClipboardUntouched(t *testing.T) {
	xvfb(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 40<<10) // 640 KiB
	owner := xclipIn(t, "text/plain", big)
	x := newX11(t, Paste)
	if err := x.Insert(context.Background(), 0, "dictated words"); err != nil {
		t.Fatal(err)
	}
	if owner.ProcessState != nil {
		t.Fatal("xclip lost the clipboard")
	}
	if got := clipboard(t, "text/plain"); !bytes.Equal(got, big) {
		t.Fatalf("the clipboard changed (%d bytes)", len(got))
	}
}

// TestX11PasteHostileOwner: a clipboard owner that never answers costs a timeout, not the
// dictation: the text is typed and the clipboard is left to its owner.
func TestX11PasteHostileOwner(t *testing.T) {
	xvfb(t)
	c, err := xgb.NewConn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	wid, _ := xproto.NewWindowId(c)
	xproto.CreateWindow(c, 0, wid, root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0, 0, nil)
	a, _ := xproto.InternAtom(c, false, 9, "CLIPBOARD").Reply()
	xproto.SetSelectionOwner(c, wid, a.Atom, xproto.TimeCurrentTime)
	c.Sync()
	x := newX11(t, Paste)
	start := time.Now()
	if err := x.Insert(context.Background(), 0, "dictated words"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a silent owner held the dictation for %v", d)
	}
	o, _ := xproto.GetSelectionOwner(x.conn, x.atoms["CLIPBOARD"]).Reply()
	if o.Owner != wid {
		t.Errorf("the clipboard was taken from its owner")
	}
}

// TestX11FocusChanged: text is not typed into a window other than the one that had the focus.
func TestX11FocusChanged(t *testing.T) {
	xvfb(t)
	c, err := xgb.NewConn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	screen := xproto.Setup(c).DefaultScreen(c)
	var wins [2]xproto.Window
	for i := range wins {
		wins[i], _ = xproto.NewWindowId(c)
		xproto.CreateWindow(c, screen.RootDepth, wins[i], screen.Root, int16(10+100*i), 10, 50, 50, 0,
			xproto.WindowClassInputOutput, screen.RootVisual, 0, nil)
		xproto.MapWindow(c, wins[i])
	}
	c.Sync()
	xproto.SetInputFocus(c, xproto.InputFocusParent, wins[0], xproto.TimeCurrentTime)
	c.Sync()
	x := newX11(t, Type)
	w, err := x.Focus(context.Background())
	if err != nil || w != uint64(wins[0]) {
		t.Fatalf("Focus = %d, %v; want %d", w, err, wins[0])
	}
	xproto.SetInputFocus(c, xproto.InputFocusParent, wins[1], xproto.TimeCurrentTime)
	c.Sync()
	if err := x.Insert(context.Background(), w, "words"); !errors.Is(err, ErrFocusChanged) {
		t.Fatalf("Insert after the focus moved: %v, want ErrFocusChanged", err)
	}
	if x.terminal(wins[1]) {
		t.Error("a window without WM_CLASS counts as a terminal")
	}
	// A window whose WM_CLASS names a terminal does.
	xproto.ChangeProperty(c, xproto.PropModeReplace, wins[1], xproto.AtomWmClass, xproto.AtomString, 8, 12, []byte("xterm\x00XTerm\x00"))
	c.Sync()
	if !x.terminal(wins[1]) {
		t.Error("xterm's WM_CLASS is not recognised")
	}
}

// TestX11ModifiersHeld: while Ctrl is down, nothing is typed (it would trigger shortcuts).
func TestX11ModifiersHeld(t *testing.T) {
	xvfb(t)
	x := newX11(t, Type)
	km, err := x.keymap()
	if err != nil {
		t.Fatal(err)
	}
	ctrl := km.Find(0xffe3)
	x.key(ctrl, true)
	x.sync()
	err = x.Insert(context.Background(), 0, "words")
	x.key(ctrl, false)
	x.sync()
	if !errors.Is(err, ErrModifiersHeld) {
		t.Fatalf("Insert with Ctrl held: %v", err)
	}
	if err := x.Insert(context.Background(), 0, "words"); err != nil {
		t.Fatalf("after Ctrl was let go: %v", err)
	}
}
