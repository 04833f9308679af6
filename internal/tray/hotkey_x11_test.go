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
