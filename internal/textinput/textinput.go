// Package textinput puts text into the application that has the keyboard focus, as if the user had
// typed or pasted it. It implements dictation.Inserter on each platform:
//
//   - X11 (X11): typing through the XTEST extension, where characters missing from the keyboard
//     map are typed by remapping spare keycodes to their Unicode keysyms with ChangeKeyboardMapping
//     (X11 protocol, section "Keyboards"; keysyms 0x01000000+U per X11 keysymdef.h), and restoring
//     the map afterwards (Auto pastes a text that would need several remaps); or pasting: the text is offered as the CLIPBOARD (and PRIMARY for
//     terminals) selection per ICCCM section 2, Ctrl+V (Shift+Insert in terminals, recognised by
//     WM_CLASS) is pressed, and the previous selection contents (every target) are put back.
//   - Wayland (Wayland): wtype (virtual-keyboard protocol: wlroots compositors, KDE) or ydotool
//     (uinput, any compositor, needs its daemon), else ErrUnsupported so that the caller falls back
//     to the clipboard and says why.
//   - Windows (SendInput with KEYEVENTF_UNICODE) and macOS (CGEventKeyboardSetUnicodeString; the
//     app needs the Accessibility permission).
//
// Fake records what it is given, for tests of callers.
package textinput

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Errors.
var (
	// ErrFocusChanged means the window that had the focus when the dictation began no longer has it;
	// nothing was inserted.
	ErrFocusChanged = errors.New("textinput: the focus moved to another window")
	// ErrUnsupported means this session offers no way to insert text; the error says why.
	ErrUnsupported = errors.New("textinput: cannot insert text here")
	// ErrModifiersHeld means modifier keys (Ctrl, Alt, ...) stayed down; typing would have
	// triggered shortcuts in the target app, so nothing was typed.
	ErrModifiersHeld = errors.New("textinput: modifier keys are held down")
	// ErrBadMethod is returned for an unknown Method name.
	ErrBadMethod = errors.New("textinput: unknown insert method")
)

// Method is how text is inserted.
type Method string

const (
	// Auto types on X11 (works in GTK, Qt, browsers and terminals and leaves the clipboard alone),
	// pasting only texts with more distinct characters missing from the keyboard than there are
	// spare keycodes, and picks the best tool on Wayland.
	Auto Method = "auto"
	// Type sends key events for each character.
	Type Method = "type"
	// Paste puts the text on the clipboard, presses the paste shortcut and restores the clipboard.
	Paste Method = "paste"
)

// ParseMethod reads "auto" (or ""), "type" and "paste".
func ParseMethod(s string) (Method, error) {
	switch m := Method(strings.ToLower(strings.TrimSpace(s))); m {
	case "", Auto:
		return Auto, nil
	case Type, Paste:
		return m, nil
	}
	return "", fmt.Errorf("%w: %q (want auto, type or paste)", ErrBadMethod, s)
}

// Fake is an in-memory inserter: Focus returns FocusWindow (or FocusErr), Insert appends to Texts
// (or returns InsertErr, or ErrFocusChanged when window is not FocusWindow and Moved is set).
type Fake struct {
	mu          sync.Mutex
	FocusWindow uint64
	FocusErr    error
	InsertErr   error
	// Moved simulates the user switching windows before the insertion.
	Moved bool
	texts []string
	// Inserted, when set, is called after each successful Insert.
	Inserted func(text string)
}

// Focus implements dictation.Inserter.
func (f *Fake) Focus(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.FocusWindow, f.FocusErr
}

// Insert implements dictation.Inserter.
func (f *Fake) Insert(ctx context.Context, window uint64, text string) error {
	f.mu.Lock()
	if err := ctx.Err(); err != nil {
		f.mu.Unlock()
		return err
	}
	if f.InsertErr != nil {
		err := f.InsertErr
		f.mu.Unlock()
		return err
	}
	if f.Moved {
		f.mu.Unlock()
		return ErrFocusChanged
	}
	f.texts = append(f.texts, text)
	cb := f.Inserted
	f.mu.Unlock()
	if cb != nil {
		cb(text)
	}
	return nil
}

// Texts returns what was inserted, in order.
func (f *Fake) Texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.texts...)
}

// SetMoved sets Moved under the lock.
func (f *Fake) SetMoved(m bool) {
	f.mu.Lock()
	f.Moved = m
	f.mu.Unlock()
}

// terminalClasses are WM_CLASS names (lower case) of terminal emulators, which paste with
// Shift+Insert (or Ctrl+Shift+V) rather than Ctrl+V, which they send to the program as ^V.
var terminalClasses = map[string]bool{
	"xterm": true, "uxterm": true, "urxvt": true, "rxvt": true, "st": true, "st-256color": true,
	"gnome-terminal": true, "gnome-terminal-server": true, "konsole": true, "xfce4-terminal": true,
	"terminator": true, "tilix": true, "alacritty": true, "kitty": true, "wezterm": true,
	"wezterm-gui": true, "foot": true, "lxterminal": true, "mate-terminal": true, "qterminal": true,
	"guake": true, "yakuake": true, "sakura": true, "terminology": true, "eterm": true,
	"org.gnome.console": true, "kgx": true, "ptyxis": true, "blackbox": true, "cool-retro-term": true,
	"ghostty": true, "com.mitchellh.ghostty": true, "x-terminal-emulator": true,
}

// IsTerminal reports whether a window with this WM_CLASS (instance and class, either may be "")
// is a terminal emulator.
func IsTerminal(instance, class string) bool {
	return terminalClasses[strings.ToLower(instance)] || terminalClasses[strings.ToLower(class)]
}

// ParseWMClass splits a WM_CLASS property value (two NUL-terminated strings) into instance and
// class. Missing parts are "".
func ParseWMClass(b []byte) (instance, class string) {
	parts := strings.SplitN(string(b), "\x00", 3)
	if len(parts) > 0 {
		instance = parts[0]
	}
	if len(parts) > 1 {
		class = parts[1]
	}
	return instance, class
}
