package export

import (
	"archive/zip"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with testdata/name.golden, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/export -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (rerun with -update if the change is intended)\n--- got ---\n%s", name, path, got)
	}
}

// docxDump renders a DOCX package as text: each part's name and content, in archive order.
func docxDump(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open docx: %v", err)
	}
	var b bytes.Buffer
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		b.WriteString("=== " + f.Name + " (" + f.Modified.UTC().Format("2006-01-02T15:04:05Z") + ")\n")
		b.Write(content)
		b.WriteString("\n")
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	def := DefaultOptions()
	words := def
	words.WordCues = true
	karaoke := words
	karaoke.WordsPerCue = 4
	narrow := Options{Speakers: true, MaxLineLength: 20, MaxLines: 1}
	safe := def
	safe.EscapeFormulas = true
	tests := []struct {
		name   string
		format Format
		opt    Options
	}{
		{"txt", TXT, def},
		{"txt_plain", TXT, Options{}},
		{"srt", SRT, def},
		{"srt_plain", SRT, Options{}},
		{"srt_narrow", SRT, narrow},
		{"srt_words", SRT, words},
		{"vtt", VTT, def},
		{"vtt_words", VTT, words},
		{"vtt_karaoke", VTT, karaoke},
		{"json", JSON, def},
		{"csv", CSV, def},
		{"csv_safe", CSV, safe},
		{"md", Markdown, def},
		{"md_plain", Markdown, Options{}},
		{"docx", DOCX, def},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, richTranscript(), tc.format, tc.opt); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			if tc.format == DOCX {
				got = docxDump(t, got)
			}
			checkGolden(t, tc.name, got)
		})
	}
}
