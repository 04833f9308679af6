package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/app"
	"github.com/hushscribe/hushscribe/app/apptest"
)

func TestQuickRecordUnavailable(t *testing.T) {
	f := newFixture(t, nil)
	st, err := f.app.QuickRecordStatus()
	if err != nil || st.Available {
		t.Fatalf("status = %+v, %v; want unavailable", st, err)
	}
	if _, err := f.app.QuickRecordStart(); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("start: %v, want ErrUnavailable", err)
	}
	if _, err := f.app.ListInputDevices(); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("devices: %v, want ErrUnavailable", err)
	}
}

func TestQuickRecord(t *testing.T) {
	q := apptest.NewQuickRecorder()
	f := newFixture(t, func(d *app.Deps) { d.QuickRecord = q })

	ds, err := f.app.ListInputDevices()
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices = %v, %v", ds, err)
	}
	st, err := f.app.QuickRecordStart()
	if err != nil || !st.Available || st.Phase != app.PhaseRecording {
		t.Fatalf("start = %+v, %v", st, err)
	}
	if _, err := f.app.QuickRecordStart(); !errors.Is(err, app.ErrBusy) {
		t.Errorf("second start: %v, want ErrBusy", err)
	}
	mark := f.rt.Len()
	if _, err := f.app.QuickRecordStop(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.QuickRecordStop(); !errors.Is(err, app.ErrNotRecording) {
		t.Errorf("second stop: %v, want ErrNotRecording", err)
	}
	var phases []string
	for _, e := range f.rt.Events()[mark:] {
		if e.Name == app.EventQuickRecord {
			s := e.Data.(app.QuickRecordState)
			if !s.Available {
				t.Errorf("event without Available: %+v", s)
			}
			phases = append(phases, s.Phase)
		}
	}
	if len(phases) != 2 || phases[0] != app.PhaseTranscribing || phases[1] != app.PhaseIdle {
		t.Errorf("phases = %v", phases)
	}
	if _, ok := f.rt.WaitAfter(mark, app.EventLibrary, func(d any) bool { return d == "qr1" }, time.Second); !ok {
		t.Error("no library event for the saved quick recording")
	}

	if _, err := f.app.Lock(); err != nil {
		t.Fatal(err)
	}
	if q.Forgot() != 1 {
		t.Errorf("ForgetLast calls = %d, want 1 after Lock", q.Forgot())
	}
}

func TestQuickRecordSettings(t *testing.T) {
	f := newFixture(t, nil)
	s, err := f.app.GetSettings()
	if err != nil || !s.QuickCopy || !s.QuickSave || s.QuickSilenceSeconds != 0 || s.InputDevice != "" {
		t.Fatalf("defaults = %+v, %v", s, err)
	}
	s.InputDevice, s.QuickSilenceSeconds, s.QuickCopy = "usb", 5, false
	if _, err := f.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	got, _ := f.app.GetSettings()
	if got.InputDevice != "usb" || got.QuickSilenceSeconds != 5 || got.QuickCopy || !got.QuickSave {
		t.Errorf("saved = %+v", got)
	}
	for _, n := range []int{-1, app.MaxQuickSilenceSeconds + 1} {
		s.QuickSilenceSeconds = n
		if _, err := f.app.SaveSettings(s); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("silence %d: %v, want ErrInvalid", n, err)
		}
	}
}

func TestSetHotkey(t *testing.T) {
	f := newFixture(t, nil)
	if info, _ := f.app.SystemInfo(); info.Hotkey != "" {
		t.Errorf("hotkey before registration = %q", info.Hotkey)
	}
	mark := f.rt.Len()
	app.SetHotkey(f.app, "Ctrl+Alt+R")
	if info, _ := f.app.SystemInfo(); info.Hotkey != "Ctrl+Alt+R" {
		t.Errorf("hotkey = %q", info.Hotkey)
	}
	got, ok := f.rt.WaitAfter(mark, app.EventSystem, nil, time.Second)
	if !ok || got.(app.SystemInfo).Hotkey != "Ctrl+Alt+R" {
		t.Errorf("system event = %+v, %v", got, ok)
	}
}

func TestShowTranscript(t *testing.T) {
	f := newFixture(t, nil)
	mark := f.rt.Len()
	app.ShowTranscript(f.app, "abc")
	if got, ok := f.rt.WaitAfter(mark, app.EventShowTranscript, nil, time.Second); !ok || got != "abc" {
		t.Errorf("show event = %v, %v", got, ok)
	}
}
