package backupserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

// childEnv names the data directory of a server child process: the test binary re-executed with
// it set runs runChild instead of the tests.
const childEnv = "HUSHSCRIBE_BACKUPD_CHILD"

// runChild serves the backup server on a loopback port with SQLite and file storage in the
// directory named by childEnv, writes the address to DIR/addr, and serves until killed.
func runChild() {
	dir := os.Getenv(childEnv)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	meta, err := backupserver.OpenSQLite(ctx, filepath.Join(dir, "meta.db"))
	if err != nil {
		fail(err)
	}
	blobs, err := backupserver.NewFileBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		fail(err)
	}
	srv, err := backupserver.New(backupserver.Config{Meta: meta, Blobs: blobs, Argon2: backupserver.TestingArgon2(), AuthPerMinute: 6000, AuthBurst: 1000})
	if err != nil {
		fail(err)
	}
	if err := srv.Maintain(ctx); err != nil {
		fail(err)
	}
	cert, err := backupserver.LoadOrCreateCertificate(dir, nil)
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	tmp := filepath.Join(dir, "addr.tmp")
	if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o600); err != nil {
		fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "addr")); err != nil {
		fail(err)
	}
	fail(srv.HTTPServer("", cert).ServeTLS(ln, "", ""))
}

// startChild starts a server child on dir and returns it with a client for it.
func startChild(t *testing.T, dir string) (*exec.Cmd, string, *http.Client) {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		addr, err := os.ReadFile(filepath.Join(dir, "addr"))
		if err == nil {
			certPEM, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(certPEM)
			client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}, MaxIdleConnsPerHost: 16}}
			return cmd, "https://" + string(addr), client
		}
		if time.Now().After(deadline) {
			t.Fatal("server child did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type acked struct {
	id      string
	version int64
	data    []byte
}

// TestSIGKILLLosesNoAcknowledgedUpload kills the server child with SIGKILL while eight clients
// upload, restarts it on the same data directory, and checks that every upload it acknowledged is
// there, byte for byte, and that every object it lists can be downloaded.
func TestSIGKILLLosesNoAcknowledgedUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary as a server")
	}
	dir := t.TempDir()
	cmd, url, client := startChild(t, dir)

	body, _ := json.Marshal(api.SignUpRequest{Email: "crash@example.org", AuthKey: randomKey(), KeyFile: []byte("k")})
	resp, err := client.Post(url+"/v1/signup", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var sess api.Session
	json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("sign up: %d", resp.StatusCode)
	}

	put := func(client *http.Client, url, id string, base int64, data []byte) (api.Object, error) {
		req, _ := http.NewRequest("PUT", url+"/v1/objects/"+id, bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+sess.Token)
		req.Header.Set(api.HeaderIfMatch, strconv.FormatInt(base, 10))
		req.Header.Set(api.HeaderContentSHA256, sum(data))
		resp, err := client.Do(req)
		if err != nil {
			return api.Object{}, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return api.Object{}, fmt.Errorf("status %d", resp.StatusCode)
		}
		var o api.Object
		if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
			return api.Object{}, err // the ack was not fully received: not acknowledged
		}
		return o, nil
	}

	var (
		mu    sync.Mutex
		acks  = map[string]acked{}
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		count int
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i%20) // objects get several versions
				mu.Lock()
				base := acks[id].version
				mu.Unlock()
				data := make([]byte, 1000+i*97%30000)
				rand.Read(data)
				o, err := put(client, url, id, base, data)
				if err != nil {
					return // the server died
				}
				mu.Lock()
				acks[id] = acked{id: id, version: o.Version, data: data}
				count++
				mu.Unlock()
			}
		}()
	}
	// Kill once a good number of uploads were acknowledged (or after 3 s), mid-stream.
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		n := count
		mu.Unlock()
		if n >= 150 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	t.Logf("%d uploads acknowledged before SIGKILL, %d objects", count, len(acks))
	if count == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}
	mu.Unlock()

	_, url, client = startChild(t, dir)
	get := func(id string) (int, []byte, string) {
		req, _ := http.NewRequest("GET", url+"/v1/objects/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+sess.Token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data, resp.Header.Get(api.HeaderVersion)
	}
	for id, a := range acks {
		status, data, version := get(id)
		if status != http.StatusOK {
			t.Errorf("acknowledged object %s v%d lost: status %d", id, a.version, status)
			continue
		}
		v, _ := strconv.ParseInt(version, 10, 64)
		switch {
		case v == a.version && !bytes.Equal(data, a.data):
			t.Errorf("object %s v%d: content differs from the acknowledged upload", id, v)
		case v < a.version:
			t.Errorf("object %s went back from acknowledged v%d to v%d", id, a.version, v)
		case v > a.version+1:
			t.Errorf("object %s at v%d, more than one unacknowledged version past v%d", id, v, a.version)
		}
	}
	// Every object the server lists is complete (an upload in flight at the kill either committed
	// with its blob or not at all).
	req, _ := http.NewRequest("GET", url+"/v1/changes?limit=1000", nil)
	req.Header.Set("Authorization", "Bearer "+sess.Token)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ch api.Changes
	json.NewDecoder(resp.Body).Decode(&ch)
	resp.Body.Close()
	for _, o := range ch.Changes {
		status, data, _ := get(o.ID)
		if status != http.StatusOK || sum(data) != o.SHA256 || int64(len(data)) != o.Size {
			t.Errorf("listed object %s v%d is broken after the crash: status %d", o.ID, o.Version, status)
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "blobs", ".tmp")); len(tmp) != 0 {
		t.Errorf("temporary files survived the restart: %d", len(tmp))
	}
}
