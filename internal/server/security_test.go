package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/hushscribe/hushscribe/internal/testgate"
	"go/ast"
	"go/parser"
	"go/token"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// outbound counts attempts to use the process-wide HTTP client or DNS resolver.
var outbound atomic.Int64

// TestMain runs every test of the package with the default HTTP transport and the default
// resolver replaced by ones that fail loudly and count: the server must never reach out, and the
// test clients only dial loopback addresses directly (see loopbackClient).
func TestMain(m *testing.M) {
	fail := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		outbound.Add(1)
		return nil, fmt.Errorf("outbound HTTP request to %s attempted", r.URL.Host)
	})
	http.DefaultTransport = fail
	http.DefaultClient.Transport = fail
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		outbound.Add(1)
		return nil, fmt.Errorf("DNS lookup via %s attempted", address)
	}}
	code := m.Run()
	if n := outbound.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d outbound connection attempts during the tests\n", n)
		code = 1
	}
	os.Exit(code)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestKeys(t *testing.T) {
	k1, h1 := GenerateKey()
	k2, h2 := GenerateKey()
	if k1 == k2 || h1 == h2 || !strings.HasPrefix(k1, "hs_") || len(k1) != 3+43 {
		t.Fatalf("keys %q %q", k1, k2)
	}
	if HashKey(k1) != h1 || !strings.HasPrefix(h1, "sha256:") {
		t.Fatalf("hash %q", h1)
	}
	file := "# keys\n\n" + h1 + "  alice laptop\n" + strings.TrimPrefix(h2, "sha256:") + "\n   # indented comment\n"
	hashes, err := ParseKeyHashes(strings.NewReader(file))
	if err != nil || len(hashes) != 2 {
		t.Fatalf("ParseKeyHashes = %v, %v", hashes, err)
	}
	ks, err := newKeySet(hashes)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want int
	}{{k1, 0}, {k2, 1}, {k1 + "x", -1}, {"", -1}, {h1, -1}} {
		if got := ks.match(c.key); got != c.want {
			t.Errorf("match(%q) = %d, want %d", c.key, got, c.want)
		}
	}
	for _, bad := range []string{"sha256:abc\n", "md5:" + strings.Repeat("0", 64) + "\n", strings.Repeat("g", 64) + "\n", h1 + "0\n"} {
		if _, err := ParseKeyHashes(strings.NewReader(bad)); !errors.Is(err, ErrBadKeyHash) {
			t.Errorf("ParseKeyHashes(%q) = %v, want ErrBadKeyHash", bad, err)
		}
	}
	path := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(path, []byte(file), 0o600)
	if got, err := LoadKeyHashes(path); err != nil || len(got) != 2 {
		t.Errorf("LoadKeyHashes = %v, %v", got, err)
	}
	if _, err := LoadKeyHashes(path + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing keys file: %v", err)
	}
}

func FuzzParseKeyHashes(f *testing.F) {
	_, h := GenerateKey()
	for _, seed := range []string{"", "# c\n" + h + " label\n", h[7:], "sha256:\n", "\x00\xff\n" + h} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hashes, err := ParseKeyHashes(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrBadKeyHash) && !strings.Contains(err.Error(), "read keys file") {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if _, err := newKeySet(hashes); err != nil {
			t.Fatalf("accepted hashes a key set refuses: %v", err)
		}
	})
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their paths and a pool that
// trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hushscribe test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS13Only(t *testing.T) {
	cfg := testConfig(t)
	var pool *x509.CertPool
	cfg.TLSCertFile, cfg.TLSKeyFile, pool = selfSigned(t)
	ts := start(t, cfg, fakeDeps(newFake()))
	ts.url = strings.Replace(ts.url, "http://", "https://", 1)

	ts.client = loopbackClient(&tls.Config{RootCAs: pool})
	body, ct := form{file: fakeAudio(time.Second)}.encode()
	req, _ := http.NewRequest("POST", ts.url+"/v1/audio/transcriptions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", ct)
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("TLS 1.3 client: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 || resp.ProtoMajor != 2 {
		t.Fatalf("status %d, %s, TLS %+v", resp.StatusCode, resp.Proto, resp.TLS)
	}
	// Refusals over HTTP/2 leave the connection usable for the next request.
	if r := ts.upload(t, "/v1/audio/transcriptions", "hs_wrong", form{file: fakeAudio(300 * time.Second)}); r.status != 401 {
		t.Fatalf("wrong key over HTTP/2: %v", r)
	}
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(time.Second)}); r.status != 200 {
		t.Fatalf("after a refusal over HTTP/2: %v", r)
	}

	// A client that stops at TLS 1.2 cannot connect.
	old := loopbackClient(&tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12})
	if _, err := old.Get(ts.url + "/healthz"); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.2 client: err = %v, want a protocol version failure", err)
	}
	// Plain HTTP on the TLS port gets nothing useful either.
	plain := loopbackClient(nil)
	if resp, err := plain.Get(strings.Replace(ts.url, "https://", "http://", 1) + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served on the TLS port")
		}
		resp.Body.Close()
	}
}

