package backupserver

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors returned by Meta and Blobs implementations; test for them with errors.Is.
var (
	// ErrNotFound means the account, session, device, object or blob does not exist.
	ErrNotFound = errors.New("backupserver: not found")
	// ErrExists means an account with this email already exists.
	ErrExists = errors.New("backupserver: account already exists")
	// ErrConflict means the object's current version is not the base version of the change.
	ErrConflict = errors.New("backupserver: version conflict")
)

// Account is a backup account. Verifier is the server's salted argon2id hash of the client's
// authentication key; KeyFile is the client's wrapped data key, opaque to the server.
type Account struct {
	ID       string
	Email    string // normalized
	Verifier string
	KeyFile  []byte
	Created  time.Time
}

// Device is a device that signed in to an account.
type Device struct {
	AccountID string
	ID        string
	Name      string
	Created   time.Time
	LastSeen  time.Time
}

// Session is a signed-in device. Only the SHA-256 of its token is stored.
type Session struct {
	TokenHash []byte
	AccountID string
	DeviceID  string
	Created   time.Time
	Expires   time.Time
}

// Object is the metadata of one object's current version, or of its tombstone when Deleted.
type Object struct {
	AccountID string
	ID        string
	Version   int64
	Size      int64
	SHA256    []byte // of the stored (encrypted) bytes; nil for tombstones
	Deleted   bool
	BlobKey   string // where Blobs holds the bytes; empty for tombstones
	DeviceID  string
	Modified  time.Time
	Seq       int64 // position in the account's change feed
}

// Meta stores accounts, devices, sessions, sign-in failures and object metadata. Implementations:
// OpenSQLite (embedded default) and OpenPostgres. The shared behaviour is tested by
// storagetest.Meta. All methods are safe for concurrent use.
type Meta interface {
	// CreateAccount stores a new account, or fails with ErrExists if its email is taken.
	CreateAccount(ctx context.Context, a Account) error
	// AccountByEmail and Account look an account up, or fail with ErrNotFound.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	Account(ctx context.Context, id string) (Account, error)
	// UpdateCredentials replaces an account's verifier and key file.
	UpdateCredentials(ctx context.Context, accountID, verifier string, keyFile []byte) error
	// DeleteAccount removes the account and, in the same transaction, its devices, sessions and
	// object metadata, and records a pending purge of its blobs (see PendingPurges).
	DeleteAccount(ctx context.Context, accountID string) error
	// PendingPurges lists deleted accounts whose blobs may still exist; FinishPurge removes one.
	PendingPurges(ctx context.Context) ([]string, error)
	FinishPurge(ctx context.Context, accountID string) error

	// LoginFailure counts a failed sign-in for key and, when b.Lock of the new count is positive,
	// locks key until now plus that. It returns the time key is locked until (zero if never).
	LoginFailure(ctx context.Context, key string, now time.Time, b Backoff) (time.Time, error)
	// LockedUntil returns the time key is locked until, zero if it is not recorded.
	LockedUntil(ctx context.Context, key string) (time.Time, error)
	// ClearLoginFailures forgets key's failures (after a successful sign-in).
	ClearLoginFailures(ctx context.Context, key string) error

	// PutDevice inserts or updates a device (name and last-seen time).
	PutDevice(ctx context.Context, d Device) error
	// Device returns one of an account's devices, or ErrNotFound.
	Device(ctx context.Context, accountID, deviceID string) (Device, error)
	// Devices lists an account's devices, oldest first.
	Devices(ctx context.Context, accountID string) ([]Device, error)

	// CreateSession stores a session; it fails with ErrNotFound if the account is gone.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with this token hash, or ErrNotFound. Expiry is the caller's job.
	Session(ctx context.Context, tokenHash []byte) (Session, error)
	// ExtendSession sets a session's expiry time.
	ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error
	// DeleteSession removes one session; a missing one is not an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteOtherSessions removes every session of the account except the one with keep.
	DeleteOtherSessions(ctx context.Context, accountID string, keep []byte) error
	// DeleteExpiredSessions removes sessions that expired before now and reports how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	// Object returns an object's current metadata (possibly a tombstone), or ErrNotFound.
	Object(ctx context.Context, accountID, objectID string) (Object, error)
	// CommitObject makes o (o.Version is ignored) the object's next version if its current version
	// equals base (0: the object does not exist yet). It assigns o.Version = base+1 and the next
	// sequence number of the account's change feed, and returns the stored object and the previous
	// one (zero if none). On a version mismatch it fails with ErrConflict and returns the current
	// object as prev; if the account is gone, with ErrNotFound. The commit is durable when it returns.
	CommitObject(ctx context.Context, o Object, base int64) (stored, prev Object, err error)
	// Changes returns up to limit objects (tombstones included) whose sequence number is above
	// since, in sequence order.
	Changes(ctx context.Context, accountID string, since int64, limit int) ([]Object, error)
	// Usage reports an account's live object count and total size.
	Usage(ctx context.Context, accountID string) (objects, bytes int64, err error)

	Close() error
}

// Blobs stores object bytes under keys chosen by the server ("ACCOUNT/OBJECT/VERSION-RANDOM").
// Implementations: FileBlobs (embedded default) and S3Blobs. The shared behaviour is tested by
// storagetest.Blobs. All methods are safe for concurrent use.
type Blobs interface {
	// Put stores exactly size bytes from r under key. The blob is durable when Put returns nil; on
	// error nothing is left under key. Put fails if r yields fewer or more than size bytes.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens a blob for reading, or fails with ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a blob; a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every blob whose key starts with prefix (which ends in "/").
	DeletePrefix(ctx context.Context, prefix string) error
}
