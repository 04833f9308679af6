package dictation

import (
	"fmt"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/tray"
)

// TrayState lays a dictation in progress over the tray state ts (the quick recording's): the
// icon shows recording while the microphone is on and busy while the text is being transcribed
// or typed, and the tooltip (which takes no focus) the time and a level meter. The dictated text
// is never shown: the tooltip may be read by other programs.
func TrayState(ts tray.State, s State) tray.State {
	switch s.Phase {
	case Idle:
		return ts
	case Starting, Recording:
		ts.Recording = true
		ts.Status = fmt.Sprintf("dictating %s %s", clock(s.Elapsed), LevelBar(s.Level.RMS, 8))
		if s.Mode == PushToTalk {
			ts.Status += " (release the shortcut to finish, Escape cancels)"
		} else {
			ts.Status += " (press the shortcut again to finish, Escape cancels)"
		}
	case Finishing, Transcribing:
		ts.Busy, ts.Status = true, "transcribing the dictation…"
	case Inserting:
		ts.Busy, ts.Status = true, "typing the dictation…"
	}
	return ts
}

// LevelBar draws an RMS level in dBFS (-60..0) as n cells.
func LevelBar(rms float64, n int) string {
	f := (rms + 60) / 60
	k := int(f*float64(n) + 0.5)
	k = max(0, min(n, k))
	return "[" + strings.Repeat("|", k) + strings.Repeat(".", n-k) + "]"
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
