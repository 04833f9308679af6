package quickrecord

import (
	"fmt"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
	"github.com/hushscribe/hushscribe/internal/tray"
)

// TrayState is what the tray shows for s. The app adds the vault fields (VaultLocked, NoVault).
// The text of a Private transcript is not put in the menu.
func TrayState(s State) tray.State {
	ts := tray.State{
		Recording: s.Phase == Recording,
		Busy:      s.Phase == Transcribing,
		Elapsed:   s.Elapsed,
	}
	if o := s.Last; o != nil {
		if t := o.Transcript; t != nil {
			if t.Level == transcript.Private {
				ts.Last = fmt.Sprintf("private transcript (%s)", o.Duration.Round(time.Second))
			} else {
				ts.Last = t.Text()
			}
		}
		if o.Err != nil {
			_, ts.Error = Message(o)
		}
	}
	return ts
}
