//go:build linux || freebsd || openbsd || netbsd

package textinput

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// X11Options configure an X11 inserter.
type X11Options struct {
	// Method: Type types; Paste pastes; Auto types, and pastes texts that need more distinct
	// characters than there are spare keycodes. A paste types instead when the clipboard could not
	// be saved for restoring or the app did not ask for the text.
	Method Method
	// Display is the X display ("" = $DISPLAY).
	Display string
	// ModifierWait is how long Insert waits for the user to let go of Ctrl, Alt, Shift and Super
	// (the end of the push-to-talk shortcut) before giving up with ErrModifiersHeld (0 = 2 s).
	ModifierWait time.Duration
	// PasteWait is how long a paste waits for the app to ask for the text (0 = 1.5 s).
	PasteWait time.Duration
}

// X11 inserts text through the X server. Its methods are safe for concurrent use; insertions run
// one at a time. Close it when done.
type X11 struct {
	opts X11Options
	conn *xgb.Conn
	root xproto.Window
	win  xproto.Window // ours, unmapped: owns selections, receives their contents

	atoms map[string]xproto.Atom

	mu sync.Mutex // one insertion at a time; guards the fields below
	// borrowed are the spare keycodes remapped now (nil: none), current what they hold.
	borrowed     []int
	current      map[int]uint32
	lastKey      time.Time // when the last key of an insertion was sent
	restoreTimer *time.Timer

	selMu  sync.Mutex
	owned  map[xproto.Atom]selection // what we serve, per selection
	served chan struct{}             // a requestor got the text of the paste in progress
	notify chan xproto.SelectionNotifyEvent
	props  chan xproto.PropertyNotifyEvent
	done   chan struct{}
}

// selection is the data of one selection, per target.
type selection struct {
	targets map[xproto.Atom]item
	paste   bool // the text of a paste in progress: signal served
}

type item struct {
	typ    xproto.Atom
	format byte
	data   []byte
}

var quietXGB sync.Once

// NewX11 connects to the X server; it fails with ErrUnsupported without a display or XTEST.
func NewX11(opts X11Options) (*X11, error) {
	if opts.Method == "" {
		opts.Method = Auto
	}
	if opts.ModifierWait <= 0 {
		opts.ModifierWait = 2 * time.Second
	}
	if opts.PasteWait <= 0 {
		opts.PasteWait = 1500 * time.Millisecond
	}
	quietXGB.Do(func() { xgb.Logger.SetOutput(io.Discard) })
	display := opts.Display
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("%w: no X11 display: %v", ErrUnsupported, err)
	}
	if err := xtest.Init(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: the X server has no XTEST extension: %v", ErrUnsupported, err)
	}
	x := &X11{opts: opts, conn: conn, owned: map[xproto.Atom]selection{},
		notify: make(chan xproto.SelectionNotifyEvent, 8), props: make(chan xproto.PropertyNotifyEvent, 8),
		done: make(chan struct{}), atoms: map[string]xproto.Atom{}}
	x.root = xproto.Setup(conn).DefaultScreen(conn).Root
	if err := x.init(); err != nil {
		conn.Close()
		return nil, err
	}
	go x.loop()
	return x, nil
}

func (x *X11) init() error {
	names := []string{"CLIPBOARD", "PRIMARY", "TARGETS", "TIMESTAMP", "MULTIPLE", "SAVE_TARGETS", "DELETE",
		"INCR", "UTF8_STRING", "STRING", "TEXT", "text/plain;charset=utf-8", "text/plain", "ATOM",
		"x-kde-passwordManagerHint", "HUSHSCRIBE_SEL", "WM_CLASS", "INTEGER"}
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(x.conn, false, uint16(len(n)), n)
	}
	for i, c := range cookies {
		r, err := c.Reply()
		if err != nil {
			return fmt.Errorf("textinput: intern %s: %w", names[i], err)
		}
		x.atoms[names[i]] = r.Atom
	}
	wid, err := xproto.NewWindowId(x.conn)
	if err != nil {
		return fmt.Errorf("textinput: new window: %w", err)
	}
	x.win = wid
	err = xproto.CreateWindowChecked(x.conn, 0, wid, x.root, -10, -10, 1, 1, 0, xproto.WindowClassInputOnly,
		0, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange}).Check()
	if err != nil {
		return fmt.Errorf("textinput: create window: %w", err)
	}
	return nil
}

