package tray

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// ErrNoNotifications means no notification server is reachable (no session bus, or nothing owns
// org.freedesktop.Notifications). Only freedesktop desktops (Linux, BSD) have one.
var ErrNoNotifications = errors.New("tray: desktop notifications unavailable")

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = "/org/freedesktop/Notifications"
	notifyIface = "org.freedesktop.Notifications"
)

// Notifier sends desktop notifications through org.freedesktop.Notifications on the D-Bus session
// bus. Each new notification replaces the previous one instead of piling up. It uses a private
// bus connection of its own. Safe for concurrent use.
type Notifier struct {
	app     string
	icon    string
	timeout time.Duration

	mu     sync.Mutex
	conn   *dbus.Conn
	lastID uint32
}

// NotifierConfig configures a Notifier.
type NotifierConfig struct {
	AppName string        // default "Hushscribe"
	Icon    string        // a freedesktop icon name or file URI; default "audio-input-microphone"
	Timeout time.Duration // how long a notification stays; 0 lets the server decide
}

// NewNotifier connects to the session bus. It fails with ErrNoNotifications when there is none.
func NewNotifier(cfg NotifierConfig) (*Notifier, error) {
	if cfg.AppName == "" {
		cfg.AppName = "Hushscribe"
	}
	if cfg.Icon == "" {
		cfg.Icon = "audio-input-microphone"
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("%w: no D-Bus session bus: %v", ErrNoNotifications, err)
	}
	return &Notifier{app: cfg.AppName, icon: cfg.Icon, timeout: cfg.Timeout, conn: conn}, nil
}

// Notify shows a notification. The body may use the server's simple markup, so it is escaped.
func (n *Notifier) Notify(ctx context.Context, title, body string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		return fmt.Errorf("%w: notifier closed", ErrNoNotifications)
	}
	expire := int32(-1)
	if n.timeout > 0 {
		expire = int32(n.timeout / time.Millisecond)
	}
	hints := map[string]dbus.Variant{
		"category":      dbus.MakeVariant("transfer.complete"),
		"desktop-entry": dbus.MakeVariant("hushscribe"),
		"transient":     dbus.MakeVariant(true), // do not keep it in the notification history
	}
	var id uint32
	call := n.conn.Object(notifyName, notifyPath).CallWithContext(ctx, notifyIface+".Notify", 0,
		n.app, n.lastID, n.icon, title, escapeMarkup(body), []string{}, hints, expire)
	if call.Err != nil {
		var derr dbus.Error
		if errors.As(call.Err, &derr) && derr.Name == "org.freedesktop.DBus.Error.ServiceUnknown" {
			return fmt.Errorf("%w: no notification server: %v", ErrNoNotifications, call.Err)
		}
		return fmt.Errorf("tray: notify: %w", call.Err)
	}
	if err := call.Store(&id); err != nil {
		return fmt.Errorf("tray: notify reply: %w", err)
	}
	n.lastID = id
	return nil
}

// Close closes the bus connection.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		return nil
	}
	err := n.conn.Close()
	n.conn = nil
	return err
}

func escapeMarkup(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}
