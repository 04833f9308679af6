package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

// writeCSV writes an RFC 4180 table (CRLF line ends, quoting as needed) with the header
// "start,end,speaker,text" and one row per segment, empty ones included. Times are seconds with
// millisecond precision ("83.250"), a negative time written as 0 and an end before the start as the
// start; speaker is the display name. With
// opt.EscapeFormulas, a speaker or text cell that a spreadsheet would read as a formula gets a
// leading apostrophe.
func writeCSV(w *bufio.Writer, t *transcript.Transcript, opt Options) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cell := func(s string) string {
		s = cleanText(s)
		if opt.EscapeFormulas && s != "" {
			switch s[0] {
			case '=', '+', '-', '@', '\t', '\r':
				s = "'" + s
			}
		}
		return s
	}
	if err := cw.Write([]string{"start", "end", "speaker", "text"}); err != nil {
		return err
	}
	for i := range t.Segments {
		seg := &t.Segments[i]
		start, end := segmentSpan(seg)
		var name string
		if seg.Speaker != "" {
			name = t.SpeakerName(seg.Speaker)
		}
		if err := cw.Write([]string{seconds(start), seconds(end), cell(name), cell(seg.Text)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// seconds formats a non-negative d as seconds with three decimals.
func seconds(d time.Duration) string {
	ms := int64(roundMS(d) / time.Millisecond)
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}