// Close releases the connection; selections we hold (a restored clipboard) are lost, as when any
// X client exits.
func (x *X11) Close() error {
	x.mu.Lock()
	if x.restoreTimer != nil {
		x.restoreTimer.Stop()
	}
	x.giveBackLocked()
	x.mu.Unlock()
	x.conn.Close()
	<-x.done
	return nil
}

func (x *X11) loop() {
	defer close(x.done)
	for {
		ev, err := x.conn.WaitForEvent()
		if ev == nil && err == nil {
			return
		}
		switch e := ev.(type) {
		case xproto.SelectionRequestEvent:
			x.serve(e)
		case xproto.SelectionClearEvent:
			x.selMu.Lock()
			delete(x.owned, e.Selection)
			x.selMu.Unlock()
		case xproto.SelectionNotifyEvent:
			select {
			case x.notify <- e:
			default:
			}
		case xproto.PropertyNotifyEvent:
			if e.Window == x.win {
				select {
				case x.props <- e:
				default:
				}
			}
		}
	}
}

// Focus returns the top-level window that has the keyboard focus (with focus-follows-pointer, the
// one under the pointer), 0 for none.
func (x *X11) Focus(ctx context.Context) (uint64, error) {
	w, _, err := x.focus()
	return uint64(w), err
}

// focus returns the top-level window with the focus and the focus window itself.
func (x *X11) focus() (top, focus xproto.Window, err error) {
	f, err := xproto.GetInputFocus(x.conn).Reply()
	if err != nil {
		return 0, 0, fmt.Errorf("textinput: get input focus: %w", err)
	}
	focus = f.Focus
	if focus == xproto.InputFocusNone || focus == xproto.InputFocusPointerRoot || focus == x.root {
		p, err := xproto.QueryPointer(x.conn, x.root).Reply()
		if err != nil {
			return 0, 0, fmt.Errorf("textinput: query pointer: %w", err)
		}
		return p.Child, p.Child, nil
	}
	w := focus
	for i := 0; i < 64; i++ {
		t, err := xproto.QueryTree(x.conn, w).Reply()
		if err != nil {
			return 0, 0, fmt.Errorf("textinput: query tree: %w", err)
		}
		if t.Parent == x.root || t.Parent == 0 {
			return w, focus, nil
		}
		w = t.Parent
	}
	return w, focus, nil
}

// terminal reports whether the window (or an ancestor, or for a top-level without WM_CLASS one of
// its children, such as a window manager's frame) is a terminal emulator.
func (x *X11) terminal(focus xproto.Window) bool {
	check := func(w xproto.Window) (found, term bool) {
		p, err := xproto.GetProperty(x.conn, false, w, x.atoms["WM_CLASS"], xproto.AtomString, 0, 256).Reply()
		if err != nil || p.ValueLen == 0 {
			return false, false
		}
		inst, class := ParseWMClass(p.Value)
		return true, IsTerminal(inst, class)
	}
	w := focus
	for i := 0; i < 64 && w != 0 && w != x.root; i++ {
		if found, term := check(w); found {
			return term
		}
		t, err := xproto.QueryTree(x.conn, w).Reply()
		if err != nil {
			return false
		}
		if t.Parent == x.root {
			for _, c := range t.Children {
				if found, term := check(c); found {
					return term
				}
			}
			return false
		}
		w = t.Parent
	}
	return false
}

