package dictation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/capture"
	"github.com/hushscribe/hushscribe/internal/tray"
)

// in is one input to the machine in a script: a user event, or a session event of the current
// generation (cur) or of the one before (stale).
type in struct {
	ev    Event
	stale bool
}

var (
	press       = in{ev: Press}
	release     = in{ev: Release}
	cancel      = in{ev: Cancel}
	started     = in{ev: Started}
	startFailed = in{ev: StartFailed}
	captured    = in{ev: Captured}
	transcribed = in{ev: Transcribed}
	failed      = in{ev: Failed}
	inserted    = in{ev: Inserted}
)

func stale(i in) in { i.stale = true; return i }

// script feeds the script and returns, per input, "phase:actions" like "recording:" or
// "finishing:stop-capture".
func script(mode Mode, steps []in) string {
	m := &Machine{Mode: mode}
	var out []string
	prev := uint64(0)
	for _, i := range steps {
		g := m.Gen()
		if i.stale {
			g = prev
		}
		before := m.Gen()
		steps := m.Handle(i.ev, g)
		if m.Gen() != before {
			prev = before
		}
		var acts []string
		for _, s := range steps {
			a := s.Action.String()
			if s.Gen != before && s.Gen != m.Gen() {
				a += fmt.Sprintf("@%d", s.Gen)
			}
			acts = append(acts, a)
		}
		out = append(out, m.Phase().String()+":"+strings.Join(acts, ","))
	}
	return strings.Join(out, " ")
}

