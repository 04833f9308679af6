package backupserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/backupserver/storagetest"
)

func TestSQLiteMeta(t *testing.T) {
	storagetest.Meta(t, func(t *testing.T) backupserver.Meta { return newSQLite(t) })
}

func TestPostgresMeta(t *testing.T) {
	dsn := postgresDSN(t)
	storagetest.Meta(t, func(t *testing.T) backupserver.Meta {
		m, err := backupserver.OpenPostgres(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	})
}

func TestFileBlobs(t *testing.T) {
	storagetest.Blobs(t, func(t *testing.T) backupserver.Blobs { return newFileBlobs(t) })
}

func TestS3Blobs(t *testing.T) {
	storagetest.Blobs(t, func(t *testing.T) backupserver.Blobs { return newS3(t) })
}

func TestFileBlobsCleansTemporaryFiles(t *testing.T) {
	root := filepath.Join(t.TempDir(), "blobs")
	if _, err := backupserver.NewFileBlobs(root); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, ".tmp", "deadbeef")
	if err := os.WriteFile(stale, []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backupserver.NewFileBlobs(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file survived a restart: %v", err)
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	m, err := backupserver.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB().Exec("UPDATE schema_version SET version = 99"); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := backupserver.OpenSQLite(context.Background(), path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: %v", err)
	}
}
