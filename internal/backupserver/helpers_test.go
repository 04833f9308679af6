package backupserver_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/hushscribe/hushscribe/internal/backupserver"
	"github.com/hushscribe/hushscribe/internal/testgate"
)

// TestMain runs the server child of the crash test when asked to, and stops the throwaway
// PostgreSQL cluster at the end.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	code := m.Run()
	pg.stop()
	os.Exit(code)
}

// pgCluster is a throwaway PostgreSQL cluster, started on first use: initdb into a temporary
// directory, listening only on a Unix socket in it, fsync off. Set HUSHSCRIBE_TEST_POSTGRES=1 to
// require it (the test fails if it cannot start), =0 to skip it; by default it runs when initdb
// and pg_ctl are found. HUSHSCRIBE_TEST_POSTGRES_DSN uses an existing server instead.
type pgCluster struct {
	once    sync.Once
	dir     string
	dsnBase string
	err     error
	dbs     atomic.Int32
	asUser  string
	pgCtl   string
	started bool
}

var pg pgCluster

func pgBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	if c.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", c.asUser, "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func (c *pgCluster) start() {
	initdb, pgCtl := pgBinary("initdb"), pgBinary("pg_ctl")
	if initdb == "" || pgCtl == "" {
		c.err = fmt.Errorf("initdb or pg_ctl not found (apt-get install postgresql)")
		return
	}
	c.pgCtl = pgCtl
	dir, err := os.MkdirTemp("", "hs-pg-")
	if err != nil {
		c.err = err
		return
	}
	c.dir = dir
	if os.Geteuid() == 0 { // initdb refuses to run as root
		u, err := osuser.Lookup("postgres")
		if err != nil {
			c.err = fmt.Errorf("running as root and no postgres user: %w", err)
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			c.err = err
			return
		}
		c.asUser = "postgres"
	}
	data := filepath.Join(dir, "data")
	if out, err := c.command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		c.err = fmt.Errorf("initdb: %v\n%s", err, out)
		return
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses= -p 54329 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", dir)
	if out, err := c.command(pgCtl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		c.err = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		return
	}
	c.started = true
	c.dsnBase = fmt.Sprintf("host=%s port=54329 user=postgres sslmode=disable", dir)
}

func (c *pgCluster) stop() {
	if c.started {
		c.command(c.pgCtl, "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "stop").Run()
	}
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// postgresDSN returns the DSN of a fresh, empty database, or skips the test.
func postgresDSN(t *testing.T) string {
	t.Helper()
	mode := os.Getenv("HUSHSCRIBE_TEST_POSTGRES")
	if mode == "" && testgate.CI() {
		mode = "1" // under CI, PostgreSQL is required
	}
	if mode == "0" {
		testgate.Missing(t, "PostgreSQL tests disabled by HUSHSCRIBE_TEST_POSTGRES=0")
		return ""
	}
	base := os.Getenv("HUSHSCRIBE_TEST_POSTGRES_DSN")
	if base == "" {
		pg.once.Do(pg.start)
		if pg.err != nil {
			if mode == "1" {
				t.Fatalf("PostgreSQL required by HUSHSCRIBE_TEST_POSTGRES=1: %v", pg.err)
			}
			t.Skipf("PostgreSQL not available (set HUSHSCRIBE_TEST_POSTGRES=1 to require it): %v", pg.err)
		}
		base = pg.dsnBase
	}
	name := fmt.Sprintf("hs_test_%d_%d", os.Getpid(), pg.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := backupserver.OpenPostgres(ctx, base+" dbname=postgres")
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer admin.Close()
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return base + " dbname=" + name
}

// newS3 starts an S3-compatible server (gofakes3, in memory) on loopback and returns a blob store
// using it through minio-go.
func newS3(t *testing.T) *backupserver.S3Blobs {
	t.Helper()
	faker := gofakes3.New(s3mem.New())
	ts := httptest.NewServer(faker.Server())
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := backupserver.NewS3Blobs(ctx, backupserver.S3Config{
		Endpoint:     strings.TrimPrefix(ts.URL, "http://"),
		Bucket:       "hushscribe-test",
		AccessKey:    "test-access",
		SecretKey:    "test-secret-key",
		Insecure:     true,
		CreateBucket: true,
	})
	if err != nil {
		t.Fatalf("S3 blob store: %v", err)
	}
	return b
}

func newSQLite(t *testing.T) *backupserver.SQLMeta {
	t.Helper()
	m, err := backupserver.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newFileBlobs(t *testing.T) *backupserver.FileBlobs {
	t.Helper()
	b, err := backupserver.NewFileBlobs(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
