// Package store is Hushscribe's transcript library: one SQLite file holding every transcript, a
// full-text index over the Standard ones, and the vault data key wrapped under the user's password.
//
// A Standard transcript is stored as plaintext rows and indexed with FTS5 by triggers, inside the
// transaction that saves it. A Private transcript keeps only metadata that is not user text in the
// clear (size, duration, language, model, created and updated times); its title, source file name,
// segments, words, timestamps and speakers exist on disk only as vault data envelopes, one per field,
// each bound to its transcript and field by vault.AD. There is no option to store them otherwise.
// Nothing of a Private transcript's text enters the FTS index; it is searched through an in-memory
// index built after Unlock and dropped by Lock.
//
// Libraries written before schema version 4 may hold Private rows whose title and source name are in
// the clear (names_sealed = 0): encrypting them needs the data key, which a locked library does not
// have. Such rows are sealed, and the file scrubbed (Compact), on the next Unlock or UnlockRemembered
// (the app unlocks from the keychain at start when the key is remembered, so those libraries are
// migrated at once); until then the old names stay in the file, as they were, but List never returns
// them (they list as locked, nameless Private transcripts). Dropping them instead would lose the
// user's titles, so the choice is to encrypt at the first moment the key exists.
//
// The database runs in WAL mode with synchronous=FULL, foreign keys and secure_delete on. Deleting a
// transcript, or turning a Standard one Private, is followed by Compact (FTS optimize, VACUUM and a
// truncating WAL checkpoint), so that the old text is not left in the database or WAL files.
//
// The SQLite driver must be built with FTS5: go build -tags sqlite_fts5. Open reports ErrNoFTS5
// otherwise.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/hushscribe/hushscribe/internal/vault"
)

// Errors returned by the Library; test for them with errors.Is.
var (
	// ErrNotFound means no transcript has the given id.
	ErrNotFound = errors.New("store: transcript not found")
	// ErrLocked means the operation needs the library's data key and the library is locked.
	ErrLocked = errors.New("store: library is locked")
	// ErrNoPassword means the library has no password yet (see SetPassword).
	ErrNoPassword = errors.New("store: no password has been set")
	// ErrPasswordSet means SetPassword was called on a library that already has a password.
	ErrPasswordSet = errors.New("store: a password is already set")
	// ErrWrongPassword is vault.ErrWrongPassword: the password does not open the library's key.
	ErrWrongPassword = vault.ErrWrongPassword
	// ErrTampered is vault.ErrTampered: an encrypted field was modified, or moved to another
	// transcript or field.
	ErrTampered = vault.ErrTampered
	// ErrNotRemembered means the OS keychain holds no usable key for this library.
	ErrNotRemembered = errors.New("store: the key is not remembered on this device")
	// ErrNoKeychain means the operation needs Options.Keychain, which is nil.
	ErrNoKeychain = errors.New("store: no keychain configured")
	// ErrFull means the disk (or the database's size limit) is full; the write was rolled back and
	// the previously saved data is intact. It wraps the driver's sqlite3.ErrFull error as well.
	ErrFull = errors.New("store: disk or database is full")
	// ErrInvalid means a transcript or argument cannot be stored as given.
	ErrInvalid = errors.New("store: invalid transcript")
	// ErrCorrupt means stored data could not be decoded.
	ErrCorrupt = errors.New("store: stored data is corrupt")
	// ErrNewerSchema means the database was written by a newer version of Hushscribe.
	ErrNewerSchema = errors.New("store: database schema is newer than this version supports")
	// ErrNoFTS5 means the SQLite driver was built without FTS5 (build with -tags sqlite_fts5).
	ErrNoFTS5 = errors.New("store: SQLite lacks FTS5; build with -tags sqlite_fts5")
)

// SecretStore keeps secrets in the OS credential store; internal/keychain implements it. Get must
// return an error matching fs.ErrNotExist when no secret is stored for the account.
type SecretStore interface {
	Get(account string) ([]byte, error)
	Set(account string, secret []byte) error
	Delete(account string) error
}

// Sealer encrypts and decrypts the fields of Private transcripts; *vault.Key implements it.
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(envelope, ad []byte) ([]byte, error)
}

