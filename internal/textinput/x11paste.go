//go:build linux || freebsd || openbsd || netbsd

package textinput

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jezek/xgb/xproto"
)

// errNoPaste means a paste was not attempted or not taken; the caller types instead.
var errNoPaste = errors.New("textinput: paste not possible")

// maxItem bounds one selection target we save and serve: what fits in one ChangeProperty request
// without BIG-REQUESTS or INCR transfers. A clipboard holding more (a large image) is not saved,
// and the text is typed instead, so that it is never lost.
const maxItem = 200 << 10

// selectionTimeout bounds each step of reading a selection from its owner.
const selectionTimeout = 500 * time.Millisecond

// saved is a selection's contents before the paste: nil targets means it had no owner.
type saved struct {
	sel     xproto.Atom
	targets map[xproto.Atom]item
}

// paste offers text as the CLIPBOARD (and, for terminals, PRIMARY) selection, presses the paste
// keys, waits for the app to take the text, and puts the previous contents back.
func (x *X11) paste(ctx context.Context, text string, terminal bool) error {
	sels := []xproto.Atom{x.atoms["CLIPBOARD"]}
	if terminal {
		// xterm pastes PRIMARY with Shift+Insert, VTE and Konsole CLIPBOARD: offer both.
		sels = append(sels, x.atoms["PRIMARY"])
	}
	var prev []saved
	for _, s := range sels {
		targets, err := x.readSelection(s)
		if err != nil {
			return fmt.Errorf("%w: %v", errNoPaste, err)
		}
		prev = append(prev, saved{sel: s, targets: targets})
	}
	ts, err := x.serverTime()
	if err != nil {
		return fmt.Errorf("%w: %v", errNoPaste, err)
	}
	served := make(chan struct{}, 1)
	x.selMu.Lock()
	x.served = served
	for _, s := range sels {
		x.owned[s] = selection{targets: x.textTargets(text), paste: true}
	}
	x.selMu.Unlock()
	restore := func() {
		x.selMu.Lock()
		x.served = nil
		x.selMu.Unlock()
		x.restore(prev)
	}
	for _, s := range sels {
		xproto.SetSelectionOwner(x.conn, x.win, s, ts)
		o, err := xproto.GetSelectionOwner(x.conn, s).Reply()
		if err != nil || o.Owner != x.win {
			restore()
			return fmt.Errorf("%w: could not own the clipboard", errNoPaste)
		}
	}
	km, err := x.keymap()
	if err != nil {
		restore()
		return err
	}
	var keys []int
	if terminal {
		keys = []int{km.Find(keysymShiftL), km.Find(0xff63)} // Shift+Insert
	} else {
		keys = []int{km.Find(0xffe3), km.Find('v')} // Control_L+v
	}
	for _, k := range keys {
		if k == 0 {
			restore()
			return fmt.Errorf("%w: no paste keys on this keyboard", errNoPaste)
		}
	}
	for _, k := range keys {
		x.key(k, true)
	}
	for i := len(keys) - 1; i >= 0; i-- {
		x.key(keys[i], false)
	}
	x.sync()
	select {
	case <-served:
		// Some apps ask for several targets in a row; let them finish before the contents change.
		time.Sleep(50 * time.Millisecond)
		restore()
		return nil
	case <-time.After(x.opts.PasteWait):
		restore()
		return fmt.Errorf("%w: the app did not ask for the text", errNoPaste)
	case <-ctx.Done():
		restore()
		return ctx.Err()
	}
}

// textTargets are the targets that offer text (ICCCM 2.6.2, and the MIME type Qt and browsers
// prefer), plus KDE's hint that clipboard managers must not keep it.
func (x *X11) textTargets(text string) map[xproto.Atom]item {
	u := item{typ: x.atoms["UTF8_STRING"], format: 8, data: []byte(text)}
	t := map[xproto.Atom]item{
		x.atoms["UTF8_STRING"]:              u,
		x.atoms["text/plain;charset=utf-8"]: {typ: x.atoms["text/plain;charset=utf-8"], format: 8, data: []byte(text)},
		x.atoms["x-kde-passwordManagerHint"]: {typ: x.atoms["x-kde-passwordManagerHint"], format: 8,
			data: []byte("secret")},
	}
	if latin, ok := toLatin1(text); ok {
		t[xproto.AtomString] = item{typ: xproto.AtomString, format: 8, data: latin}
		t[x.atoms["TEXT"]] = item{typ: xproto.AtomString, format: 8, data: latin}
		t[x.atoms["text/plain"]] = item{typ: x.atoms["text/plain"], format: 8, data: latin}
	} else {
		t[x.atoms["TEXT"]] = u
	}
	return t
}

