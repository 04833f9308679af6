package export

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkWrite exports a 3,000-segment, 30,000-word transcript in each format.
func BenchmarkWrite(b *testing.B) {
	tr := bigTranscript(3000)
	words := DefaultOptions()
	words.WordCues = true
	words.WordsPerCue = 4
	type benchCase struct {
		name string
		f    Format
		opt  Options
	}
	var cases []benchCase
	for _, f := range Formats() {
		cases = append(cases, benchCase{string(f), f, DefaultOptions()})
	}
	cases = append(cases, benchCase{"srt-words", SRT, words}, benchCase{"vtt-karaoke", VTT, words})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var n countWriter
			if err := Write(&n, tr, c.f, c.opt); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, tr, c.f, c.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

func BenchmarkParse(b *testing.B) {
	tr := bigTranscript(3000)
	for _, f := range []Format{SRT, VTT, JSON} {
		var buf bytes.Buffer
		if err := Write(&buf, tr, f, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(string(f), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				switch f {
				case SRT:
					_, err = ParseSRT(bytes.NewReader(data))
				case VTT:
					_, err = ParseVTT(bytes.NewReader(data))
				case JSON:
					_, err = Import(bytes.NewReader(data))
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
