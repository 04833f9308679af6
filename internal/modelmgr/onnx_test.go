package modelmgr

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/models"
)

// onnxCatalog is a whisper model plus one ONNX model served from its own URL.
func onnxCatalog(whisper, onnx []byte, url string) []models.Entry {
	c := testCatalog(whisper)
	return append(c, models.Entry{Name: "fake-vad", File: "fake_vad.onnx", Size: int64(len(onnx)),
		SHA256: sha256Hex(onnx), Kind: models.KindVAD, URL: url, Description: "test VAD"})
}

// TestONNXModels: an ONNX catalogue model downloads from its own URL (not the whisper host), is found
// by name, never listed as a whisper model nor made the default; imports must match the catalogue.
func TestONNXModels(t *testing.T) {
	onnx := []byte("\x08\x07not really onnx, but the catalogue's bytes")
	var rec recorder
	srv := httptest.NewTLSServer(rec.wrap(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/models/vad.onnx" {
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, onnx, fakeETag)
	}))
	defer srv.Close()
	whisper := fakeModel(1, 1000)
	cat := onnxCatalog(whisper, onnx, srv.URL+"/models/vad.onnx")
	m, err := New(Config{Dir: t.TempDir(), Catalog: cat, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Download(context.Background(), "fake-vad", nil)
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	if got, _ := os.ReadFile(p); string(got) != string(onnx) {
		t.Fatal("downloaded bytes differ")
	}
	if reqs := rec.requests(); len(reqs) != 1 || reqs[0].Path != "/models/vad.onnx" {
		t.Errorf("requests %+v", reqs)
	}
	if q, err := m.Path("fake-vad"); err != nil || q != p {
		t.Errorf("Path = %q, %v", q, err)
	}
	if list, _ := m.List(); len(list) != 0 {
		t.Errorf("List shows ONNX models as whisper models: %+v", list)
	}
	if err := m.SetDefault("fake-vad"); !errors.Is(err, ErrNotModel) {
		t.Errorf("SetDefault(onnx) = %v, want ErrNotModel", err)
	}

	// Import: the catalogue's file by name or by digest; anything else is refused.
	if err := m.Delete("fake-vad"); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "silero.onnx")
	os.WriteFile(src, onnx, 0o600)
	res, err := m.Import(context.Background(), src, "")
	if err != nil || !res.Verified || res.Name != "fake-vad" {
		t.Fatalf("Import by digest = %+v, %v", res, err)
	}
	res, err = m.Import(context.Background(), src, "fake-vad")
	if err != nil || !res.Verified {
		t.Fatalf("Import by name = %+v, %v", res, err)
	}
	other := filepath.Join(t.TempDir(), "other.onnx")
	os.WriteFile(other, []byte("\x08\x07some other model"), 0o600)
	if _, err := m.Import(context.Background(), other, ""); !errors.Is(err, ErrChecksum) {
		t.Errorf("Import(unknown onnx) = %v, want ErrChecksum", err)
	}
	if _, err := m.Import(context.Background(), other, "fake-vad"); !errors.Is(err, ErrChecksum) {
		t.Errorf("Import(wrong onnx as fake-vad) = %v, want ErrChecksum", err)
	}
}
