//go:build linux || freebsd || openbsd || netbsd

package textinput

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

// ATSPI watches which widget has the keyboard focus through the AT-SPI accessibility bus (the
// org.a11y.atspi D-Bus interfaces of at-spi2-core) and tells whether it is a password field
// (role ROLE_PASSWORD_TEXT, which GTK gives an entry with hidden text, Qt a QLineEdit in Password
// mode, and Firefox and Chromium an <input type=password> while accessibility is on).
//
// It listens for "object:state-changed:focused" events from the moment it starts, so it knows the
// focus only after the first focus change it saw; before that SecureInput reports an error
// ("cannot tell"). Apps that do not talk to the accessibility bus (accessibility turned off,
// NO_AT_BRIDGE=1, some Electron apps) are invisible to it.
type ATSPI struct {
	conn *dbus.Conn
	sig  chan *dbus.Signal

	mu     sync.Mutex
	sender string // the focused object: its app's bus name and object path
	path   dbus.ObjectPath
	done   chan struct{}
}

// rolePasswordText is ATSPI_ROLE_PASSWORD_TEXT (atspi-constants.h).
const rolePasswordText = 40

// errNoFocusSeen means no focus change has been seen yet.
var errNoFocusSeen = errors.New("textinput: no focus change seen on the accessibility bus yet")

// NewATSPI connects to the accessibility bus (its address from org.a11y.Bus on the session bus)
// and starts watching focus changes. Close it when done.
func NewATSPI(ctx context.Context) (*ATSPI, error) {
	sess, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("textinput: session bus: %w", err)
	}
	var addr string
	err = sess.Object("org.a11y.Bus", "/org/a11y/bus").CallWithContext(ctx, "org.a11y.Bus.GetAddress", 0).Store(&addr)
	sess.Close()
	if err != nil {
		return nil, fmt.Errorf("textinput: accessibility bus address: %w", err)
	}
	// No WithContext here: godbus closes a connection when its context ends, and this one lives
	// on; ctx bounds the calls below.
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("textinput: accessibility bus: %w", err)
	}
	a := &ATSPI{conn: conn, sig: make(chan *dbus.Signal, 64), done: make(chan struct{})}
	if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchInterface("org.a11y.atspi.Event.Object"),
		dbus.WithMatchMember("StateChanged")); err != nil {
		conn.Close()
		return nil, fmt.Errorf("textinput: watch focus events: %w", err)
	}
	conn.Signal(a.sig)
	// Apps send events only while someone listens: tell the registry (the method gained arguments
	// over the years; try the newer forms first).
	reg := conn.Object("org.a11y.atspi.Registry", "/org/a11y/atspi/registry")
	const ev = "object:state-changed:focused"
	if reg.CallWithContext(ctx, "org.a11y.atspi.Registry.RegisterEvent", 0, ev, []string{}, "").Err != nil &&
		reg.CallWithContext(ctx, "org.a11y.atspi.Registry.RegisterEvent", 0, ev, []string{}).Err != nil {
		if err := reg.CallWithContext(ctx, "org.a11y.atspi.Registry.RegisterEvent", 0, ev).Err; err != nil {
			conn.Close()
			return nil, fmt.Errorf("textinput: register for focus events: %w", err)
		}
	}
	go a.loop()
	return a, nil
}

func (a *ATSPI) loop() {
	defer close(a.done)
	for s := range a.sig {
		if s == nil || len(s.Body) < 2 {
			continue
		}
		detail, _ := s.Body[0].(string)
		on, _ := s.Body[1].(int32)
		if detail != "focused" {
			continue
		}
		a.mu.Lock()
		if on == 1 {
			a.sender, a.path = s.Sender, s.Path
		} else if a.sender == s.Sender && a.path == s.Path {
			a.sender, a.path = "", ""
		}
		a.mu.Unlock()
	}
}

// SecureInput reports whether the focused widget is a password field.
func (a *ATSPI) SecureInput(ctx context.Context) (bool, error) {
	a.mu.Lock()
	sender, path := a.sender, a.path
	a.mu.Unlock()
	if sender == "" {
		return false, errNoFocusSeen
	}
	var role uint32
	err := a.conn.Object(sender, path).CallWithContext(ctx, "org.a11y.atspi.Accessible.GetRole", 0).Store(&role)
	if err != nil {
		return false, fmt.Errorf("textinput: role of the focused widget: %w", err)
	}
	return role == rolePasswordText, nil
}

// Close stops watching.
func (a *ATSPI) Close() error {
	a.conn.RemoveSignal(a.sig)
	err := a.conn.Close()
	close(a.sig)
	<-a.done
	return err
}
