package voiceprint_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/vault"
	"github.com/hushscribe/hushscribe/internal/voiceprint"
	"github.com/hushscribe/hushscribe/internal/wipe"
)

func key(t *testing.T) *vault.Key {
	t.Helper()
	k, _, err := vault.NewKey([]byte("correct horse battery staple"), vault.TestingParams())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func unit(v ...float32) []float32 {
	s := 0.0
	for _, x := range v {
		s += float64(x * x)
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(s))
	}
	return v
}

// TestStoreSealed: names and embeddings are only in the file sealed under the vault key; list,
// delete and delete-all work; another key or swapped blobs do not open.
func TestStoreSealed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "voiceprints.json")
	s := voiceprint.Open(path)
	k := key(t)
	emb := unit(0.25, -0.5, 0.75, 1)
	alice, err := s.Save(k, "Alice Zyxwvut", "wespeaker-resnet34", emb)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.Save(k, "Bob Qponmlk", "wespeaker-resnet34", unit(1, 0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	raw := make([]byte, 16)
	for i, v := range emb {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	for _, leak := range [][]byte{[]byte("Alice"), []byte("Zyxwvut"), []byte("Qponmlk"), raw} {
		if bytes.Contains(data, leak) {
			t.Errorf("profiles file holds %q in the clear", leak)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	list, err := s.List(k)
	if err != nil || len(list) != 2 || list[0].Name != "Alice Zyxwvut" || list[0].ID != alice.ID || len(list[0].Embedding) != 4 || list[0].Embedding[2] != emb[2] {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if _, err := s.List(key(t)); !errors.Is(err, voiceprint.ErrCorrupt) {
		t.Errorf("another key: %v, want ErrCorrupt", err)
	}
	// Swap the two sealed blobs: each is bound to its profile ID.
	var f struct {
		Version  int              `json:"version"`
		Profiles []map[string]any `json:"profiles"`
	}
	json.Unmarshal(data, &f)
	f.Profiles[0]["sealed"], f.Profiles[1]["sealed"] = f.Profiles[1]["sealed"], f.Profiles[0]["sealed"]
	swapped, _ := json.Marshal(f)
	other := filepath.Join(dir, "swapped.json")
	os.WriteFile(other, swapped, 0o600)
	if _, err := voiceprint.Open(other).List(k); !errors.Is(err, voiceprint.ErrCorrupt) {
		t.Errorf("swapped blobs: %v, want ErrCorrupt", err)
	}
	if err := s.Delete(bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(bob.ID); !errors.Is(err, voiceprint.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if list, _ := s.List(k); len(list) != 1 {
		t.Errorf("after delete: %d profiles", len(list))
	}
	if err := s.DeleteAll(); err != nil {
		t.Fatal(err)
	}
	if list, err := s.List(k); err != nil || len(list) != 0 {
		t.Errorf("after DeleteAll: %v, %v", list, err)
	}
}

func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	s := voiceprint.Open(filepath.Join(dir, "v.json"))
	k := key(t)
	for name, c := range map[string]struct {
		name string
		emb  []float32
	}{
		"empty name":   {"  ", []float32{1}},
		"no embedding": {"A", nil},
		"NaN":          {"A", []float32{float32(math.NaN())}},
	} {
		if _, err := s.Save(k, c.name, "m", c.emb); !errors.Is(err, voiceprint.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := voiceprint.Open(bad).List(k); !errors.Is(err, voiceprint.ErrCorrupt) {
		t.Errorf("corrupt file: %v", err)
	}
}

// TestDeleteEverythingRemovesProfiles: the profiles file lives in the data folder, which "delete
// everything" (internal/wipe) removes.
func TestDeleteEverythingRemovesProfiles(t *testing.T) {
	data := filepath.Join(t.TempDir(), "Hushscribe")
	path := filepath.Join(data, "voiceprints.json")
	if _, err := voiceprint.Open(path).Save(key(t), "Alice", "m", []float32{1, 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := wipe.Everything(context.Background(), wipe.Targets{DataDir: data, ModelsDir: filepath.Join(data, "models")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profiles file survived delete everything: %v", err)
	}
}

func TestMatch(t *testing.T) {
	profiles := []voiceprint.Profile{
		{Name: "Alice", Model: "m", Embedding: unit(1, 0, 0)},
		{Name: "Bob", Model: "m", Embedding: unit(0, 1, 0)},
		{Name: "Carol (other model)", Model: "other", Embedding: unit(0, 0, 1)},
	}
	speakers := [][]float32{unit(0.1, 1, 0), unit(0, 0, 1), unit(1, 0.05, 0), unit(0.95, 0.1, 0)}
	got := voiceprint.Match(profiles, "m", speakers, 0.6)
	want := []string{"Bob", "", "Alice", ""} // one profile names one speaker: the most similar
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("speaker %d: %q, want %q", i, got[i], want[i])
		}
	}
}
