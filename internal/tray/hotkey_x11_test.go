//go:build linux || freebsd || openbsd || netbsd

package tray_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/tray"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// keyboard types on the X server through the XTEST extension, like a user would.
type keyboard struct {
	t    *testing.T
	conn *xgb.Conn
	root xproto.Window
	km   *xproto.GetKeyboardMappingReply
	min  xproto.Keycode
}

func newKeyboard(t *testing.T) *keyboard {
	t.Helper()
	conn, err := xgb.NewConn()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	if err := xtest.Init(conn); err != nil {
		testgate.Missing(t, "the X server has no XTEST extension: %v", err)
	}
	setup := xproto.Setup(conn)
	km, err := xproto.GetKeyboardMapping(conn, setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return &keyboard{t: t, conn: conn, root: setup.DefaultScreen(conn).Root, km: km, min: setup.MinKeycode}
}

func (k *keyboard) keycode(sym xproto.Keysym) byte {
	per := int(k.km.KeysymsPerKeycode)
	for i := 0; i*per < len(k.km.Keysyms); i++ {
		if k.km.Keysyms[i*per] == sym {
			return byte(int(k.min) + i)
		}
	}
	k.t.Fatalf("no keycode for keysym %#x", sym)
	return 0
}

func (k *keyboard) send(typ byte, sym xproto.Keysym) {
	if err := xtest.FakeInputChecked(k.conn, typ, k.keycode(sym), 0, k.root, 0, 0, 0).Check(); err != nil {
		k.t.Fatal(err)
	}
}

const (
	symCtrl = 0xffe3
	symAlt  = 0xffe9
	symR    = 'r'
	symS    = 's'
)

// chord presses the modifiers, taps key (repeats times, as X's auto-repeat sends a held key) and
// releases everything.
func (k *keyboard) chord(key xproto.Keysym, repeats int, mods ...xproto.Keysym) {
	for _, m := range mods {
		k.send(xproto.KeyPress, m)
	}
	k.send(xproto.KeyPress, key)
	for range repeats {
		// unchecked, so that both go out in one write, as the server's own repeats come together
		xtest.FakeInput(k.conn, xproto.KeyRelease, k.keycode(key), 0, k.root, 0, 0, 0)
		xtest.FakeInput(k.conn, xproto.KeyPress, k.keycode(key), 0, k.root, 0, 0, 0)
		k.conn.Sync()
	}
	k.send(xproto.KeyRelease, key)
	for i := len(mods) - 1; i >= 0; i-- {
		k.send(xproto.KeyRelease, mods[i])
	}
	k.conn.Sync()
}

func TestHotkeyX11(t *testing.T) {
	xDisplay(t)
	pressed := make(chan struct{}, 16)
	hk, err := tray.RegisterHotkey("Ctrl+Alt+R", func() { pressed <- struct{}{} })
	if errors.Is(err, tray.ErrHotkeyUnsupported) {
		testgate.Missing(t, "no global hotkey here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer hk.Close()

	if _, err := tray.RegisterHotkey("ctrl+alt+r", func() {}); !errors.Is(err, tray.ErrHotkeyTaken) {
		t.Errorf("second grab of the same shortcut: %v, want ErrHotkeyTaken", err)
	}

	kb := newKeyboard(t)
	count := func(wait time.Duration) int {
		n := 0
		deadline := time.After(wait)
		for {
			select {
			case <-pressed:
				n++
			case <-deadline:
				return n
			}
		}
	}
	kb.chord(symR, 0, symCtrl, symAlt)
	if n := count(time.Second); n != 1 {
		t.Fatalf("Ctrl+Alt+R pressed once: fn called %d times", n)
	}
	kb.chord(symR, 5, symCtrl, symAlt) // held down: one call
	if n := count(500 * time.Millisecond); n != 1 {
		t.Errorf("Ctrl+Alt+R held with 5 repeats: fn called %d times, want 1", n)
	}
	kb.chord(symR, 0, symCtrl) // other modifiers
	kb.chord(symS, 0, symCtrl, symAlt)
	if n := count(500 * time.Millisecond); n != 0 {
		t.Errorf("other chords called fn %d times", n)
	}

	if err := hk.Close(); err != nil {
		t.Fatal(err)
	}
	kb.chord(symR, 0, symCtrl, symAlt)
	if n := count(300 * time.Millisecond); n != 0 {
		t.Errorf("fn called %d times after Close", n)
	}
	again, err := tray.RegisterHotkey("Ctrl+Alt+R", func() {})
	if err != nil {
		t.Fatalf("register after Close: %v", err)
	}
	again.Close()
}

func TestHotkeyWaylandRefused(t *testing.T) {
	t.Setenv("XDG_SESSION_TYPE", "wayland")
	_, err := tray.RegisterHotkey("Ctrl+Alt+R", func() {})
	if !errors.Is(err, tray.ErrHotkeyUnsupported) {
		t.Fatalf("Wayland session: %v, want ErrHotkeyUnsupported", err)
	}
	t.Log(err)
}

// TestHoldHotkeyX11: push-to-talk sees one press and one release per hold, however many
// auto-repeat pairs come between, also when the modifiers are let go before the key.
func TestHoldHotkeyX11(t *testing.T) {
	xDisplay(t)
	kb := newKeyboard(t)
	events := make(chan string, 32)
	hk, err := tray.RegisterHoldHotkey("Ctrl+Alt+D", func() { events <- "down" }, func() { events <- "up" })
	if errors.Is(err, tray.ErrHotkeyUnsupported) {
		testgate.Missing(t, "no global hotkey here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer hk.Close()
	got := func(wait time.Duration) []string {
		var out []string
		deadline := time.After(wait)
		for {
			select {
			case e := <-events:
				out = append(out, e)
			case <-deadline:
				return out
			}
		}
	}
	const symD = 'd'
	kb.chord(symD, 0, symCtrl, symAlt)
	if g := got(500 * time.Millisecond); len(g) != 2 || g[0] != "down" || g[1] != "up" {
		t.Errorf("tap: %v, want [down up]", g)
	}
	kb.chord(symD, 8, symCtrl, symAlt)
	if g := got(500 * time.Millisecond); len(g) != 2 || g[0] != "down" || g[1] != "up" {
		t.Errorf("held with 8 repeats: %v, want [down up]", g)
	}
	// Modifiers up first, then the key.
	kb.send(xproto.KeyPress, symCtrl)
	kb.send(xproto.KeyPress, symAlt)
	kb.send(xproto.KeyPress, symD)
	kb.send(xproto.KeyRelease, symAlt)
	kb.send(xproto.KeyRelease, symCtrl)
	if g := got(300 * time.Millisecond); len(g) != 1 || g[0] != "down" {
		t.Errorf("held: %v, want [down]", g)
	}
	kb.send(xproto.KeyRelease, symD)
	if g := got(300 * time.Millisecond); len(g) != 1 || g[0] != "up" {
		t.Errorf("released after the modifiers: %v, want [up]", g)
	}
}

// TestRegisterKeyX11: the cancel key is taken with any modifiers while registered, and given back.
func TestRegisterKeyX11(t *testing.T) {
	xDisplay(t)
	kb := newKeyboard(t) // first: a connection held open keeps Xvfb from resetting between tests
	pressed := make(chan struct{}, 16)
	hk, err := tray.RegisterKey("Escape", func() { pressed <- struct{}{} })
	if errors.Is(err, tray.ErrHotkeyUnsupported) {
		testgate.Missing(t, "no global hotkey here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	const symEscape = 0xff1b
	kb.chord(symEscape, 0)
	time.Sleep(100 * time.Millisecond) // no hand presses a key twice within the auto-repeat gap
	kb.chord(symEscape, 0, symCtrl)
	n := 0
	for deadline := time.After(500 * time.Millisecond); ; {
		select {
		case <-pressed:
			n++
			continue
		case <-deadline:
		}
		break
	}
	if n != 2 {
		t.Errorf("Escape and Ctrl+Escape: %d calls, want 2", n)
	}
	hk.Close()
	kb.chord(symEscape, 0)
	select {
	case <-pressed:
		t.Error("called after Close")
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := tray.RegisterKey("Hyper", func() {}); !errors.Is(err, tray.ErrBadHotkey) {
		t.Errorf("unknown key: %v", err)
	}
}
