// Package tray puts Hushscribe in the system tray: an icon whose menu starts and stops a quick
// recording, shows the last transcript, opens the main window, locks the vault and quits. It also
// registers a global hotkey (hotkey*.go) and sends desktop notifications (notify.go).
//
// The icon is drawn by fyne.io/systray. On Linux and the BSDs that library speaks the
// StatusNotifierItem and com.canonical.dbusmenu protocols over D-Bus (godbus) and calls no GTK
// function, so it runs next to the Wails window's GTK main loop without touching it: Start only
// exports objects on the session bus and needs no thread of its own. The icon appears where a
// StatusNotifierWatcher (KDE Plasma, XFCE, Cinnamon, MATE, GNOME with the AppIndicator extension,
// waybar, ...) runs; HostAvailable tells whether one does now. On Windows the tray runs its own
// message loop on a locked OS thread; on macOS Config.MainThread must run the start-up on the
// Cocoa main thread (see run_darwin.go).
//
// fyne.io/systray keeps its state in package variables, so there is one tray per process: Start
// fails with ErrAlreadyStarted when called twice, also after Close. On Linux, Close also closes
// the process-wide godbus session connection (dbus.SessionBus) that systray uses; call it at exit.
package tray

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"fyne.io/systray"
)

// Sentinel errors.
var (
	// ErrAlreadyStarted is returned by a second Start in the same process.
	ErrAlreadyStarted = errors.New("tray: already started in this process")
	// ErrUnavailable means the platform has no usable tray (no D-Bus session bus on Linux).
	ErrUnavailable = errors.New("tray: no system tray available")
)

// Actions are what the menu items do. Each runs on a goroutine of its own item; a nil action
// hides its item (Record and Stop share one item).
type Actions struct {
	Record     func() // start a quick recording
	Stop       func() // stop it (the transcription follows)
	ShowLast   func() // the "last transcript" item
	OpenWindow func() // also a left click on the icon where the host supports it
	LockVault  func()
	Quit       func()
}

// State is what the menu shows.
type State struct {
	Recording bool
	Busy      bool          // transcribing: the record item is disabled
	Elapsed   time.Duration // of the recording, for the tooltip
	// Last labels the last transcript ("" = none yet). The menu shows at most 40 characters of it.
	Last string
	// VaultLocked disables "Lock vault"; so does NoVault (no password set).
	VaultLocked bool
	NoVault     bool
	// Error, when set, is shown in the tooltip until the next Update.
	Error string
	// Status, when set, replaces the tooltip's status line (a dictation's time and input level).
	Status string
}

// Config configures the tray.
type Config struct {
	Title   string // default "Hushscribe"
	Actions Actions
	// MainThread runs f on the UI toolkit's main thread. Only macOS needs it (NSStatusItem must be
	// created there); nil runs f directly.
	MainThread func(f func())
}

// Labels of the menu items.
const (
	LabelRecord       = "Record"
	LabelStop         = "Stop recording"
	LabelBusy         = "Transcribing…"
	LabelNoLast       = "No transcript yet"
	LabelLastPrefix   = "Last: "
	LabelOpen         = "Open Hushscribe"
	LabelLock         = "Lock vault"
	LabelQuit         = "Quit"
	lastLabelMaxRunes = 40
)

// started guards fyne.io/systray's process-wide state: it can run once per process.
var started atomic.Bool

// Tray is the running tray icon.
type Tray struct {
	cfg  Config
	end  func()
	quit chan struct{}

	mu     sync.Mutex
	state  State
	record *systray.MenuItem
	last   *systray.MenuItem
	lock   *systray.MenuItem
	icon   iconKind
	closed bool
	once   sync.Once
}

// Start shows the tray icon and its menu. It returns once the menu exists.
func Start(cfg Config) (*Tray, error) {
	if cfg.Title == "" {
		cfg.Title = "Hushscribe"
	}
	if err := platformCheck(); err != nil {
		return nil, err
	}
	if !started.CompareAndSwap(false, true) {
		return nil, ErrAlreadyStarted
	}
	t := &Tray{cfg: cfg, quit: make(chan struct{})}
	ready := make(chan struct{})
	t.end = run(cfg, func() { t.build(); close(ready) }, func() {})
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Close()
		return nil, fmt.Errorf("%w: the tray did not start within 10 s", ErrUnavailable)
	}
	return t, nil
}

