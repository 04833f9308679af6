// Command loadtest measures the backup server under concurrent uploads, on loopback only. It starts
// the server as a child process (this program re-executed with -serve) with the embedded storage
// in a temporary directory, signs up one account per client, and has the clients upload random
// objects until -uploads objects were sent or -duration passed, whichever comes first. It reports
// uploads per second, throughput, latency percentiles and the server process's memory (peak and
// final resident set size, from /proc).
//
//	go run ./internal/backupserver/loadtest -clients 50 -uploads 5000 -duration 60s -size 16384
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/api"
)

func main() {
	serve := flag.String("serve", "", "internal: run the server child on this data directory")
	clients := flag.Int("clients", 50, "concurrent clients, one account each")
	uploads := flag.Int("uploads", 5000, "stop after this many uploads in total")
	duration := flag.Duration("duration", 60*time.Second, "stop after this long at most")
	size := flag.Int("size", 16<<10, "object size in bytes (encrypted transcripts are typically 5-100 KiB)")
	realArgon := flag.Bool("real-argon2", false, "use the production argon2id parameters for the sign-ups (slower start)")
	flag.Parse()
	if *serve != "" {
		if err := runServer(*serve, *realArgon); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest server:", err)
			os.Exit(1)
		}
		return
	}
	if *clients < 1 || *uploads < 1 || *duration <= 0 || *size < 1 || *size > 32<<20 {
		fmt.Fprintln(os.Stderr, "loadtest: invalid flags")
		os.Exit(2)
	}
	if err := run(*clients, *uploads, *duration, *size, *realArgon); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// runServer is the child: the backup server on 127.0.0.1 with SQLite and files in dir.
func runServer(dir string, realArgon bool) error {
	ctx := context.Background()
	meta, err := backupserver.OpenSQLite(ctx, filepath.Join(dir, "meta.db"))
	if err != nil {
		return err
	}
	blobs, err := backupserver.NewFileBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	cfg := backupserver.Config{Meta: meta, Blobs: blobs, AuthPerMinute: 1 << 20, AuthBurst: 1 << 20}
	if !realArgon {
		cfg.Argon2 = backupserver.TestingArgon2()
	}
	srv, err := backupserver.New(cfg)
	if err != nil {
		return err
	}
	cert, err := backupserver.LoadOrCreateCertificate(dir, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(ln.Addr().String()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr")); err != nil {
		return err
	}
	// Exit when the parent goes away (stdin closes), so no server is left behind.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	return srv.HTTPServer("", cert).ServeTLS(ln, "", "")
}

type memory struct{ rss, hwm int64 } // KiB

func readMemory(pid int) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = v
		case "VmHWM:":
			m.hwm = v
		}
	}
	return m, nil
}

func run(clients, uploads int, duration time.Duration, size int, realArgon bool) error {
	dir, err := os.MkdirTemp("", "hushscribe-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"-serve", dir}
	if realArgon {
		args = append(args, "-real-argon2")
	}
	child := exec.Command(self, args...)
	stdin, err := child.StdinPipe()
	if err != nil {
		return err
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		stdin.Close()
		child.Process.Kill()
		child.Wait()
	}()
	var addr []byte
	for deadline := time.Now().Add(30 * time.Second); ; {
		if addr, err = os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if host, _, _ := net.SplitHostPort(string(addr)); !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("refusing non-loopback target %s", addr)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}, MaxIdleConnsPerHost: clients, ForceAttemptHTTP2: true}}
	base := "https://" + string(addr)
	idle, _ := readMemory(child.Process.Pid)

	// Sign up one account per client.
	tokens := make([]string, clients)
	var wg sync.WaitGroup
	var signupErr atomic.Value
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := make([]byte, api.AuthKeySize)
			rand.Read(key)
			body, _ := json.Marshal(api.SignUpRequest{Email: fmt.Sprintf("load%d@example.org", i), AuthKey: key, KeyFile: []byte("key file"), DeviceName: "loadtest"})
			resp, err := client.Post(base+"/v1/signup", "application/json", bytes.NewReader(body))
			if err != nil {
				signupErr.Store(err)
				return
			}
			defer resp.Body.Close()
			var s api.Session
			if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&s) != nil {
				signupErr.Store(fmt.Errorf("sign up: HTTP %d", resp.StatusCode))
				return
			}
			tokens[i] = s.Token
		}()
	}
	wg.Wait()
	if err, _ := signupErr.Load().(error); err != nil {
		return err
	}

	// Sample the server's memory while the clients upload.
	var peak atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := readMemory(child.Process.Pid); err == nil && m.rss > peak.Load() {
				peak.Store(m.rss)
			}
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()

	var (
		remaining = int64(uploads)
		failures  atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
	)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := make([]byte, size)
			var mine []time.Duration
			defer func() {
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			}()
			for n := 0; ctx.Err() == nil && atomic.AddInt64(&remaining, -1) >= 0; n++ {
				rand.Read(data)
				h := sha256.Sum256(data)
				req, _ := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("%s/v1/objects/c%d-%d", base, c, n), bytes.NewReader(data))
				req.Header.Set("Authorization", "Bearer "+tokens[c])
				req.Header.Set(api.HeaderIfMatch, "0")
				req.Header.Set(api.HeaderContentSHA256, hex.EncodeToString(h[:]))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						failures.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled
	final, _ := readMemory(child.Process.Pid)

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	ok := len(latencies)
	fmt.Printf("clients           %d (one account each), object size %d bytes, loopback TLS 1.3\n", clients, size)
	fmt.Printf("uploads           %d ok, %d failed, in %.2f s\n", ok, failures.Load(), elapsed.Seconds())
	fmt.Printf("throughput        %.1f uploads/s, %.2f MiB/s\n", float64(ok)/elapsed.Seconds(), float64(ok*size)/elapsed.Seconds()/(1<<20))
	fmt.Printf("latency           p50 %v, p90 %v, p99 %v, max %v\n", pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	fmt.Printf("server memory     idle RSS %.1f MiB, peak RSS %.1f MiB (sampled), high-water %.1f MiB, final RSS %.1f MiB\n",
		float64(idle.rss)/1024, float64(max(peak.Load(), final.rss))/1024, float64(final.hwm)/1024, float64(final.rss)/1024)
	if failures.Load() > 0 {
		return fmt.Errorf("%d uploads failed", failures.Load())
	}
	return nil
}
