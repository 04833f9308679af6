package backupserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

func FuzzCheckVerifier(f *testing.F) {
	good, _ := newVerifier([]byte("key"), TestingArgon2())
	for _, s := range []string{good, "", "$argon2id$v=19$m=64,t=1,p=1$$", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$bcrypt$x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		ok, err := checkVerifier(v, []byte("key"))
		if ok && err != nil {
			t.Fatal("match with an error")
		}
		if ok && v != good {
			// Only a verifier of "key" may match; the fuzzer cannot forge one by chance.
			t.Logf("verifier %q matches", v)
		}
	})
}

// FuzzHandler sends arbitrary requests to the handler: none may cause a 5xx or a panic.
func FuzzHandler(f *testing.F) {
	dir := f.TempDir()
	meta, err := OpenSQLite(context.Background(), filepath.Join(dir, "meta.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer meta.Close()
	blobs, err := NewFileBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(Config{Meta: meta, Blobs: blobs, Argon2: TestingArgon2(), AuthPerMinute: 1 << 20, AuthBurst: 1 << 20, MaxObjectSize: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	// A real account, whose token the fuzzer may use.
	body, _ := json.Marshal(api.SignUpRequest{Email: "fuzz@example.org", AuthKey: make([]byte, 32), KeyFile: []byte("k")})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/signup", bytes.NewReader(body)))
	var sess api.Session
	json.Unmarshal(rec.Body.Bytes(), &sess)
	if sess.Token == "" {
		f.Fatalf("sign up: %d %s", rec.Code, rec.Body.Bytes())
	}

	methods := []string{"GET", "PUT", "POST", "DELETE", "PATCH"}
	f.Add(uint8(1), "/v1/objects/abc", true, "0", "", []byte("data"))
	f.Add(uint8(0), "/v1/changes?since=0&limit=5", true, "", "", []byte(nil))
	f.Add(uint8(2), "/v1/signin", false, "", "", body)
	f.Add(uint8(2), "/v1/signup", false, "", "", []byte(`{"email":"a@b","auth_key":"AAAA","key_file":"AA=="}`))
	f.Add(uint8(3), "/v1/objects/abc", true, "1", "", []byte(nil))
	f.Add(uint8(3), "/v1/account", true, "", "", []byte(`{"auth_key":"`+string(make([]byte, 3))+`"}`))
	f.Add(uint8(2), "/v1/account/password", true, "", "", []byte(`{"auth_key":null,"new_auth_key":"","key_file":""}`))
	f.Fuzz(func(t *testing.T, m uint8, target string, authed bool, ifMatch, hash string, body []byte) {
		if len(target) == 0 || target[0] != '/' {
			target = "/" + target
		}
		req, err := http.NewRequest(methods[int(m)%len(methods)], "https://x"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:1"
		if authed {
			req.Header.Set("Authorization", "Bearer "+sess.Token)
		}
		req.Header.Set(api.HeaderIfMatch, ifMatch)
		req.Header.Set(api.HeaderContentSHA256, hash)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: %d %s", req.Method, target, rec.Code, rec.Body.Bytes())
		}
	})
}
