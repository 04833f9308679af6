//go:build darwin || windows

package tray

import (
	"fmt"
	"sync"

	"golang.design/x/hotkey"
)

var nativeKeys = map[string]hotkey.Key{
	"Space": hotkey.KeySpace, "Return": hotkey.KeyReturn, "Escape": hotkey.KeyEscape, "Tab": hotkey.KeyTab,
	"Delete": hotkey.KeyDelete, "Left": hotkey.KeyLeft, "Right": hotkey.KeyRight, "Up": hotkey.KeyUp, "Down": hotkey.KeyDown,
	"A": hotkey.KeyA, "B": hotkey.KeyB, "C": hotkey.KeyC, "D": hotkey.KeyD, "E": hotkey.KeyE, "F": hotkey.KeyF,
	"G": hotkey.KeyG, "H": hotkey.KeyH, "I": hotkey.KeyI, "J": hotkey.KeyJ, "K": hotkey.KeyK, "L": hotkey.KeyL,
	"M": hotkey.KeyM, "N": hotkey.KeyN, "O": hotkey.KeyO, "P": hotkey.KeyP, "Q": hotkey.KeyQ, "R": hotkey.KeyR,
	"S": hotkey.KeyS, "T": hotkey.KeyT, "U": hotkey.KeyU, "V": hotkey.KeyV, "W": hotkey.KeyW, "X": hotkey.KeyX,
	"Y": hotkey.KeyY, "Z": hotkey.KeyZ,
	"0": hotkey.Key0, "1": hotkey.Key1, "2": hotkey.Key2, "3": hotkey.Key3, "4": hotkey.Key4,
	"5": hotkey.Key5, "6": hotkey.Key6, "7": hotkey.Key7, "8": hotkey.Key8, "9": hotkey.Key9,
	"F1": hotkey.KeyF1, "F2": hotkey.KeyF2, "F3": hotkey.KeyF3, "F4": hotkey.KeyF4, "F5": hotkey.KeyF5,
	"F6": hotkey.KeyF6, "F7": hotkey.KeyF7, "F8": hotkey.KeyF8, "F9": hotkey.KeyF9, "F10": hotkey.KeyF10,
	"F11": hotkey.KeyF11, "F12": hotkey.KeyF12,
}

type nativeHotkey struct {
	hk   *hotkey.Hotkey
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func registerHotkey(s Shortcut, fns hotkeyFuncs) (hotkeyImpl, error) {
	var mods []hotkey.Modifier
	if s.Ctrl {
		mods = append(mods, hotkey.ModCtrl)
	}
	if s.Shift {
		mods = append(mods, hotkey.ModShift)
	}
	if s.Alt {
		mods = append(mods, modAlt)
	}
	if s.Super {
		mods = append(mods, modSuper)
	}
	hk := hotkey.New(mods, nativeKeys[s.Key])
	if err := hk.Register(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrHotkeyTaken, s, err)
	}
	h := &nativeHotkey{hk: hk, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			select {
			case <-hk.Keydown():
				if fns.down != nil {
					fns.down()
				}
			case <-hk.Keyup():
				if fns.up != nil {
					fns.up()
				}
			case <-h.stop:
				return
			}
		}
	}()
	return h, nil
}

func (h *nativeHotkey) close() error {
	var err error
	h.once.Do(func() {
		close(h.stop)
		<-h.done
		err = h.hk.Unregister()
	})
	return err
}
