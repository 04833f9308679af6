//go:build linux || freebsd || openbsd || netbsd

package textinput

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Wayland types text in a Wayland session through an external tool, the only way an ordinary app
// can send keys there:
//
//   - wtype: the virtual-keyboard protocol (zwp_virtual_keyboard_v1), which wlroots compositors
//     (Sway, Hyprland, river, labwc) and KDE Plasma (KWin 5.27+) offer; it uploads a keymap for
//     every character, so any language types. GNOME (Mutter) does not offer the protocol.
//   - ydotool: the kernel's uinput, so it works on every compositor including GNOME, but needs its
//     daemon (ydotoold) running with access to /dev/uinput, and types through the US keymap (ASCII
//     only): other characters make it fail, and the caller falls back to the clipboard.
//
// Without either, NewWayland fails with ErrUnsupported and a reason the caller shows the user.
// The text goes to the tool on its standard input, never on its command line (which other local
// users could read).
type Wayland struct {
	Tool string // "wtype" or "ydotool"
	path string
}

// ydotoolSocket is where ydotoold listens: $YDOTOOL_SOCKET, $XDG_RUNTIME_DIR/.ydotool_socket or
// /tmp/.ydotool_socket.
func ydotoolSocket() string {
	if s := os.Getenv("YDOTOOL_SOCKET"); s != "" {
		return s
	}
	for _, d := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/tmp"} {
		if d == "" {
			continue
		}
		p := filepath.Join(d, ".ydotool_socket")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// NewWayland picks wtype, then ydotool (with its daemon running), on $PATH.
func NewWayland() (*Wayland, error) {
	desktop := strings.ToLower(os.Getenv("XDG_CURRENT_DESKTOP"))
	if p, err := exec.LookPath("wtype"); err == nil && !strings.Contains(desktop, "gnome") {
		return &Wayland{Tool: "wtype", path: p}, nil
	}
	if p, err := exec.LookPath("ydotool"); err == nil && ydotoolSocket() != "" {
		return &Wayland{Tool: "ydotool", path: p}, nil
	}
	why := "install wtype (Sway, Hyprland, KDE Plasma) or ydotool with ydotoold running (any compositor, GNOME too)"
	if strings.Contains(desktop, "gnome") {
		why = "GNOME does not let apps type into other windows; install ydotool and run ydotoold to allow it"
	}
	return nil, fmt.Errorf("%w: this is a Wayland session: %s; until then the text goes to the clipboard", ErrUnsupported, why)
}

// Focus returns 0: Wayland does not tell apps which window has the focus.
func (w *Wayland) Focus(ctx context.Context) (uint64, error) { return 0, nil }

// Insert types text with the tool.
func (w *Wayland) Insert(ctx context.Context, window uint64, text string) error {
	var b strings.Builder
	for _, r := range text {
		if Typeable(r) {
			b.WriteRune(r)
		}
	}
	var cmd *exec.Cmd
	switch w.Tool {
	case "wtype":
		cmd = exec.CommandContext(ctx, w.path, "-")
	default:
		for _, r := range b.String() {
			if r > 0x7e {
				return fmt.Errorf("%w: ydotool types ASCII only, and the text has %q", ErrUnsupported, r)
			}
		}
		cmd = exec.CommandContext(ctx, w.path, "type", "--file", "-")
	}
	cmd.Stdin = strings.NewReader(b.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("textinput: %s: %v: %s", w.Tool, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Close does nothing.
func (w *Wayland) Close() error { return nil }
