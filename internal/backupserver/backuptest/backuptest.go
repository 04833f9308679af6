// Package backuptest runs a throwaway backup server (internal/backupserver) on a loopback TLS port,
// with a fresh self-signed certificate, SQLite metadata and file blobs in a folder of its own (or
// stores the caller supplies), and cheap argon2id parameters. Clients reach it by pinning its
// certificate fingerprint or by trusting the certificate itself (CertPEM, CertPool). It is for tests
// and for the e2e dev server, never for real data.
package backuptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
)

// Server is a running test backup server.
type Server struct {
	// URL is the server's base URL, https://127.0.0.1:PORT.
	URL string
	// Fingerprint is the lowercase hex SHA-256 of its certificate, for pinning.
	Fingerprint string
	// CertPEM is its self-signed certificate (valid for localhost, 127.0.0.1 and ::1), for clients
	// that trust it as a root instead of pinning it.
	CertPEM []byte
	// Dir holds everything it stores: meta.db (the SQLite metadata) and blobs/ (the object bodies),
	// each unless Options supplied that store instead.
	Dir string

	hs    *http.Server
	meta  *backupserver.SQLMeta // nil when Options.Meta supplied the store
	blobs backupserver.Blobs
}

// Options adjust a server; the zero value gives what Serve and Start give.
type Options struct {
	// Config, when set, changes the server's configuration before it starts: session lifetimes,
	// lockout, rate limits, clock and so on. It receives the defaults of this package (the storage
	// in Dir or from Meta and Blobs, TestingArgon2 and generous rate limits: 6000 authentication
	// requests a minute, bursts of 1000); fields it leaves alone keep them.
	Config func(*backupserver.Config)
	// Meta and Blobs, when set, are the stores the server uses instead of SQLite in Dir/meta.db and
	// files in Dir/blobs (say PostgreSQL or S3). They stay the caller's: Close does not close them.
	Meta  backupserver.Meta
	Blobs backupserver.Blobs
}

// Serve starts a server that stores in dir.
func Serve(dir string) (*Server, error) { return ServeWith(dir, Options{}) }

// ServeWith starts a server that stores in dir, adjusted by opts.
func ServeWith(dir string, opts Options) (*Server, error) {
	var own *backupserver.SQLMeta
	if opts.Meta == nil {
		var err error
		if own, err = backupserver.OpenSQLite(context.Background(), filepath.Join(dir, "meta.db")); err != nil {
			return nil, fmt.Errorf("backuptest: %w", err)
		}
		opts.Meta = own
	}
	s, err := serve(dir, own, opts)
	if err != nil {
		if own != nil {
			own.Close()
		}
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	return s, nil
}

// serve starts a server on opts.Meta; own is that store when this package opened it, else nil.
func serve(dir string, own *backupserver.SQLMeta, opts Options) (*Server, error) {
	blobs := opts.Blobs
	if blobs == nil {
		var err error
		if blobs, err = backupserver.NewFileBlobs(filepath.Join(dir, "blobs")); err != nil {
			return nil, err
		}
	}
	cfg := backupserver.Config{
		Meta: opts.Meta, Blobs: blobs, Argon2: backupserver.TestingArgon2(), AuthPerMinute: 6000, AuthBurst: 1000,
	}
	if opts.Config != nil {
		opts.Config(&cfg)
	}
	srv, err := backupserver.New(cfg)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := backupserver.SelfSignedPEM(nil, time.Now())
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := srv.HTTPServer("", cert)
	go hs.ServeTLS(ln, "", "")
	return &Server{
		URL:         "https://" + ln.Addr().String(),
		Fingerprint: backupserver.Fingerprint(cert),
		CertPEM:     certPEM,
		Dir:         dir,
		hs:          hs,
		meta:        own,
		blobs:       blobs,
	}, nil
}

// CertPool returns a pool holding only the server's certificate, for a client's tls.Config RootCAs.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM)
	return pool
}

// Meta returns the server's metadata store, for tests that inspect what it holds (Meta().DB() is the
// SQLite database). It is closed by Close. It is nil when Options.Meta supplied the store.
func (s *Server) Meta() *backupserver.SQLMeta { return s.meta }

// Blobs returns the server's blob store: Options.Blobs, or else the files in Dir/blobs.
func (s *Server) Blobs() backupserver.Blobs { return s.blobs }

// Close stops the server and closes the metadata store it opened itself.
func (s *Server) Close() error {
	err := s.hs.Close()
	if s.meta != nil {
		if merr := s.meta.Close(); err == nil {
			err = merr
		}
	}
	return err
}

// Start starts a server in a temporary folder for the length of the test.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith starts a server adjusted by opts in a temporary folder for the length of the test.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := ServeWith(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
