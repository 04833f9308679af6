package export

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/hushscribe/hushscribe/internal/transcript"
)

const (
	docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
		`</Types>`
	docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
		`</Relationships>`
)

// writeDOCX writes a minimal Office Open XML word-processing package: [Content_Types].xml,
// _rels/.rels, word/document.xml and docProps/core.xml. The document has the title as a bold
// outline-level heading, a paragraph per metadata field, and one paragraph per non-empty segment with
// the speaker's name in bold and the start time in grey, as opt asks. All parts carry a fixed
// modification time, so output is deterministic for a given Go version.
func writeDOCX(w io.Writer, t *transcript.Transcript, opt Options) error {
	// Every part gets the same fixed modification time, so that a transcript always gives the same
	// bytes.
	modified := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	zw := zip.NewWriter(w)
	parts := []struct {
		name  string
		write func(*bufio.Writer) error
	}{
		{"[Content_Types].xml", func(b *bufio.Writer) error { _, err := b.WriteString(docxContentTypes); return err }},
		{"_rels/.rels", func(b *bufio.Writer) error { _, err := b.WriteString(docxRels); return err }},
		{"docProps/core.xml", func(b *bufio.Writer) error { return writeCoreXML(b, t) }},
		{"word/document.xml", func(b *bufio.Writer) error { return writeDocumentXML(b, t, opt) }},
	}
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return fmt.Errorf("create %s: %w", p.name, err)
		}
		b := bufio.NewWriterSize(f, 32<<10)
		if err := p.write(b); err != nil {
			return fmt.Errorf("write %s: %w", p.name, err)
		}
		if err := b.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("close zip: %w", err)
	}
	return nil
}

// xmlText writes s escaped for XML character data or attribute values; characters XML cannot carry
// become U+FFFD.
func xmlText(w *bufio.Writer, s string) {
	xml.EscapeText(w, []byte(s)) // errors surface at Flush
}

func writeCoreXML(w *bufio.Writer, t *transcript.Transcript) error {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
		`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`)
	w.WriteString("<dc:title>")
	xmlText(w, title(t))
	w.WriteString("</dc:title>")
	if lang := cleanText(t.Language); lang != "" {
		w.WriteString("<dc:language>")
		xmlText(w, lang)
		w.WriteString("</dc:language>")
	}
	if !t.Created.IsZero() {
		w.WriteString(`<dcterms:created xsi:type="dcterms:W3CDTF">`)
		xmlText(w, t.Created.UTC().Format("2006-01-02T15:04:05Z"))
		w.WriteString("</dcterms:created>")
	}
	_, err := w.WriteString("</cp:coreProperties>")
	return err
}

// run writes one w:r with optional bold and colour.
func run(w *bufio.Writer, s string, bold bool, color string) {
	w.WriteString("<w:r>")
	if bold || color != "" {
		w.WriteString("<w:rPr>")
		if bold {
			w.WriteString("<w:b/>")
		}
		if color != "" {
			w.WriteString(`<w:color w:val="` + color + `"/>`)
		}
		w.WriteString("</w:rPr>")
	}
	w.WriteString(`<w:t xml:space="preserve">`)
	xmlText(w, s)
	w.WriteString("</w:t></w:r>")
}

func writeDocumentXML(w *bufio.Writer, t *transcript.Transcript, opt Options) error {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	w.WriteString(`<w:p><w:pPr><w:spacing w:after="240"/><w:outlineLvl w:val="0"/></w:pPr>` +
		`<w:r><w:rPr><w:b/><w:sz w:val="40"/></w:rPr><w:t xml:space="preserve">`)
	xmlText(w, title(t))
	w.WriteString("</w:t></w:r></w:p>\n")
	for _, m := range metadata(t) {
		w.WriteString("<w:p>")
		run(w, m.name+": ", true, "")
		run(w, m.value, false, "")
		w.WriteString("</w:p>\n")
	}
	w.WriteString("<w:p/>\n")
	for i := range t.Segments {
		seg := &t.Segments[i]
		text := cleanText(seg.Text)
		if text == "" {
			continue
		}
		var name string
		if opt.Speakers {
			name = speakerLabel(t, seg)
		}
		w.WriteString("<w:p>")
		switch {
		case name != "" && opt.Timestamps:
			run(w, name, true, "")
			run(w, " ("+clock(seg.Start)+")", false, "808080")
			run(w, ": "+text, false, "")
		case name != "":
			run(w, name, true, "")
			run(w, ": "+text, false, "")
		case opt.Timestamps:
			run(w, "("+clock(seg.Start)+") ", false, "808080")
			run(w, text, false, "")
		default:
			run(w, text, false, "")
		}
		w.WriteString("</w:p>\n")
	}
	_, err := w.WriteString("</w:body></w:document>\n")
	return err
}
