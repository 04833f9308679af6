package backup

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/backupserver/backuptest"
	"github.com/hushscribe/hushscribe/internal/vault"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// kdfVector is a known-answer test of the key derivation, for other implementations (a browser's
// Web Crypto one in particular).
type kdfVector struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	Iterations   int    `json:"iterations"`
	Salt         string `json:"salt"`
	Encryption   string `json:"encryption_key"`
	Auth         string `json:"auth_key"`
	DataKey      string `json:"data_key"`
	TranscriptID string `json:"transcript_id"`
	ObjectID     string `json:"object_id"`
}

func TestKeyDerivationVectors(t *testing.T) {
	inputs := []kdfVector{
		{Email: "alice@example.org", Password: "correct horse battery staple", Iterations: 1000, DataKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", TranscriptID: "0123456789abcdef0123456789abcdef"},
		{Email: "  Bob@Example.ORG", Password: "pässwörd", Iterations: 2, DataKey: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", TranscriptID: "t1"},
	}
	var got []kdfVector
	for _, v := range inputs {
		salt, err := Salt(v.Email)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := DeriveKeys(v.Email, []byte(v.Password), v.Iterations)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := hex.DecodeString(v.DataKey)
		dek, err := vault.ImportKey(raw)
		if err != nil {
			t.Fatal(err)
		}
		idKey, err := objectIDKey(dek)
		if err != nil {
			t.Fatal(err)
		}
		v.Salt, v.Encryption, v.Auth = hex.EncodeToString(salt), hex.EncodeToString(keys.Encryption), hex.EncodeToString(keys.Auth)
		v.ObjectID = objectID(idKey, v.TranscriptID)
		got = append(got, v)
	}
	data, _ := json.MarshalIndent(got, "", "  ")
	data = append(data, '\n')
	path := filepath.Join("testdata", "kdf-vectors.json")
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("key derivation changed (a format break for existing accounts):\n%s\nwant\n%s", data, want)
	}
}

func TestDeriveKeys(t *testing.T) {
	k1, err := DeriveKeys("alice@example.org", []byte("pw"), testIterations)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := DeriveKeys(" ALICE@example.org ", []byte("pw"), testIterations)
	k3, _ := DeriveKeys("bob@example.org", []byte("pw"), testIterations)
	k4, _ := DeriveKeys("alice@example.org", []byte("pw2"), testIterations)
	if !bytes.Equal(k1.Auth, k2.Auth) || !bytes.Equal(k1.Encryption, k2.Encryption) {
		t.Fatal("the same address in another case derives other keys")
	}
	if bytes.Equal(k1.Auth, k1.Encryption) {
		t.Fatal("authentication and encryption keys are equal")
	}
	if bytes.Equal(k1.Auth, k3.Auth) || bytes.Equal(k1.Auth, k4.Auth) {
		t.Fatal("different inputs derive the same key")
	}
	for _, c := range []struct {
		email string
		pw    []byte
		iter  int
		want  error
	}{
		{"alice@example.org", nil, testIterations, ErrWeakParams},
		{"alice@example.org", []byte("pw"), -1, ErrWeakParams},
		{"no-at-sign", []byte("pw"), testIterations, ErrInvalidEmail},
		{"@example.org", []byte("pw"), testIterations, ErrInvalidEmail},
		{"a@", []byte("pw"), testIterations, ErrInvalidEmail},
		{"a b@example.org", []byte("pw"), testIterations, ErrInvalidEmail},
		{"a@example.org\xff", []byte("pw"), testIterations, ErrInvalidEmail},
	} {
		if _, err := DeriveKeys(c.email, c.pw, c.iter); !errors.Is(err, c.want) {
			t.Errorf("DeriveKeys(%q, %q, %d) = %v, want %v", c.email, c.pw, c.iter, err, c.want)
		}
	}
}

// TestServerCannotSwapOrRollBack plays a malicious server: it serves one transcript's object
// under another's id, and an old version under a newer number. The client refuses both.
func TestServerCannotSwapOrRollBack(t *testing.T) {
	srv := backuptest.Start(t)
	a, b := newMemDevice(t, srv), newMemDevice(t, srv)
	ctx := context.Background()
	a.client.SignUp(ctx, testEmail, testPassword)
	mustSave(t, a.lib, sample("t1", "One", "first"))
	mustSave(t, a.lib, sample("t2", "Two", "second"))
	a.sync(t)
	st, token, dek, err := a.client.session()
	if err != nil {
		t.Fatal(err)
	}
	defer dek.Destroy()
	r := a.client.remote(token)
	o1, o2 := st.Entries["t1"].Object, st.Entries["t2"].Object
	env1, v1, err := r.get(ctx, o1)
	if err != nil {
		t.Fatal(err)
	}
	// Swap: t1's envelope stored as the next version of t2's object.
	if _, err := r.put(ctx, o2, st.Entries["t2"].Version, env1); err != nil {
		t.Fatal(err)
	}
	// Rollback: t1's version 1 envelope re-uploaded as version 2.
	if _, err := r.put(ctx, o1, v1, env1); err != nil {
		t.Fatal(err)
	}
	b.client.SignIn(ctx, testEmail, testPassword)
	rep, err := b.client.Sync(ctx)
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("restore from a malicious server: %v, want ErrTampered", err)
	}
	if rep.Damaged != 2 {
		t.Fatalf("restore from a malicious server: %+v, want 2 damaged", rep)
	}
	if n := len(contents(t, b.lib)); n != 0 {
		t.Fatalf("B accepted %d tampered transcripts", n)
	}
}