// Insert types or pastes text into window, which must still have the focus.
func (x *X11) Insert(ctx context.Context, window uint64, text string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if text == "" {
		return nil
	}
	if err := x.waitModifiers(ctx); err != nil {
		return err
	}
	top, focus, err := x.focus()
	if err != nil {
		return err
	}
	if window != 0 && uint64(top) != window {
		return ErrFocusChanged
	}
	paste := x.opts.Method == Paste
	if x.opts.Method != Type && !paste {
		// Auto: type, unless the text needs more distinct characters than there are spare
		// keycodes (see typeText): then paste, which any length of any script survives.
		if n, err := x.remapBatches(text); err == nil && n > 1 {
			paste = true
		}
	}
	if paste {
		err := x.paste(ctx, text, x.terminal(focus))
		if !errors.Is(err, errNoPaste) {
			return err
		}
		// The clipboard could not be saved, or the app did not ask for the text: type instead.
	}
	return x.typeText(ctx, window, text)
}

// spare returns the keycodes typing borrows: the ones borrowed now, else every keycode without a
// keysym (up to maxSpare).
func (x *X11) spare(km Keymap) []int {
	if x.borrowed != nil {
		return x.borrowed
	}
	sp := km.Spare()
	if len(sp) > maxSpare {
		sp = sp[:maxSpare]
	}
	return sp
}

// remapBatches is how many keyboard remaps typing text takes.
func (x *X11) remapBatches(text string) (int, error) {
	km, err := x.keymap()
	if err != nil {
		return 0, err
	}
	batches, err := km.Plan(text, x.spare(km), km.Find(keysymShiftL))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range batches {
		if len(b.Remap) > 0 {
			n++
		}
	}
	return n, nil
}

// modifierIndexes are the modifiers that must be up before typing: Shift, Control, Mod1 (Alt),
// Mod3, Mod4 (Super) and Mod5 (AltGr); not Lock and Mod2 (Num Lock), which stay on.
var modifierIndexes = []int{0, 2, 3, 5, 6, 7}