// TestNoOutboundConnections runs a full session and, while the server holds a job and open
// connections, lists this process's TCP sockets from /proc: every one must be a loopback
// listener or have a loopback peer.
func TestNoOutboundConnections(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		testgate.Missing(t, "no /proc/self/net/tcp on this system")
		return
	}
	eng := newFake()
	eng.gate, eng.started = make(chan struct{}), make(chan struct{}, 16)
	ts := start(t, testConfig(t), fakeDeps(eng))
	running := ts.asyncUpload(t, form{file: fakeAudio(time.Second)})
	<-eng.started
	j := ts.submit(t, form{file: fakeAudio(time.Second)})
	ts.get(t, "/v1/models")
	scrape(t, ts)

	socks, err := ownTCPSockets()
	if err != nil {
		t.Fatal(err)
	}
	if len(socks) < 2 {
		t.Fatalf("found only %d sockets of this process; the inspection is broken", len(socks))
	}
	for _, s := range socks {
		if !s.local.ip.IsLoopback() || s.state != "0A" && !s.remote.ip.IsLoopback() {
			t.Errorf("socket %v -> %v (state %s) is not loopback-only", s.local, s.remote, s.state)
		}
	}
	t.Logf("%d TCP sockets, all loopback", len(socks))

	eng.gate <- struct{}{}
	eng.gate <- struct{}{}
	<-running
	ts.waitJob(t, j.ID)
	if n := outbound.Load(); n > 0 {
		t.Errorf("%d outbound attempts", n)
	}
}

type tcpSocket struct {
	local, remote procAddr
	state         string // "0A" is LISTEN
}

// procAddr is a /proc/net/tcp{,6} address.
type procAddr struct {
	ip   net.IP
	port int
}

func (a procAddr) String() string { return net.JoinHostPort(a.ip.String(), strconv.Itoa(a.port)) }

// ownTCPSockets returns the TCP sockets open in this process: those of /proc/self/net/tcp{,6}
// whose inode one of /proc/self/fd links to.
func ownTCPSockets() ([]tcpSocket, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var out []tcpSocket
	for _, file := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !inodes[fields[9]] {
				continue
			}
			l, err1 := parseProcAddr(fields[1])
			r, err2 := parseProcAddr(fields[2])
			if err1 != nil || err2 != nil {
				f.Close()
				return nil, fmt.Errorf("parse %s: %v %v", file, err1, err2)
			}
			out = append(out, tcpSocket{l, r, fields[3]})
		}
		f.Close()
	}
	return out, nil
}

// parseProcAddr parses "0100007F:1F90": the address as 32-bit words in host (little-endian)
// order, then the port in hex.
func parseProcAddr(s string) (procAddr, error) {
	h, p, ok := strings.Cut(s, ":")
	b, err := hex.DecodeString(h)
	if !ok || err != nil || len(b)%4 != 0 {
		return procAddr{}, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return procAddr{}, err
	}
	return procAddr{net.IP(b), int(port)}, nil
}

func TestParseProcAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:1F90":                         "127.0.0.1:8080",
		"00000000000000000000000001000000:0050": "[::1]:80",
		"0000000000000000FFFF00000100007F:0016": "127.0.0.1:22",
	} {
		got, err := parseProcAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("parseProcAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

// forbiddenCalls are identifiers that open or prepare outbound connections. Neither this package
// nor any of the module's packages it imports may use them.
var forbiddenCalls = map[string][]string{
	"net": {"Dial", "DialTCP", "DialUDP", "DialIP", "DialUnix", "DialTimeout", "Dialer", "Resolver", "DefaultResolver",
		"LookupHost", "LookupIP", "LookupAddr", "LookupCNAME", "LookupMX", "LookupTXT", "LookupSRV", "LookupNS", "LookupPort"},
	"net/http": {"Client", "DefaultClient", "Transport", "DefaultTransport", "Get", "Post", "PostForm", "Head",
		"NewRequest", "NewRequestWithContext", "ProxyFromEnvironment"},
	"crypto/tls":        {"Dial", "DialWithDialer", "Dialer"},
	"net/rpc":           nil, // any use
	"net/smtp":          nil,
	"net/http/pprof":    nil,
	"net/http/cgi":      nil,
	"net/http/fcgi":     nil,
	"net/http/httputil": {"NewSingleHostReverseProxy", "ReverseProxy"},
}

// TestNoDialingCode inspects the source of this package and of the module's packages it imports
// (recursively): none may use an API that connects out.
func TestNoDialingCode(t *testing.T) {
	const module = "github.com/hushscribe/hushscribe/"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var check func(dir string)
	check = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		fset := token.NewFileSet()
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Errorf("parse %s: %v", file, err)
				continue
			}
			if f.Name.Name == "main" {
				continue
			}
			names := map[string]string{} // local name -> import path
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if rest, ok := strings.CutPrefix(path, module); ok {
					check(filepath.Join(root, filepath.FromSlash(rest)))
				}
				if _, bad := forbiddenCalls[path]; !bad {
					continue
				}
				local := path[strings.LastIndex(path, "/")+1:]
				if imp.Name != nil {
					local = imp.Name.Name
				}
				if forbiddenCalls[path] == nil {
					t.Errorf("%s imports %s", fset.Position(imp.Pos()), path)
				}
				names[local] = path
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				if path, ok := names[id.Name]; ok {
					for _, bad := range forbiddenCalls[path] {
						if sel.Sel.Name == bad {
							t.Errorf("%s uses %s.%s", fset.Position(sel.Pos()), path, bad)
						}
					}
				}
				return true
			})
		}
	}
	check(".")
	t.Logf("checked %d packages", len(seen))
}

// TestUploadsNeverTouchDisk points the temporary directory at an empty one and checks that
// serving uploads (synchronous and job API, bigger than any in-memory threshold) leaves it empty.
func TestUploadsNeverTouchDisk(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cfg := testConfig(t)
	cfg.MaxUploadBytes = 12 << 20
	ts := start(t, cfg, fakeDeps(newFake()))
	big := fakeAudio(11 * time.Minute) // 660 kB
	if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: big}); r.status != 200 {
		t.Fatal(r)
	}
	j := ts.submit(t, form{file: big})
	ts.waitJob(t, j.ID)
	entries, _ := os.ReadDir(tmp)
	if len(entries) != 0 {
		t.Fatalf("files appeared in TMPDIR: %v", entries)
	}
}

// TestOutboundTripwire checks that TestMain's hooks do catch an outbound attempt.
func TestOutboundTripwire(t *testing.T) {
	before := outbound.Load()
	if _, err := http.Get("http://example.invalid/"); err == nil {
		t.Fatal("default client reached out")
	}
	if _, err := net.DefaultResolver.LookupHost(t.Context(), "example.invalid"); err == nil {
		t.Fatal("default resolver answered")
	}
	if got := outbound.Swap(before); got < before+2 {
		t.Fatalf("tripwire counted %d attempts, want at least 2", got-before)
	}
}
