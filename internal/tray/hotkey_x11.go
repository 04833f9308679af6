//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// x11Keysyms are the X keysyms of the canonical key names.
var x11Keysyms = func() map[string]xproto.Keysym {
	m := map[string]xproto.Keysym{
		"Space": 0x0020, "Return": 0xff0d, "Escape": 0xff1b, "Tab": 0xff09, "Delete": 0xffff,
		"Left": 0xff51, "Up": 0xff52, "Right": 0xff53, "Down": 0xff54,
	}
	for c := 'A'; c <= 'Z'; c++ {
		m[string(c)] = xproto.Keysym(c - 'A' + 'a')
	}
	for c := '0'; c <= '9'; c++ {
		m[string(c)] = xproto.Keysym(c)
	}
	for i := 1; i <= 12; i++ {
		m[fmt.Sprintf("F%d", i)] = xproto.Keysym(0xffbe + i - 1)
	}
	return m
}()

// quietXGB silences xgb's package logger once: it prints to stderr on every connection
// ("Could not get authority info") and on Close.
var quietXGB sync.Once

// lockMasks are the modifiers that must not matter: Caps Lock and (usually) Num Lock.
var lockMasks = []uint16{0, xproto.ModMaskLock, xproto.ModMask2, xproto.ModMaskLock | xproto.ModMask2}

type x11Hotkey struct {
	conn    *xgb.Conn
	root    xproto.Window
	keycode xproto.Keycode
	mods    uint16
	done    chan struct{}
	once    sync.Once
	any     bool // grabbed with AnyModifier
}

// masks are the modifier combinations grabbed.
func (h *x11Hotkey) masks() []uint16 {
	if h.any {
		return []uint16{xproto.ModMaskAny}
	}
	out := make([]uint16, len(lockMasks))
	for i, l := range lockMasks {
		out[i] = h.mods | l
	}
	return out
}

func registerHotkey(s Shortcut, fns hotkeyFuncs) (hotkeyImpl, error) {
	if os.Getenv("XDG_SESSION_TYPE") == "wayland" || (os.Getenv("WAYLAND_DISPLAY") != "" && os.Getenv("DISPLAY") == "") {
		return nil, fmt.Errorf("%w: this is a Wayland session, where applications cannot grab keys globally; "+
			"bind %s to Hushscribe in the desktop's keyboard settings instead", ErrHotkeyUnsupported, s)
	}
	quietXGB.Do(func() { xgb.Logger.SetOutput(io.Discard) }) // it logs every connection attempt
	conn, err := xgb.NewConn()
	if err != nil {
		return nil, fmt.Errorf("%w: no X11 display: %v", ErrHotkeyUnsupported, err)
	}
	h := &x11Hotkey{conn: conn, done: make(chan struct{}), any: fns.any}
	if err := h.grab(s); err != nil {
		conn.Close()
		return nil, err
	}
	go h.loop(fns)
	return h, nil
}

func (h *x11Hotkey) grab(s Shortcut) error {
	setup := xproto.Setup(h.conn)
	h.root = setup.DefaultScreen(h.conn).Root
	first, last := setup.MinKeycode, setup.MaxKeycode
	km, err := xproto.GetKeyboardMapping(h.conn, first, byte(last-first+1)).Reply()
	if err != nil {
		return fmt.Errorf("%w: read the keyboard map: %v", ErrHotkeyUnsupported, err)
	}
	want := x11Keysyms[s.Key]
	per := int(km.KeysymsPerKeycode)
	found := false
	for i := 0; i*per < len(km.Keysyms) && !found; i++ {
		for j := 0; j < per && j < 2; j++ { // unshifted and shifted level
			if km.Keysyms[i*per+j] == want {
				h.keycode, found = xproto.Keycode(int(first)+i), true
				break
			}
		}
	}
	if !found {
		return fmt.Errorf("%w: the keyboard has no key %s", ErrBadHotkey, s.Key)
	}
	if s.Ctrl {
		h.mods |= xproto.ModMaskControl
	}
	if s.Shift {
		h.mods |= xproto.ModMaskShift
	}
	if s.Alt {
		h.mods |= xproto.ModMask1
	}
	if s.Super {
		h.mods |= xproto.ModMask4
	}
	masks := h.masks()
	for i, m := range masks {
		err := xproto.GrabKeyChecked(h.conn, true, h.root, m, h.keycode,
			xproto.GrabModeAsync, xproto.GrabModeAsync).Check()
		if err != nil {
			for _, l := range masks[:i] {
				xproto.UngrabKey(h.conn, h.keycode, h.root, l)
			}
			var access xproto.AccessError
			if errors.As(err, &access) {
				return fmt.Errorf("%w: %s", ErrHotkeyTaken, s)
			}
			return fmt.Errorf("%w: grab %s: %v", ErrHotkeyUnsupported, s, err)
		}
	}
	return nil
}

// repeatGap is the longest time between a key release and the next press of the same key that
// counts as auto-repeat, in X server milliseconds.
const repeatGap = 30

// releaseWait is how long a release is held back to see whether an auto-repeat press follows it
// (X sends the pair together, so it is already on its way).
const releaseWait = 40 * time.Millisecond

func (h *x11Hotkey) loop(fns hotkeyFuncs) {
	defer close(h.done)
	events := make(chan xgb.Event, 16)
	go func() {
		defer close(events)
		for {
			ev, err := h.conn.WaitForEvent()
			if ev == nil && err == nil {
				return // connection closed
			}
			if ev != nil {
				events <- ev
			}
		}
	}()
	const relevant = xproto.ModMaskControl | xproto.ModMaskShift | xproto.ModMask1 | xproto.ModMask4
	down := false
	var lastRelease xproto.Timestamp
	var pending <-chan time.Time // a release not yet reported
	for {
		select {
		case <-pending:
			pending = nil
			if fns.up != nil {
				fns.up()
			}
			continue
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch e := ev.(type) {
			case xproto.KeyPressEvent:
				if e.Detail != h.keycode || (!h.any && e.State&relevant != h.mods) {
					continue
				}
				// X repeats a held key as release+press pairs with one timestamp; no hand releases
				// and presses a key again within repeatGap.
				repeat := down || (lastRelease != 0 && e.Time-lastRelease < repeatGap)
				down = true
				if repeat && pending != nil {
					pending = nil // the release was auto-repeat's
				}
				if !repeat && fns.down != nil {
					fns.down()
				}
			case xproto.KeyReleaseEvent:
				if e.Detail == h.keycode && down {
					down, lastRelease = false, e.Time
					pending = time.After(releaseWait)
				}
			}
		}
	}
}

func (h *x11Hotkey) close() error {
	h.once.Do(func() {
		for _, m := range h.masks() {
			xproto.UngrabKey(h.conn, h.keycode, h.root, m)
		}
		h.conn.Sync()
		h.conn.Close()
		<-h.done
	})
	return nil
}