func TestMachine(t *testing.T) {
	tests := []struct {
		name  string
		mode  Mode
		steps []in
		want  string
	}{
		{"push-to-talk: hold, speak, release", PushToTalk,
			[]in{press, started, release, captured, transcribed, inserted},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe inserting:insert idle:"},
		{"push-to-talk: auto-repeat presses while held are ignored", PushToTalk,
			[]in{press, started, press, press, release, captured},
			"starting:start-capture recording: recording: recording: finishing:stop-capture transcribing:transcribe"},
		{"push-to-talk: release before the microphone opened stops it as soon as it does", PushToTalk,
			[]in{press, release, started, captured, transcribed, inserted},
			"starting:start-capture starting: finishing:stop-capture transcribing:transcribe inserting:insert idle:"},
		{"push-to-talk: press and release again before the microphone opened", PushToTalk,
			[]in{press, release, press, started},
			"starting:start-capture starting: starting: recording:"},
		{"push-to-talk: a stray release in idle does nothing", PushToTalk,
			[]in{release, press, started},
			"idle: starting:start-capture recording:"},
		{"push-to-talk: second press while transcribing is busy and its release changes nothing", PushToTalk,
			[]in{press, started, release, captured, press, release, transcribed, inserted},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe transcribing:busy transcribing: inserting:insert idle:"},
		{"push-to-talk: key held through the end of insertion needs a new press", PushToTalk,
			[]in{press, started, release, captured, press, transcribed, inserted, press, release, press},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe transcribing:busy inserting:insert idle: idle: idle: starting:start-capture"},
		{"push-to-talk: press while inserting is busy", PushToTalk,
			[]in{press, started, release, captured, transcribed, press, inserted},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe inserting:insert inserting:busy idle:"},
		{"push-to-talk: press while finishing is busy", PushToTalk,
			[]in{press, started, release, press, captured},
			"starting:start-capture recording: finishing:stop-capture finishing:busy transcribing:transcribe"},
		{"cancel while recording discards; the late capture is stale", PushToTalk,
			[]in{press, started, cancel, stale(captured), release},
			"starting:start-capture recording: idle:discard-capture idle: idle:"},
		{"cancel while the microphone opens discards it once open", PushToTalk,
			[]in{press, cancel, stale(started), release, press},
			"starting:start-capture idle:discard-capture idle: idle: starting:start-capture"},
		{"cancel after release, before the audio is in", PushToTalk,
			[]in{press, started, release, cancel, stale(captured)},
			"starting:start-capture recording: finishing:stop-capture idle:discard-capture idle:"},
		{"cancel while transcribing drops the text", PushToTalk,
			[]in{press, started, release, captured, cancel, stale(transcribed)},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe idle:abort-transcribe idle:"},
		{"cancel while inserting stops typing", PushToTalk,
			[]in{press, started, release, captured, transcribed, cancel, stale(inserted)},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe inserting:insert idle:abort-insert idle:"},
		{"cancel in idle does nothing", PushToTalk,
			[]in{cancel, press},
			"idle: starting:start-capture"},
		{"a new dictation right after a cancel ignores the old one's events", PushToTalk,
			[]in{press, started, cancel, release, press, stale(captured), started, release},
			"starting:start-capture recording: idle:discard-capture idle: starting:start-capture starting: recording: finishing:stop-capture"},
		{"microphone fails to open", PushToTalk,
			[]in{press, startFailed, release, press},
			"starting:start-capture idle: idle: starting:start-capture"},
		{"recording that ends by itself (silence) is transcribed", PushToTalk,
			[]in{press, started, captured, release, transcribed},
			"starting:start-capture recording: transcribing:transcribe transcribing: inserting:insert"},
		{"transcription fails", PushToTalk,
			[]in{press, started, release, captured, failed, press},
			"starting:start-capture recording: finishing:stop-capture transcribing:transcribe idle: starting:start-capture"},
		{"toggle: press, release, press again finishes", Toggle,
			[]in{press, started, release, press, release, captured, transcribed, inserted},
			"starting:start-capture recording: recording: finishing:stop-capture finishing: transcribing:transcribe inserting:insert idle:"},
		{"toggle: second press before the microphone opened", Toggle,
			[]in{press, release, press, started},
			"starting:start-capture starting: starting: finishing:stop-capture"},
		{"toggle: held key repeats do not finish", Toggle,
			[]in{press, started, press, press, release},
			"starting:start-capture recording: recording: recording: recording:"},
		{"toggle: press while transcribing is busy", Toggle,
			[]in{press, started, release, press, release, captured, press, release, transcribed},
			"starting:start-capture recording: recording: finishing:stop-capture finishing: transcribing:transcribe transcribing:busy transcribing: inserting:insert"},
		{"toggle: cancel while recording", Toggle,
			[]in{press, release, started, cancel, press},
			"starting:start-capture starting: recording: idle:discard-capture starting:start-capture"},
		{"events for a phase that is not current are ignored", PushToTalk,
			[]in{started, captured, transcribed, inserted, press, captured, transcribed},
			"idle: idle: idle: idle: starting:start-capture starting: starting:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := script(tt.mode, tt.steps); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMachineNeverStuck drives the machine with every sequence of up to 7 events (current
// generation) and checks that it always ends in Idle after cancel, and that StartCapture only ever
// comes from Idle.
func TestMachineNeverStuck(t *testing.T) {
	events := []Event{Press, Release, Cancel, Started, StartFailed, Captured, Transcribed, Failed, Inserted}
	var walk func(m Machine, depth int)
	walk = func(m Machine, depth int) {
		if depth == 0 {
			c := m
			c.Handle(Cancel, 0)
			if c.Phase() != Idle {
				t.Fatalf("cancel left %v", c.Phase())
			}
			return
		}
		for _, ev := range events {
			c := m
			before := c.Phase()
			for _, s := range c.Handle(ev, c.Gen()) {
				if s.Action == StartCapture && before != Idle {
					t.Fatalf("start-capture from %v", before)
				}
			}
			walk(c, depth-1)
		}
	}
	for _, mode := range []Mode{PushToTalk, Toggle} {
		walk(Machine{Mode: mode}, 6)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"push-to-talk": PushToTalk, "ptt": PushToTalk, "": PushToTalk, "toggle": Toggle} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMode("sometimes"); err == nil {
		t.Error("ParseMode(sometimes) accepted")
	}
}

func TestTrayState(t *testing.T) {
	base := tray.State{Last: "earlier"}
	if got := TrayState(base, State{Phase: Idle}); got != base {
		t.Errorf("idle changed the tray: %+v", got)
	}
	got := TrayState(base, State{Phase: Recording, Elapsed: 3 * time.Second, Level: capture.Level{RMS: -30}})
	if !got.Recording || !strings.Contains(got.Status, "0:03 [||||....]") || !strings.Contains(got.Status, "Escape") {
		t.Errorf("recording: %+v", got)
	}
	for _, p := range []Phase{Finishing, Transcribing, Inserting} {
		if got := TrayState(base, State{Phase: p}); !got.Busy || got.Status == "" {
			t.Errorf("%v: %+v", p, got)
		}
	}
	if LevelBar(-120, 4) != "[....]" || LevelBar(0, 4) != "[||||]" {
		t.Error("LevelBar bounds")
	}
}
