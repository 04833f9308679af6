package tray

import (
	"errors"
	"fmt"
	"strings"
)

// Hotkey errors.
var (
	// ErrBadHotkey is returned for a shortcut ParseShortcut does not understand.
	ErrBadHotkey = errors.New("tray: bad hotkey")
	// ErrHotkeyTaken means another program already holds the shortcut.
	ErrHotkeyTaken = errors.New("tray: hotkey already taken by another program")
	// ErrHotkeyUnsupported means this platform or session allows no global hotkey for us; the
	// error says why (e.g. a Wayland session, or no X display).
	ErrHotkeyUnsupported = errors.New("tray: global hotkeys unavailable")
)

// Shortcut is a parsed key combination.
type Shortcut struct {
	Ctrl, Shift, Alt, Super bool
	// Key is the canonical key name: "A".."Z", "0".."9", "F1".."F12", "Space", "Return",
	// "Escape", "Tab", "Delete", "Left", "Right", "Up", "Down".
	Key string
}

// String formats s the way ParseShortcut reads it, e.g. "Ctrl+Alt+R".
func (s Shortcut) String() string {
	var parts []string
	for _, m := range []struct {
		on   bool
		name string
	}{{s.Ctrl, "Ctrl"}, {s.Alt, "Alt"}, {s.Shift, "Shift"}, {s.Super, "Super"}} {
		if m.on {
			parts = append(parts, m.name)
		}
	}
	return strings.Join(append(parts, s.Key), "+")
}

// keyNames maps accepted spellings (lower case) to canonical key names. Only keys that every
// platform backend can grab are listed.
var keyNames = func() map[string]string {
	m := map[string]string{
		"space": "Space", "return": "Return", "enter": "Return", "escape": "Escape", "esc": "Escape",
		"tab": "Tab", "delete": "Delete", "del": "Delete",
		"left": "Left", "right": "Right", "up": "Up", "down": "Down",
	}
	for c := 'a'; c <= 'z'; c++ {
		m[string(c)] = strings.ToUpper(string(c))
	}
	for c := '0'; c <= '9'; c++ {
		m[string(c)] = string(c)
	}
	for i := 1; i <= 12; i++ {
		m[fmt.Sprintf("f%d", i)] = fmt.Sprintf("F%d", i)
	}
	return m
}()

// ParseShortcut reads a combination like "Ctrl+Alt+R" or "super+shift+space": modifiers (Ctrl or
// Control, Shift, Alt or Option, Super or Meta or Win or Cmd) and one key, joined by "+". A global
// hotkey needs at least one of Ctrl, Alt and Super.
func ParseShortcut(spec string) (Shortcut, error) {
	var s Shortcut
	parts := strings.Split(spec, "+")
	for i, p := range parts {
		p = strings.ToLower(strings.TrimSpace(p))
		if i == len(parts)-1 {
			k, ok := keyNames[p]
			if !ok {
				return Shortcut{}, fmt.Errorf("%w: %q: unknown key %q", ErrBadHotkey, spec, p)
			}
			s.Key = k
			break
		}
		var m *bool
		switch p {
		case "ctrl", "control":
			m = &s.Ctrl
		case "shift":
			m = &s.Shift
		case "alt", "option":
			m = &s.Alt
		case "super", "meta", "win", "cmd", "command":
			m = &s.Super
		default:
			return Shortcut{}, fmt.Errorf("%w: %q: unknown modifier %q", ErrBadHotkey, spec, p)
		}
		if *m {
			return Shortcut{}, fmt.Errorf("%w: %q: modifier %q twice", ErrBadHotkey, spec, p)
		}
		*m = true
	}
	if !s.Ctrl && !s.Alt && !s.Super {
		return Shortcut{}, fmt.Errorf("%w: %q: needs Ctrl, Alt or Super, or it would swallow normal typing", ErrBadHotkey, spec)
	}
	return s, nil
}

// Hotkey is a registered global hotkey.
type Hotkey struct {
	Shortcut Shortcut
	impl     hotkeyImpl
}

type hotkeyImpl interface{ close() error }

// RegisterHotkey grabs the shortcut system-wide and calls fn (on one goroutine, one call at a
// time) each time it is pressed; holding the keys down does not repeat. Where the platform allows
// no global hotkey it returns an error matching ErrHotkeyUnsupported that says why.
//
// Platforms: Windows (RegisterHotKey) and macOS (Carbon RegisterEventHotKey; the Cocoa main loop
// must already run, as it does in Wails after start-up), both through golang.design/x/hotkey; on
// Linux and the BSDs an X11 key grab on the root window through a connection of our own
// (github.com/jezek/xgb, no cgo), in X11 sessions only: Wayland compositors give no global key
// grabs to applications (bind a desktop shortcut to the app instead).
func RegisterHotkey(spec string, fn func()) (*Hotkey, error) {
	s, err := ParseShortcut(spec)
	if err != nil {
		return nil, err
	}
	impl, err := registerHotkey(s, hotkeyFuncs{down: fn})
	if err != nil {
		return nil, err
	}
	return &Hotkey{Shortcut: s, impl: impl}, nil
}

// hotkeyFuncs are a hotkey's callbacks; nil ones are not called. any grabs the key with any
// modifiers (the cancel key).
type hotkeyFuncs struct {
	down, up func()
	any      bool
}

// RegisterHoldHotkey is RegisterHotkey for push-to-talk: down is called when the shortcut is
// pressed and up when its key is released (a held key's auto-repeat calls neither), on one
// goroutine, one call at a time.
func RegisterHoldHotkey(spec string, down, up func()) (*Hotkey, error) {
	s, err := ParseShortcut(spec)
	if err != nil {
		return nil, err
	}
	impl, err := registerHotkey(s, hotkeyFuncs{down: down, up: up})
	if err != nil {
		return nil, err
	}
	return &Hotkey{Shortcut: s, impl: impl}, nil
}

// RegisterKey grabs a single key ("Escape") system-wide, with whatever modifiers are held, until
// Close: for a cancel key that is only taken while there is something to cancel. fn is called on
// each press (not on auto-repeat).
func RegisterKey(key string, fn func()) (*Hotkey, error) {
	k, ok := keyNames[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key %q", ErrBadHotkey, key)
	}
	s := Shortcut{Key: k}
	impl, err := registerHotkey(s, hotkeyFuncs{down: fn, any: true})
	if err != nil {
		return nil, err
	}
	return &Hotkey{Shortcut: s, impl: impl}, nil
}

// Close releases the hotkey.
func (h *Hotkey) Close() error { return h.impl.close() }