// Options configure a Library. The zero value is usable: no auto-lock, real clock, no keychain.
type Options struct {
	// IdleTimeout locks the library when its key has not been used for this long. Zero disables it.
	IdleTimeout time.Duration
	// Clock returns the current time; nil means time.Now. It is used for created/updated times and
	// for the idle timeout.
	Clock func() time.Time
	// Keychain, when set, lets the user remember the library key on this device (Remember).
	Keychain SecretStore
	// KDF are the password key derivation parameters for SetPassword and ChangePassword; the zero
	// value means vault.DefaultParams. Tests use vault.TestingParams.
	KDF vault.Params
	// OnAutoLock, when set, is called (on its own goroutine) after the idle timeout locked the library.
	OnAutoLock func()

	idlePoll time.Duration // how often the idle timeout is checked; zero means derived from it (tests set it)
}

// Library is an open transcript library. It is safe for concurrent use.
type Library struct {
	db      *sql.DB
	path    string
	account string // keychain account of this library
	opts    Options

	mu       sync.Mutex // guards the fields below
	key      *vault.Key // nil while locked
	lastUse  time.Time
	index    *privateIndex // nil until first needed after Unlock; dropped by Lock
	indexGen uint64        // counts changes to Private data, to detect a stale index build
	closed   bool

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating if needed) the library at path and brings its schema up to date.
func Open(path string, opts Options) (*Library, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Create the file ourselves so that it (and the -wal and -shm files SQLite derives from it) is
	// readable by the user only.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	f.Close()

	db, err := sql.Open("sqlite3", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One connection: per-connection settings hold everywhere, and VACUUM and checkpoints never wait
	// on a reader of our own.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)

	ctx := context.Background()
	if err := checkFTS5(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("store: open %s: cannot enable WAL (journal_mode=%q): %v", path, mode, err)
	}
	if err := migrate(ctx, db, len(migrations)); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	l := &Library{db: db, path: abs, account: KeychainAccount(abs), opts: opts}
	if opts.IdleTimeout > 0 {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go l.idleLoop()
	}
	return l, nil
}

// dsn builds the go-sqlite3 connection string. Every connection gets the same settings.
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letter
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	q.Set("_secure_delete", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

func checkFTS5(ctx context.Context, db *sql.DB) error {
	var on int
	if err := db.QueryRowContext(ctx, "SELECT sqlite_compileoption_used('ENABLE_FTS5')").Scan(&on); err != nil {
		return fmt.Errorf("store: query SQLite options: %w", err)
	}
	if on != 1 {
		return ErrNoFTS5
	}
	return nil
}

// Path returns the library file's absolute path.
func (l *Library) Path() string { return l.path }

// Close locks the library and closes the database. The Library must not be used afterwards.
func (l *Library) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	if l.stop != nil {
		close(l.stop)
		<-l.done
	}
	l.Lock()
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Checkpoint copies the WAL into the database file and truncates the WAL to zero bytes.
func (l *Library) Checkpoint(ctx context.Context) error {
	var busy, logFrames, done int
	err := l.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err != nil {
		return dbErr("checkpoint", err)
	}
	if busy != 0 {
		return fmt.Errorf("store: checkpoint: database busy")
	}
	return nil
}

// Compact scrubs deleted text from the files: it merges the full-text index into one segment
// ('optimize', which drops the terms of deleted rows), rebuilds the database file (VACUUM; with
// secure_delete on, freed pages were zeroed already) and truncates the WAL, so that it holds no old
// page images. Delete and conversions to Private call it.
func (l *Library) Compact(ctx context.Context) error {
	if _, err := l.db.ExecContext(ctx, "INSERT INTO segments_fts (segments_fts) VALUES ('optimize')"); err != nil {
		return dbErr("optimize index", err)
	}
	if _, err := l.db.ExecContext(ctx, "VACUUM"); err != nil {
		return dbErr("vacuum", err)
	}
	return l.Checkpoint(ctx)
}

// IntegrityCheck runs SQLite's integrity_check and the FTS index's own check, and returns nil when
// both report no problem.
func (l *Library) IntegrityCheck(ctx context.Context) error {
	rows, err := l.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return dbErr("integrity check", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return dbErr("integrity check", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Close(); err != nil {
		return dbErr("integrity check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	if _, err := l.db.ExecContext(ctx, "INSERT INTO segments_fts (segments_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
		return fmt.Errorf("%w: full-text index: %v", ErrCorrupt, err)
	}
	return nil
}

// dbErr wraps a database error with the operation, and with ErrFull when the disk or the database
// is full.
func dbErr(op string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return fmt.Errorf("store: %s: %w: %w", op, ErrFull, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
