//go:build windows

package textinput

import (
	"context"
	"fmt"
	"time"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows types text with SendInput and KEYEVENTF_UNICODE: each UTF-16 code unit is sent as a
// VK_PACKET key press and release, which any Win32, UWP or browser window receives as WM_CHAR,
// whatever the keyboard layout. Windows refuses input into windows of a higher integrity level
// (UIPI: an elevated app while Hushscribe is not); SendInput then reports fewer events sent.
type Windows struct {
	// ModifierWait is how long Insert waits for Ctrl, Alt, Shift and Win to be let go (0 = 2 s).
	ModifierWait time.Duration
}

var (
	user32                  = windows.NewLazySystemDLL("user32.dll")
	procSendInput           = user32.NewProc("SendInput")
	procGetForegroundWindow = user32.NewProc("GetForegroundWindow")
	procGetAsyncKeyState    = user32.NewProc("GetAsyncKeyState")
)

const (
	inputKeyboard     = 1
	keyeventfKeyUp    = 0x0002
	keyeventfUnicode  = 0x0004
	vkReturn          = 0x0D
	vkShift, vkCtrl   = 0x10, 0x11
	vkMenu, vkLWin    = 0x12, 0x5B
	vkRWin            = 0x5C
	insertBatchEvents = 256
)

// keybdInput is INPUT with its KEYBDINPUT member, laid out as on 64-bit Windows (40 bytes).
type keybdInput struct {
	typ       uint32
	_         uint32
	vk        uint16
	scan      uint16
	flags     uint32
	time      uint32
	_         uint32
	extraInfo uintptr
	_         [8]byte
}

// INPUT is 40 bytes on 64-bit Windows; SendInput rejects any other size.
var (
	_ [40 - unsafe.Sizeof(keybdInput{})]byte
	_ [unsafe.Sizeof(keybdInput{}) - 40]byte
)

// NewWindows returns the Windows inserter.
func NewWindows() *Windows { return &Windows{} }

// Focus returns the foreground window's handle.
func (w *Windows) Focus(ctx context.Context) (uint64, error) {
	h, _, _ := procGetForegroundWindow.Call()
	return uint64(h), nil
}

// Insert types text into the foreground window, which must still be window.
func (w *Windows) Insert(ctx context.Context, window uint64, text string) error {
	wait := w.ModifierWait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for deadline := time.Now().Add(wait); ; {
		held := false
		for _, vk := range []uintptr{vkShift, vkCtrl, vkMenu, vkLWin, vkRWin} {
			if s, _, _ := procGetAsyncKeyState.Call(vk); s&0x8000 != 0 {
				held = true
			}
		}
		if !held {
			break
		}
		if time.Now().After(deadline) {
			return ErrModifiersHeld
		}
		time.Sleep(10 * time.Millisecond)
	}
	if window != 0 {
		if h, _, _ := procGetForegroundWindow.Call(); uint64(h) != window {
			return ErrFocusChanged
		}
	}
	var in []keybdInput
	for _, r := range text {
		if !Typeable(r) {
			continue
		}
		if r == '\n' {
			in = append(in, keybdInput{typ: inputKeyboard, vk: vkReturn},
				keybdInput{typ: inputKeyboard, vk: vkReturn, flags: keyeventfKeyUp})
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			in = append(in, keybdInput{typ: inputKeyboard, scan: u, flags: keyeventfUnicode},
				keybdInput{typ: inputKeyboard, scan: u, flags: keyeventfUnicode | keyeventfKeyUp})
		}
	}
	for len(in) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(in), insertBatchEvents)
		sent, _, err := procSendInput.Call(uintptr(n), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
		if int(sent) != n {
			return fmt.Errorf("textinput: SendInput sent %d of %d key events (blocked by a window of higher integrity?): %v", sent, n, err)
		}
		in = in[n:]
	}
	return nil
}

// Close does nothing.
func (w *Windows) Close() error { return nil }
