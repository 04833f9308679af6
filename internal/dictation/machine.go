package dictation

import "fmt"

// Mode is how the shortcut drives a dictation.
type Mode int

const (
	// PushToTalk records while the shortcut is held; releasing it finishes the dictation.
	PushToTalk Mode = iota
	// Toggle starts recording on one press and finishes on the next.
	Toggle
)

func (m Mode) String() string {
	switch m {
	case PushToTalk:
		return "push-to-talk"
	case Toggle:
		return "toggle"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads "push-to-talk" (or "ptt", "hold") and "toggle".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "push-to-talk", "ptt", "hold", "":
		return PushToTalk, nil
	case "toggle":
		return Toggle, nil
	}
	return 0, fmt.Errorf("%w: mode %q (want push-to-talk or toggle)", ErrBadOptions, s)
}

// Phase is where a dictation is.
type Phase int

const (
	Idle         Phase = iota
	Starting           // the shortcut was pressed; the microphone is opening
	Recording          // audio is being recorded
	Finishing          // the recording was asked to stop; its audio is on the way
	Transcribing       // the engine runs on the recording
	Inserting          // the text is being typed or pasted into the focused app
)

var phaseNames = [...]string{"idle", "starting", "recording", "finishing", "transcribing", "inserting"}

func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// MarshalText writes a Phase as its name.
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Event is something that happens to a dictation: the user's keys (Press, Release, Cancel) or the
// end of a step the session ran (the rest, which carry the generation of the dictation they
// belong to).
type Event int

const (
	Press       Event = iota // the shortcut went down
	Release                  // the shortcut came up
	Cancel                   // the cancel key (Escape) or the tray's cancel
	Started                  // the microphone is recording
	StartFailed              // the microphone could not be opened
	Captured                 // the recording ended and its audio is in hand
	Transcribed              // the engine produced text
	Failed                   // the engine (or anything before insertion) failed, or no text
	Inserted                 // the text was inserted (or insertion failed: the session reports it)
)

var eventNames = [...]string{"press", "release", "cancel", "started", "start-failed", "captured", "transcribed", "failed", "inserted"}

func (e Event) String() string {
	if e >= 0 && int(e) < len(eventNames) {
		return eventNames[e]
	}
	return fmt.Sprintf("Event(%d)", int(e))
}

// Action is what the machine asks the session to do.
type Action int

const (
	StartCapture    Action = iota // open the microphone and record
	StopCapture                   // stop recording and keep the audio for transcription
	DiscardCapture                // stop recording (or wait for the microphone to open, then stop) and wipe the audio
	Transcribe                    // transcribe the captured audio (then wipe it)
	AbortTranscribe               // cancel the transcription in progress; its text is dropped
	Insert                        // insert the transcribed text into the focused app
	AbortInsert                   // stop inserting (keys already sent stay)
	Busy                          // tell the user the last dictation is still being finished
)

var actionNames = [...]string{"start-capture", "stop-capture", "discard-capture", "transcribe", "abort-transcribe", "insert", "abort-insert", "busy"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Step is one action for one dictation (its generation).
type Step struct {
	Action Action
	Gen    uint64
}

// Machine is the dictation state machine: it has no clock, goroutines or I/O, so every race
// between the user's keys and the session's steps is a sequence of Handle calls a test can write
// down. Events of an earlier dictation (a stale generation) are ignored, so a late "captured" from
// a cancelled recording cannot start a transcription.
//
// Rules:
//   - Press in Idle starts a dictation (StartCapture). Auto-repeated presses while the key is held
//     are ignored in both modes.
//   - Push-to-talk: Release finishes it; a Release that comes before the microphone has opened is
//     remembered and stops the recording as soon as it starts.
//   - Toggle: the second Press finishes it (also while the microphone is still opening); Release is
//     ignored.
//   - A Press while finishing, transcribing or inserting does not start a second dictation: it asks
//     for Busy and is otherwise ignored, and so is its Release.
//   - Cancel discards: while starting or recording the audio is wiped (DiscardCapture), while
//     transcribing the result is dropped (AbortTranscribe), while inserting the rest of the text is
//     not sent (AbortInsert). Cancel in Idle does nothing.
//   - A recording that ends on its own (silence, device lost, length limit) goes on to transcription
//     as if the user had finished it.
type Machine struct {
	Mode  Mode
	phase Phase
	gen   uint64
	// stopAfterStart: the dictation was finished (push-to-talk release or toggle press) before
	// the microphone opened.
	stopAfterStart bool
	// held: the shortcut is down (push-to-talk and toggle both track it, to ignore auto-repeat).
	held bool
}

// Phase is the current phase.
func (m *Machine) Phase() Phase { return m.phase }

// Gen is the generation of the current (or last) dictation; session events must carry it.
func (m *Machine) Gen() uint64 { return m.gen }

// Handle feeds one user event (gen is ignored for Press, Release and Cancel) and returns what to do.
func (m *Machine) Handle(ev Event, gen uint64) []Step {
	switch ev {
	case Press:
		return m.press()
	case Release:
		return m.release()
	case Cancel:
		return m.cancel()
	}
	if gen != m.gen {
		return nil // from an earlier, cancelled dictation
	}
	step := func(a Action) []Step { return []Step{{a, m.gen}} }
	switch {
	case ev == Started && m.phase == Starting:
		if m.stopAfterStart {
			m.stopAfterStart = false
			m.phase = Finishing
			return step(StopCapture)
		}
		m.phase = Recording
	case ev == StartFailed && m.phase == Starting:
		m.phase, m.stopAfterStart = Idle, false
	case ev == Captured && (m.phase == Recording || m.phase == Finishing):
		m.phase = Transcribing
		return step(Transcribe)
	case ev == Transcribed && m.phase == Transcribing:
		m.phase = Inserting
		return step(Insert)
	case ev == Failed && m.phase == Transcribing:
		m.phase = Idle
	case ev == Inserted && m.phase == Inserting:
		m.phase = Idle
	}
	return nil
}

func (m *Machine) press() []Step {
	repeat := m.held
	m.held = true
	if repeat {
		return nil
	}
	switch m.phase {
	case Idle:
		m.gen++
		m.phase, m.stopAfterStart = Starting, false
		return []Step{{StartCapture, m.gen}}
	case Starting:
		// Toggle: a second press finishes; push-to-talk: held again, keep recording.
		m.stopAfterStart = m.Mode == Toggle
	case Recording:
		if m.Mode == Toggle {
			m.phase = Finishing
			return []Step{{StopCapture, m.gen}}
		}
	case Finishing, Transcribing, Inserting:
		return []Step{{Busy, m.gen}}
	}
	return nil
}

func (m *Machine) release() []Step {
	if !m.held {
		return nil // a release without a press we saw (e.g. the key was down when we started)
	}
	m.held = false
	if m.Mode != PushToTalk {
		return nil
	}
	switch m.phase {
	case Starting:
		m.stopAfterStart = true
	case Recording:
		m.phase = Finishing
		return []Step{{StopCapture, m.gen}}
	}
	return nil
}

func (m *Machine) cancel() []Step {
	g := m.gen
	switch m.phase {
	case Starting, Recording, Finishing:
		m.phase, m.stopAfterStart = Idle, false
		m.gen++ // late events of this dictation are stale now
		return []Step{{DiscardCapture, g}}
	case Transcribing:
		m.phase = Idle
		m.gen++
		return []Step{{AbortTranscribe, g}}
	case Inserting:
		m.phase = Idle
		m.gen++
		return []Step{{AbortInsert, g}}
	}
	return nil
}
