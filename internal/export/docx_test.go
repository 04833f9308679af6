package export

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/hushscribe/hushscribe/internal/testgate"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// docxParts opens a DOCX package and returns its parts by name, checking every XML part is
// well-formed.
func docxParts(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		parts[f.Name] = b
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "docProps/core.xml"} {
		if parts[name] == nil {
			t.Errorf("missing part %s", name)
		}
	}
	return parts
}

// docxParagraphs decodes word/document.xml and returns the text of each w:p.
func docxParagraphs(t *testing.T, doc []byte) []string {
	t.Helper()
	var body struct {
		Paragraphs []struct {
			Runs []struct {
				Text string `xml:"t"`
			} `xml:"r"`
		} `xml:"body>p"`
	}
	if err := xml.Unmarshal(doc, &body); err != nil {
		t.Fatalf("decode document.xml: %v", err)
	}
	var out []string
	for _, p := range body.Paragraphs {
		var b strings.Builder
		for _, r := range p.Runs {
			b.WriteString(r.Text)
		}
		out = append(out, b.String())
	}
	return out
}

func TestDOCX(t *testing.T) {
	tr := richTranscript()
	tr.Segments = append(tr.Segments, transcript.Segment{Text: "control \x01\x1f and bad \xfe bytes ]]> </w:t>"})
	var a, b bytes.Buffer
	if err := Write(&a, tr, DOCX, DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, tr, DOCX, DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("DOCX output is not deterministic")
	}
	parts := docxParts(t, a.Bytes())
	paras := docxParagraphs(t, parts["word/document.xml"])
	all := strings.Join(paras, "\n")
	if paras[0] != title(tr) {
		t.Errorf("first paragraph %q, want the title", paras[0])
	}
	for _, s := range tr.Segments {
		if txt := cleanText(s.Text); !strings.Contains(all, txt) {
			t.Errorf("document lacks segment text %q", txt)
		}
	}
	if !strings.Contains(all, "Bob \"B&B\" <O'Neil> (00:00:02): Thanks!") {
		t.Error("document lacks a speaker and timestamp label")
	}
	if !bytes.Contains(parts["docProps/core.xml"], []byte("<dc:title>Weekly sync: &#34;Q&amp;A&#34; &lt;draft&gt;</dc:title>")) {
		t.Errorf("core.xml title: %s", parts["docProps/core.xml"])
	}
}

func TestDOCXOptions(t *testing.T) {
	tr := &transcript.Transcript{
		Speakers: []transcript.Speaker{{ID: "a", Name: "Ann"}},
		Segments: []transcript.Segment{{Start: 61e9, Text: "hello", Speaker: "a"}},
	}
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{}, "hello"},
		{Options{Speakers: true}, "Ann: hello"},
		{Options{Timestamps: true}, "(00:01:01) hello"},
		{Options{Speakers: true, Timestamps: true}, "Ann (00:01:01): hello"},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, tr, DOCX, tc.opt); err != nil {
			t.Fatal(err)
		}
		paras := docxParagraphs(t, docxParts(t, buf.Bytes())["word/document.xml"])
		if got := paras[len(paras)-1]; got != tc.want {
			t.Errorf("%+v: paragraph %q, want %q", tc.opt, got, tc.want)
		}
	}
}

// TestDOCXLibreOffice converts the document to text with LibreOffice when it is installed.
func TestDOCXLibreOffice(t *testing.T) {
	var office string
	for _, name := range []string{"libreoffice", "soffice"} {
		if p, err := exec.LookPath(name); err == nil {
			office = p
			break
		}
	}
	if office == "" {
		testgate.Missing(t, "LibreOffice not installed (apt-get install libreoffice-writer-nogui)")
		return
	}
	if testing.Short() {
		t.Skip("slow: starts LibreOffice")
	}
	dir := t.TempDir()
	tr := richTranscript()
	var buf bytes.Buffer
	if err := Write(&buf, tr, DOCX, DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "t.docx")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(office, "--headless", "-env:UserInstallation=file://"+filepath.ToSlash(dir)+"/profile",
		"--convert-to", "txt:Text (encoded):UTF8", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "t.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\uFEFF' {
			return -1
		}
		return r
	}, string(got))
	for _, s := range tr.Segments {
		if want := stripSpace(cleanText(s.Text)); !strings.Contains(text, want) {
			t.Errorf("LibreOffice text lacks %q", want)
		}
	}
}
