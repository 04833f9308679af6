// Command hushscribe-backupd runs Hushscribe's end-to-end encrypted backup server.
//
// One command starts it with the embedded storage (SQLite and local files in the data directory)
// and a self-signed certificate created on first start:
//
//	hushscribe-backupd -data /var/lib/hushscribe-backup -addr :8443 -hosts backup.example.org
//
// Deployments that outgrow one machine keep the metadata in PostgreSQL and the blobs in an
// S3-compatible object store:
//
//	HUSHSCRIBE_S3_ACCESS_KEY=... HUSHSCRIBE_S3_SECRET_KEY=... hushscribe-backupd \
//	  -postgres 'postgres://backup@db/backup' -s3-endpoint s3.example.org -s3-bucket hushscribe \
//	  -cert /etc/ssl/backup.pem -key /etc/ssl/backup.key -addr :443
//
// It serves HTTPS only (TLS 1.3 minimum, HSTS). See internal/backupserver.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hushscribe/hushscribe/internal/backupserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hushscribe-backupd:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		dataDir  = flag.String("data", "hushscribe-backup-data", "data directory: metadata database, blobs, self-signed certificate")
		addr     = flag.String("addr", "127.0.0.1:8443", "listen address (host:port)")
		hosts    = flag.String("hosts", "localhost,127.0.0.1,::1", "comma-separated names and addresses for the self-signed certificate")
		certFile = flag.String("cert", "", "TLS certificate (PEM); with -key, replaces the self-signed one")
		keyFile  = flag.String("key", "", "TLS private key (PEM)")
		pgDSN    = flag.String("postgres", os.Getenv("HUSHSCRIBE_BACKUP_POSTGRES"), "PostgreSQL DSN for the metadata (default: SQLite in the data directory)")
		s3End    = flag.String("s3-endpoint", "", "S3-compatible endpoint host[:port] for the blobs (default: files in the data directory)")
		s3Bucket = flag.String("s3-bucket", "hushscribe-backup", "S3 bucket")
		s3Region = flag.String("s3-region", "", "S3 region")
		s3Plain  = flag.Bool("s3-insecure", false, "talk plain HTTP to the S3 endpoint (same host or private network only)")
		maxObj   = flag.Int64("max-object-size", 32<<20, "largest object accepted, in bytes")
		verbose  = flag.Bool("v", false, "log debug messages")
		register = flag.String("registration", "open", "who may sign up: open, invite (with a code from -invites) or closed")
		invites  = flag.String("invites", os.Getenv("HUSHSCRIBE_BACKUP_INVITES"), "comma-separated invite codes for -registration invite")
		quotaB   = flag.Int64("quota-bytes", 10<<30, "storage per account, in bytes")
		quotaN   = flag.Int64("quota-objects", 100_000, "objects per account")
	)
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	var meta backupserver.Meta
	var err error
	if *pgDSN != "" {
		meta, err = backupserver.OpenPostgres(ctx, *pgDSN)
	} else {
		meta, err = backupserver.OpenSQLite(ctx, filepath.Join(*dataDir, "meta.db"))
	}
	if err != nil {
		return err
	}
	defer meta.Close()
	var blobs backupserver.Blobs
	if *s3End != "" {
		blobs, err = backupserver.NewS3Blobs(ctx, backupserver.S3Config{
			Endpoint: *s3End, Bucket: *s3Bucket, Region: *s3Region, Insecure: *s3Plain,
			AccessKey: os.Getenv("HUSHSCRIBE_S3_ACCESS_KEY"), SecretKey: os.Getenv("HUSHSCRIBE_S3_SECRET_KEY"),
		})
	} else {
		blobs, err = backupserver.NewFileBlobs(filepath.Join(*dataDir, "blobs"))
	}
	if err != nil {
		return err
	}

	var cert tls.Certificate
	if *certFile != "" || *keyFile != "" {
		cert, err = tls.LoadX509KeyPair(*certFile, *keyFile)
	} else {
		cert, err = backupserver.LoadOrCreateCertificate(*dataDir, strings.Split(*hosts, ","))
	}
	if err != nil {
		return err
	}

	reg, err := backupserver.ParseRegistration(*register)
	if err != nil {
		return err
	}
	var codes []string
	for _, c := range strings.Split(*invites, ",") {
		if c = strings.TrimSpace(c); c != "" {
			codes = append(codes, c)
		}
	}
	srv, err := backupserver.New(backupserver.Config{Meta: meta, Blobs: blobs, MaxObjectSize: *maxObj, Logger: logger,
		Registration: reg, InviteCodes: codes, MaxAccountBytes: *quotaB, MaxAccountObjects: *quotaN})
	if err != nil {
		return err
	}
	if err := srv.Maintain(ctx); err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := srv.Maintain(ctx); err != nil {
					logger.Warn("maintenance failed", "err", err)
				}
			}
		}
	}()

	hs := srv.HTTPServer(*addr, cert)
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServeTLS("", "") }()
	logger.Info("serving", "url", "https://"+*addr, "certificate_sha256", backupserver.Fingerprint(cert), "data", *dataDir)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