func (x *X11) waitModifiers(ctx context.Context) error {
	mm, err := xproto.GetModifierMapping(x.conn).Reply()
	if err != nil {
		return fmt.Errorf("textinput: modifier mapping: %w", err)
	}
	per := int(mm.KeycodesPerModifier)
	deadline := time.Now().Add(x.opts.ModifierWait)
	for {
		km, err := xproto.QueryKeymap(x.conn).Reply()
		if err != nil {
			return fmt.Errorf("textinput: query keymap: %w", err)
		}
		held := false
		for _, m := range modifierIndexes {
			for _, kc := range mm.Keycodes[m*per : (m+1)*per] {
				if kc != 0 && km.Keys[kc/8]&(1<<(kc%8)) != 0 {
					held = true
				}
			}
		}
		if !held {
			return nil
		}
		if time.Now().After(deadline) {
			return ErrModifiersHeld
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (x *X11) keymap() (Keymap, error) {
	setup := xproto.Setup(x.conn)
	first, last := setup.MinKeycode, setup.MaxKeycode
	km, err := xproto.GetKeyboardMapping(x.conn, first, byte(last-first+1)).Reply()
	if err != nil {
		return Keymap{}, fmt.Errorf("textinput: read the keyboard map: %w", err)
	}
	k := Keymap{First: int(first), PerCode: int(km.KeysymsPerKeycode), Keysyms: make([]uint32, len(km.Keysyms))}
	for i, ks := range km.Keysyms {
		k.Keysyms[i] = uint32(ks)
	}
	return k, nil
}

// maxSpare bounds how many keycodes one remap borrows.
const maxSpare = 128

// Clients (GTK among them) read the keyboard map again when they handle the MappingNotify that
// follows a remap: whatever the map is at that moment applies to the keys that follow. So a remap
// must stay until every client has handled its keys. The map is changed again (a text with more
// distinct missing characters than spare keycodes) only remapSettle after the last key sent, and
// the borrowed keycodes are given back restoreDelay after an insertion (or at Close).
// remapWait is the pause after a remap before its keys: Chromium handles the MappingNotify
// asynchronously and typed remapped characters with the previous map without it (50 ms was enough
// under Xvfb; this leaves room for a loaded machine). Only texts with characters that are not on
// the keyboard pay it, once per batch.
const (
	remapSettle  = 150 * time.Millisecond
	remapWait    = 120 * time.Millisecond
	restoreDelay = 2 * time.Second
)

func (x *X11) key(code int, down bool) {
	t := byte(xproto.KeyPress)
	if !down {
		t = xproto.KeyRelease
	}
	xtest.FakeInput(x.conn, t, byte(code), 0, x.root, 0, 0, 0)
}

// sync waits until the server has handled everything sent so far.
func (x *X11) sync() error {
	_, err := xproto.GetInputFocus(x.conn).Reply()
	return err
}

// typeText sends the key strokes of text, borrowing spare keycodes for characters the keyboard
// lacks; they are given back (empty) later, see restoreDelay.
func (x *X11) typeText(ctx context.Context, window uint64, text string) error {
	if x.restoreTimer != nil {
		x.restoreTimer.Stop()
	}
	defer func() {
		if x.borrowed != nil {
			x.restoreTimer = time.AfterFunc(restoreDelay, x.giveBack)
		}
	}()
	km, err := x.keymap()
	if err != nil {
		return err
	}
	spare := x.spare(km)
	shift := km.Find(keysymShiftL)
	batches, err := km.Plan(text, spare, shift)
	if err != nil {
		return err
	}
	for bi, b := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		if bi > 0 && window != 0 {
			// Long texts: stop if the user switched windows meanwhile.
			if top, _, err := x.focus(); err == nil && uint64(top) != window {
				return ErrFocusChanged
			}
		}
		if len(b.Remap) > 0 && !x.mapped(b.Remap) {
			if wait := time.Until(x.lastKey.Add(remapSettle)); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if err := x.remap(km, spare, b.Remap); err != nil {
				return err
			}
			// Some clients (Chromium) re-read the map asynchronously: keys sent at once after a
			// remap come out with the old map there. Give them remapWait.
			x.sync()
			select {
			case <-time.After(remapWait):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		for i, s := range b.Strokes {
			if s.Shift {
				x.key(shift, true)
			}
			x.key(s.Code, true)
			x.key(s.Code, false)
			if s.Shift {
				x.key(shift, false)
			}
			if i%64 == 63 {
				if err := x.sync(); err != nil {
					return fmt.Errorf("textinput: send keys: %w", err)
				}
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		err := x.sync()
		x.lastKey = time.Now()
		if err != nil {
			return fmt.Errorf("textinput: send keys: %w", err)
		}
	}
	return nil
}

// mapped reports whether the borrowed keycodes already hold m.
func (x *X11) mapped(m map[int]uint32) bool {
	for code, ks := range m {
		if x.current[code] != ks {
			return false
		}
	}
	return true
}

// giveBack empties the borrowed keycodes once no keys were sent for remapSettle.
func (x *X11) giveBack() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.giveBackLocked()
}

func (x *X11) giveBackLocked() {
	if x.borrowed == nil {
		return
	}
	if wait := time.Until(x.lastKey.Add(remapSettle)); wait > 0 {
		time.Sleep(wait)
	}
	km, err := x.keymap()
	if err == nil {
		x.remap(km, x.borrowed, nil)
		x.sync()
	}
	x.borrowed, x.current = nil, nil
}

// remap sets the spare keycodes to the keysyms in m (both levels), and the others of spare to
// none: one ChangeKeyboardMapping per run of consecutive keycodes.
func (x *X11) remap(km Keymap, spare []int, m map[int]uint32) error {
	per := km.PerCode
	for i := 0; i < len(spare); {
		j := i + 1
		for j < len(spare) && spare[j] == spare[j-1]+1 {
			j++
		}
		syms := make([]xproto.Keysym, (j-i)*per)
		for k, code := range spare[i:j] {
			if ks, ok := m[code]; ok {
				syms[k*per] = xproto.Keysym(ks)
				if per > 1 {
					syms[k*per+1] = xproto.Keysym(ks)
				}
			}
		}
		err := xproto.ChangeKeyboardMappingChecked(x.conn, byte(j-i), xproto.Keycode(spare[i]), byte(per), syms).Check()
		if err != nil {
			return fmt.Errorf("textinput: remap keys: %w", err)
		}
		i = j
	}
	if m == nil {
		x.borrowed, x.current = nil, nil
	} else {
		x.borrowed, x.current = spare, m
	}
	return nil
}
