package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !bytes.Contains(data, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("rows must end in CRLF and contain no bare LF")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

func TestCSV(t *testing.T) {
	tr := richTranscript()
	for _, safe := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Write(&buf, tr, CSV, Options{EscapeFormulas: safe}); err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, buf.Bytes())
		if got := strings.Join(rows[0], ","); got != "start,end,speaker,text" {
			t.Errorf("header %q", got)
		}
		rows = rows[1:]
		if len(rows) != len(tr.Segments) {
			t.Fatalf("%d rows for %d segments", len(rows), len(tr.Segments))
		}
		for i, row := range rows {
			s := tr.Segments[i]
			start, end := segmentSpan(&s)
			if row[0] != seconds(start) || row[1] != seconds(end) {
				t.Errorf("row %d times %s,%s", i, row[0], row[1])
			}
			text := cleanText(s.Text)
			if safe && text != "" && strings.ContainsRune("=+-@", rune(text[0])) {
				text = "'" + text
			}
			if row[3] != text {
				t.Errorf("row %d text %q, want %q", i, row[3], text)
			}
			if s.Speaker != "" && row[2] != tr.SpeakerName(s.Speaker) {
				t.Errorf("row %d speaker %q", i, row[2])
			}
		}
	}
}

func TestCSVFormulaEscaping(t *testing.T) {
	tests := []struct{ in, plain, safe string }{
		{"=1+1", "=1+1", "'=1+1"},
		{"+44 20", "+44 20", "'+44 20"},
		{"-2", "-2", "'-2"},
		{"@SUM(A1)", "@SUM(A1)", "'@SUM(A1)"},
		{"  =after trim", "=after trim", "'=after trim"},
		{"a=b", "a=b", "a=b"},
		{"", "", ""},
		{`"quoted", comma`, `"quoted", comma`, `"quoted", comma`},
	}
	for _, tc := range tests {
		tr := richTranscript()
		tr.Segments = tr.Segments[:1]
		tr.Segments[0].Text = tc.in
		tr.Speakers[0].Name = tc.in
		for _, safe := range []bool{false, true} {
			var buf bytes.Buffer
			if err := Write(&buf, tr, CSV, Options{EscapeFormulas: safe}); err != nil {
				t.Fatal(err)
			}
			row := readCSV(t, buf.Bytes())[1]
			want := tc.plain
			if safe {
				want = tc.safe
			}
			if row[3] != want || (tc.in != "" && row[2] != want) {
				t.Errorf("in %q safe=%v: speaker %q text %q, want %q", tc.in, safe, row[2], row[3], want)
			}
		}
	}
}