// build creates the menu; systray calls it once it is ready.
func (t *Tray) build() {
	a := t.cfg.Actions
	systray.SetTitle(t.cfg.Title)
	systray.SetIcon(platformIcon(iconIdle))
	systray.SetTooltip(t.cfg.Title)
	t.icon = iconIdle
	if a.OpenWindow != nil {
		systray.SetOnTapped(a.OpenWindow)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.Record != nil || a.Stop != nil {
		t.record = systray.AddMenuItem(LabelRecord, "Record and transcribe")
		t.onClick(t.record, func() {
			t.mu.Lock()
			rec := t.state.Recording
			t.mu.Unlock()
			if rec && a.Stop != nil {
				a.Stop()
			} else if !rec && a.Record != nil {
				a.Record()
			}
		})
	}
	if a.ShowLast != nil {
		t.last = systray.AddMenuItem(LabelNoLast, "The last quick transcript")
		t.last.Disable()
		t.onClick(t.last, a.ShowLast)
	}
	if a.OpenWindow != nil || a.LockVault != nil {
		systray.AddSeparator()
	}
	if a.OpenWindow != nil {
		t.onClick(systray.AddMenuItem(LabelOpen, "Show the main window"), a.OpenWindow)
	}
	if a.LockVault != nil {
		t.lock = systray.AddMenuItem(LabelLock, "Lock private transcripts")
		t.onClick(t.lock, a.LockVault)
	}
	if a.Quit != nil {
		systray.AddSeparator()
		t.onClick(systray.AddMenuItem(LabelQuit, "Quit Hushscribe"), a.Quit)
	}
	t.applyLocked()
}

func (t *Tray) onClick(item *systray.MenuItem, f func()) {
	go func() {
		for {
			select {
			case <-item.ClickedCh:
				f()
			case <-t.quit:
				return
			}
		}
	}()
}

// Update changes what the menu and icon show.
func (t *Tray) Update(s State) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	old := t.state
	t.state = s
	if old != s {
		t.applyLocked()
	}
}

// applyLocked pushes t.state to the tray. t.mu is held.
func (t *Tray) applyLocked() {
	s := t.state
	if t.record != nil {
		switch {
		case s.Busy:
			t.record.SetTitle(LabelBusy)
			t.record.Disable()
		case s.Recording:
			t.record.SetTitle(LabelStop)
			t.record.Enable()
		default:
			t.record.SetTitle(LabelRecord)
			t.record.Enable()
		}
	}
	if t.last != nil {
		if s.Last == "" {
			t.last.SetTitle(LabelNoLast)
			t.last.Disable()
		} else {
			t.last.SetTitle(LabelLastPrefix + Shorten(s.Last, lastLabelMaxRunes))
			t.last.Enable()
		}
	}
	if t.lock != nil {
		if s.VaultLocked || s.NoVault {
			t.lock.Disable()
		} else {
			t.lock.Enable()
		}
	}
	icon, tip := iconIdle, t.cfg.Title
	switch {
	case s.Busy:
		icon, tip = iconBusy, t.cfg.Title+": transcribing…"
	case s.Recording:
		icon, tip = iconRecording, fmt.Sprintf("%s: recording %s", t.cfg.Title, clock(s.Elapsed))
	}
	if s.Status != "" {
		tip = t.cfg.Title + ": " + s.Status
	}
	if s.Error != "" {
		tip += "\n" + s.Error
	}
	if icon != t.icon {
		systray.SetIcon(platformIcon(icon))
		t.icon = icon
	}
	systray.SetTooltip(tip)
}

// Close removes the icon. The tray cannot be started again in this process.
func (t *Tray) Close() {
	t.once.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		close(t.quit)
		t.end()
	})
}

// Shorten returns s on one line, cut to at most n runes with an ellipsis.
func Shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