func toLatin1(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

// serverTime returns a current server timestamp (ICCCM 2.1: selections must not be owned with
// CurrentTime), from the PropertyNotify of an empty append to our own window.
func (x *X11) serverTime() (xproto.Timestamp, error) {
	drain(x.props)
	prop := x.atoms["HUSHSCRIBE_SEL"]
	xproto.ChangeProperty(x.conn, xproto.PropModeAppend, x.win, prop, xproto.AtomString, 8, 0, nil)
	deadline := time.After(selectionTimeout)
	for {
		select {
		case e := <-x.props:
			if e.Atom == prop {
				return e.Time, nil
			}
		case <-deadline:
			return 0, errors.New("no server time")
		}
	}
}

func drain[T any](c chan T) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// skipTargets are targets that describe the selection rather than hold data.
func (x *X11) skipTarget(a xproto.Atom) bool {
	for _, n := range []string{"TARGETS", "TIMESTAMP", "MULTIPLE", "SAVE_TARGETS", "DELETE"} {
		if a == x.atoms[n] {
			return true
		}
	}
	return false
}

// readSelection returns every target of the selection's current contents, nil for a selection
// without owner. It fails when the contents cannot be saved in full.
func (x *X11) readSelection(sel xproto.Atom) (map[xproto.Atom]item, error) {
	o, err := xproto.GetSelectionOwner(x.conn, sel).Reply()
	if err != nil {
		return nil, fmt.Errorf("selection owner: %w", err)
	}
	if o.Owner == 0 {
		return nil, nil
	}
	if o.Owner == x.win {
		x.selMu.Lock()
		defer x.selMu.Unlock()
		cp := map[xproto.Atom]item{}
		for k, v := range x.owned[sel].targets {
			cp[k] = v
		}
		return cp, nil
	}
	targets, err := x.convert(sel, x.atoms["TARGETS"])
	if err != nil {
		return nil, fmt.Errorf("list the clipboard's formats: %w", err)
	}
	out := map[xproto.Atom]item{}
	for i := 0; i+4 <= len(targets.data); i += 4 {
		a := xproto.Atom(uint32(targets.data[i]) | uint32(targets.data[i+1])<<8 | uint32(targets.data[i+2])<<16 | uint32(targets.data[i+3])<<24)
		if a == 0 || x.skipTarget(a) {
			continue
		}
		it, err := x.convert(sel, a)
		if err != nil {
			return nil, fmt.Errorf("read the clipboard: %w", err)
		}
		out[a] = it
	}
	return out, nil
}

// convert asks the selection's owner for one target and reads the answer from our window.
func (x *X11) convert(sel, target xproto.Atom) (item, error) {
	drain(x.notify)
	prop := x.atoms["HUSHSCRIBE_SEL"]
	xproto.DeleteProperty(x.conn, x.win, prop)
	xproto.ConvertSelection(x.conn, x.win, sel, target, prop, xproto.TimeCurrentTime)
	deadline := time.After(selectionTimeout)
	for {
		select {
		case e := <-x.notify:
			if e.Selection != sel || e.Target != target {
				continue
			}
			if e.Property == 0 {
				return item{}, fmt.Errorf("the owner refused target %d", target)
			}
			p, err := xproto.GetProperty(x.conn, true, x.win, prop, xproto.GetPropertyTypeAny, 0, maxItem/4+1).Reply()
			if err != nil {
				return item{}, err
			}
			if p.Type == x.atoms["INCR"] || p.BytesAfter > 0 || len(p.Value) > maxItem {
				return item{}, errors.New("too large to save")
			}
			return item{typ: p.Type, format: p.Format, data: p.Value}, nil
		case <-deadline:
			return item{}, errors.New("the owner did not answer")
		}
	}
}

// restore makes the saved contents the selections' again (we serve them from now on), or leaves a
// selection without owner when it had none.
func (x *X11) restore(prev []saved) {
	ts, err := x.serverTime()
	if err != nil {
		ts = xproto.TimeCurrentTime
	}
	x.selMu.Lock()
	for _, p := range prev {
		if p.targets == nil {
			delete(x.owned, p.sel)
		} else {
			x.owned[p.sel] = selection{targets: p.targets}
		}
	}
	x.selMu.Unlock()
	for _, p := range prev {
		owner := x.win
		if p.targets == nil {
			owner = 0
		}
		xproto.SetSelectionOwner(x.conn, owner, p.sel, ts)
	}
	x.sync()
}

// serve answers a SelectionRequest (ICCCM 2.2) from what we own.
func (x *X11) serve(e xproto.SelectionRequestEvent) {
	prop := e.Property
	if prop == 0 {
		prop = e.Target // obsolete requestors
	}
	x.selMu.Lock()
	s, ok := x.owned[e.Selection]
	served := x.served
	x.selMu.Unlock()
	answered := xproto.Atom(0)
	if ok {
		switch {
		case e.Target == x.atoms["TARGETS"]:
			list := []xproto.Atom{x.atoms["TARGETS"], x.atoms["TIMESTAMP"]}
			for a := range s.targets {
				list = append(list, a)
			}
			data := make([]byte, 4*len(list))
			for i, a := range list {
				data[4*i], data[4*i+1], data[4*i+2], data[4*i+3] = byte(a), byte(a>>8), byte(a>>16), byte(a>>24)
			}
			xproto.ChangeProperty(x.conn, xproto.PropModeReplace, e.Requestor, prop, x.atoms["ATOM"], 32, uint32(len(list)), data)
			answered = prop
		case e.Target == x.atoms["TIMESTAMP"]:
			answered = 0 // we do not track the acquisition time; requestors fall back
		default:
			if it, ok := s.targets[e.Target]; ok {
				n := uint32(len(it.data))
				if it.format == 16 {
					n /= 2
				} else if it.format == 32 {
					n /= 4
				}
				xproto.ChangeProperty(x.conn, xproto.PropModeReplace, e.Requestor, prop, it.typ, it.format, n, it.data)
				answered = prop
				if s.paste && served != nil {
					select {
					case served <- struct{}{}:
					default:
					}
				}
			}
		}
	}
	ev := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection,
		Target: e.Target, Property: answered}
	xproto.SendEvent(x.conn, false, e.Requestor, 0, string(ev.Bytes()))
}
