//go:build darwin

package textinput

/*
#cgo LDFLAGS: -framework ApplicationServices -framework Carbon
#include <ApplicationServices/ApplicationServices.h>
#include <Carbon/Carbon.h>

// typeChunk posts a key down and up carrying up to 20 UTF-16 units (CGEventKeyboardSetUnicodeString
// takes at most 20 per event).
static int typeChunk(const UniChar *s, int n) {
	CGEventRef down = CGEventCreateKeyboardEvent(NULL, 0, true);
	CGEventRef up = CGEventCreateKeyboardEvent(NULL, 0, false);
	if (!down || !up) {
		if (down) CFRelease(down);
		if (up) CFRelease(up);
		return -1;
	}
	CGEventSetFlags(down, 0);
	CGEventSetFlags(up, 0);
	CGEventKeyboardSetUnicodeString(down, n, s);
	CGEventKeyboardSetUnicodeString(up, n, s);
	CGEventPost(kCGHIDEventTap, down);
	CGEventPost(kCGHIDEventTap, up);
	CFRelease(down);
	CFRelease(up);
	return 0;
}

static int trusted(void) { return AXIsProcessTrusted() ? 1 : 0; }
static int secureInput(void) { return IsSecureEventInputEnabled() ? 1 : 0; }
static int modifiersHeld(void) {
	CGEventFlags f = CGEventSourceFlagsState(kCGEventSourceStateHIDSystemState);
	return (f & (kCGEventFlagMaskShift | kCGEventFlagMaskControl | kCGEventFlagMaskAlternate | kCGEventFlagMaskCommand)) != 0;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"
)

// ErrAccessibility means macOS has not granted Hushscribe the Accessibility permission, without
// which it may not send key events to other apps: System Settings > Privacy & Security >
// Accessibility, turn Hushscribe on (macOS asks the first time).
var ErrAccessibility = errors.New("textinput: macOS has not granted Hushscribe the Accessibility permission " +
	"(System Settings > Privacy & Security > Accessibility)")

// Mac types text with CGEvents that carry Unicode strings (CGEventKeyboardSetUnicodeString), so
// any character arrives whatever the keyboard layout.
type Mac struct{}

// NewMac returns the macOS inserter.
func NewMac() *Mac { return &Mac{} }

// Focus returns 0: macOS offers no window id for the focused app without more permissions; the
// secure-input check (SecureInput) still applies.
func (m *Mac) Focus(ctx context.Context) (uint64, error) { return 0, nil }

// SecureInput reports whether secure event input is on (a password field has the focus, or an
// app such as a terminal turned it on): then key events must not be sent.
func (m *Mac) SecureInput(ctx context.Context) (bool, error) { return C.secureInput() != 0, nil }

// Insert types text into the focused app.
func (m *Mac) Insert(ctx context.Context, window uint64, text string) error {
	if C.trusted() == 0 {
		return ErrAccessibility
	}
	for deadline := time.Now().Add(2 * time.Second); C.modifiersHeld() != 0; {
		if time.Now().After(deadline) {
			return ErrModifiersHeld
		}
		time.Sleep(10 * time.Millisecond)
	}
	var units []uint16
	for _, r := range text {
		if Typeable(r) {
			if r == '\n' {
				r = '\r'
			}
			units = append(units, utf16.Encode([]rune{r})...)
		}
	}
	for len(units) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(units), 20)
		if n < len(units) && utf16.IsSurrogate(rune(units[n-1])) && units[n-1] < 0xdc00 {
			n-- // keep a surrogate pair together
		}
		if C.typeChunk((*C.UniChar)(&units[0]), C.int(n)) != 0 {
			return fmt.Errorf("textinput: could not create a key event")
		}
		units = units[n:]
	}
	return nil
}

// Close does nothing.
func (m *Mac) Close() error { return nil }
