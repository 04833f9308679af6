// Package backuptest runs a throwaway backup server (internal/backupserver) on a loopback TLS port,
// with a fresh self-signed certificate, SQLite metadata and file blobs in a folder of its own, and
// cheap argon2id parameters. Clients reach it by pinning its certificate fingerprint. It is for tests
// and for the e2e dev server, never for real data.
package backuptest

import (
	"context"
	"crypto/tls"
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
	// Dir holds everything it stores.
	Dir string

	hs   *http.Server
	meta *backupserver.SQLMeta
}

// Serve starts a server that stores in dir.
func Serve(dir string) (*Server, error) {
	meta, err := backupserver.OpenSQLite(context.Background(), filepath.Join(dir, "meta.db"))
	if err != nil {
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	blobs, err := backupserver.NewFileBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	srv, err := backupserver.New(backupserver.Config{
		Meta: meta, Blobs: blobs, Argon2: backupserver.TestingArgon2(), AuthPerMinute: 6000, AuthBurst: 1000,
	})
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	certPEM, keyPEM, err := backupserver.SelfSignedPEM(nil, time.Now())
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	hs := srv.HTTPServer("", cert)
	go hs.ServeTLS(ln, "", "")
	return &Server{
		URL:         "https://" + ln.Addr().String(),
		Fingerprint: backupserver.Fingerprint(cert),
		Dir:         dir,
		hs:          hs,
		meta:        meta,
	}, nil
}

// Close stops the server.
func (s *Server) Close() error {
	err := s.hs.Close()
	if merr := s.meta.Close(); err == nil {
		err = merr
	}
	return err
}

// Start starts a server in a temporary folder for the length of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Serve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
