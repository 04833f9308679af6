package backupserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" database/sql driver
)

// schemaVersion is the version of the metadata schema this package creates and reads.
const schemaVersion = 1

// schema is written for both dialects: BYTES is replaced by BLOB (SQLite) or BYTEA (PostgreSQL).
// Times are Unix nanoseconds; booleans are 0 or 1.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS accounts (
		id TEXT PRIMARY KEY,
		email TEXT NOT NULL UNIQUE,
		verifier TEXT NOT NULL,
		key_file BYTES NOT NULL,
		created_ns BIGINT NOT NULL,
		last_seq BIGINT NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS devices (
		account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		id TEXT NOT NULL,
		name TEXT NOT NULL,
		created_ns BIGINT NOT NULL,
		last_seen_ns BIGINT NOT NULL,
		PRIMARY KEY (account_id, id))`,
	`CREATE TABLE IF NOT EXISTS sessions (
		token_hash BYTES PRIMARY KEY,
		account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		device_id TEXT NOT NULL,
		created_ns BIGINT NOT NULL,
		expires_ns BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account_id)`,
	`CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_ns)`,
	`CREATE TABLE IF NOT EXISTS objects (
		account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		id TEXT NOT NULL,
		version BIGINT NOT NULL,
		size BIGINT NOT NULL,
		sha256 BYTES,
		deleted BIGINT NOT NULL,
		blob_key TEXT NOT NULL,
		device_id TEXT NOT NULL,
		modified_ns BIGINT NOT NULL,
		seq BIGINT NOT NULL,
		PRIMARY KEY (account_id, id))`,
	`CREATE INDEX IF NOT EXISTS objects_seq ON objects (account_id, seq)`,
	`CREATE TABLE IF NOT EXISTS login_failures (
		lockout_key TEXT PRIMARY KEY,
		failures BIGINT NOT NULL,
		locked_until_ns BIGINT NOT NULL,
		updated_ns BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS purges (
		account_id TEXT PRIMARY KEY,
		created_ns BIGINT NOT NULL)`,
}

// SQLMeta is the Meta implementation for SQLite and PostgreSQL.
type SQLMeta struct {
	db       *sql.DB
	postgres bool
}

var _ Meta = (*SQLMeta)(nil)

// OpenSQLite opens (creating if needed) the metadata database at path: WAL mode, synchronous=FULL
// (a commit survives power loss once acknowledged), foreign keys and secure_delete on.
func OpenSQLite(ctx context.Context, path string) (*SQLMeta, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open metadata: %w", err)
	}
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_busy_timeout=10000" +
		"&_txlock=immediate&_secure_delete=on"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open metadata %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	m := &SQLMeta{db: db}
	if err := m.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open metadata %s: %w", path, err)
	}
	return m, nil
}

// OpenPostgres connects to PostgreSQL (dsn is a libpq URL or key=value string) through the pure-Go
// pgx driver and creates the schema if needed.
func OpenPostgres(ctx context.Context, dsn string) (*SQLMeta, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	m := &SQLMeta{db: db, postgres: true}
	if err := m.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return m, nil
}

func (m *SQLMeta) init(ctx context.Context) error {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if m.postgres {
		// Serialise concurrent first starts of several servers on one database.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7461626)"); err != nil {
			return fmt.Errorf("lock schema: %w", err)
		}
	}
	for _, q := range schema {
		if _, err := tx.ExecContext(ctx, m.q(q)); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	var v int
	switch err := tx.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, m.q("INSERT INTO schema_version (version) VALUES (?)"), schemaVersion); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	case v > schemaVersion:
		return fmt.Errorf("schema version %d is newer than this server (%d)", v, schemaVersion)
	}
	return tx.Commit()
}

// q rewrites ? placeholders into PostgreSQL's $n form and the BYTES type into the dialect's.
func (m *SQLMeta) q(query string) string {
	if !m.postgres {
		return strings.ReplaceAll(query, "BYTES", "BLOB")
	}
	query = strings.ReplaceAll(query, "BYTES", "BYTEA")
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Close closes the database.
func (m *SQLMeta) Close() error { return m.db.Close() }

// DB exposes the database handle to tests of this package's users (for example to inspect it).
func (m *SQLMeta) DB() *sql.DB { return m.db }

func toNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// CreateAccount implements Meta.
func (m *SQLMeta) CreateAccount(ctx context.Context, a Account) error {
	res, err := m.db.ExecContext(ctx, m.q(`INSERT INTO accounts (id, email, verifier, key_file, created_ns)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), a.ID, a.Email, a.Verifier, a.KeyFile, toNS(a.Created))
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create account: %w", err)
	} else if n == 0 {
		return ErrExists
	}
	return nil
}

const accountColumns = "id, email, verifier, key_file, created_ns"

func scanAccount(row *sql.Row) (Account, error) {
	var a Account
	var created int64
	if err := row.Scan(&a.ID, &a.Email, &a.Verifier, &a.KeyFile, &created); err != nil {
		return Account{}, notFound(err)
	}
	a.Created = fromNS(created)
	return a, nil
}

// AccountByEmail implements Meta.
func (m *SQLMeta) AccountByEmail(ctx context.Context, email string) (Account, error) {
	a, err := scanAccount(m.db.QueryRowContext(ctx, m.q("SELECT "+accountColumns+" FROM accounts WHERE email = ?"), email))
	if err != nil {
		return Account{}, fmt.Errorf("account by email: %w", err)
	}
	return a, nil
}

// Account implements Meta.
func (m *SQLMeta) Account(ctx context.Context, id string) (Account, error) {
	a, err := scanAccount(m.db.QueryRowContext(ctx, m.q("SELECT "+accountColumns+" FROM accounts WHERE id = ?"), id))
	if err != nil {
		return Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// UpdateCredentials implements Meta.
func (m *SQLMeta) UpdateCredentials(ctx context.Context, accountID, verifier string, keyFile []byte) error {
	res, err := m.db.ExecContext(ctx, m.q("UPDATE accounts SET verifier = ?, key_file = ? WHERE id = ?"), verifier, keyFile, accountID)
	return oneRow("update credentials", res, err)
}

func oneRow(what string, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// DeleteAccount implements Meta.
func (m *SQLMeta) DeleteAccount(ctx context.Context, accountID string) error {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	defer tx.Rollback()
	for _, table := range []string{"objects", "sessions", "devices"} {
		if _, err := tx.ExecContext(ctx, m.q("DELETE FROM "+table+" WHERE account_id = ?"), accountID); err != nil {
			return fmt.Errorf("delete account %s: %w", table, err)
		}
	}
	res, err := tx.ExecContext(ctx, m.q("DELETE FROM accounts WHERE id = ?"), accountID)
	if err := oneRow("delete account", res, err); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.q("INSERT INTO purges (account_id, created_ns) VALUES (?, ?) ON CONFLICT DO NOTHING"),
		accountID, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("delete account: record purge: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	return nil
}

// PendingPurges implements Meta.
func (m *SQLMeta) PendingPurges(ctx context.Context) ([]string, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT account_id FROM purges ORDER BY created_ns")
	if err != nil {
		return nil, fmt.Errorf("pending purges: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("pending purges: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// FinishPurge implements Meta.
func (m *SQLMeta) FinishPurge(ctx context.Context, accountID string) error {
	if _, err := m.db.ExecContext(ctx, m.q("DELETE FROM purges WHERE account_id = ?"), accountID); err != nil {
		return fmt.Errorf("finish purge: %w", err)
	}
	return nil
}

// LoginFailure implements Meta.
func (m *SQLMeta) LoginFailure(ctx context.Context, key string, now time.Time, b Backoff) (time.Time, error) {
	var failures, locked int64
	err := m.db.QueryRowContext(ctx, m.q(`INSERT INTO login_failures (lockout_key, failures, locked_until_ns, updated_ns)
		VALUES (?, 1, 0, ?) ON CONFLICT (lockout_key) DO UPDATE SET failures = login_failures.failures + 1, updated_ns = excluded.updated_ns
		RETURNING failures, locked_until_ns`), key, now.UnixNano()).Scan(&failures, &locked)
	if err != nil {
		return time.Time{}, fmt.Errorf("record login failure: %w", err)
	}
	if lock := b.Lock(failures); lock > 0 {
		locked = now.Add(lock).UnixNano()
		if _, err := m.db.ExecContext(ctx, m.q("UPDATE login_failures SET locked_until_ns = ? WHERE lockout_key = ?"), locked, key); err != nil {
			return time.Time{}, fmt.Errorf("record login failure: %w", err)
		}
	}
	return fromNS(locked), nil
}

// LockedUntil implements Meta.
func (m *SQLMeta) LockedUntil(ctx context.Context, key string) (time.Time, error) {
	var locked int64
	err := m.db.QueryRowContext(ctx, m.q("SELECT locked_until_ns FROM login_failures WHERE lockout_key = ?"), key).Scan(&locked)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read lockout: %w", err)
	}
	return fromNS(locked), nil
}

// ClearLoginFailures implements Meta.
func (m *SQLMeta) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := m.db.ExecContext(ctx, m.q("DELETE FROM login_failures WHERE lockout_key = ?"), key); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// PutDevice implements Meta.
func (m *SQLMeta) PutDevice(ctx context.Context, d Device) error {
	res, err := m.db.ExecContext(ctx, m.q(`INSERT INTO devices (account_id, id, name, created_ns, last_seen_ns)
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT)
		WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?)
		ON CONFLICT (account_id, id) DO UPDATE SET name = excluded.name, last_seen_ns = excluded.last_seen_ns`),
		d.AccountID, d.ID, d.Name, toNS(d.Created), toNS(d.LastSeen), d.AccountID)
	return oneRow("put device", res, err)
}

// Device implements Meta.
func (m *SQLMeta) Device(ctx context.Context, accountID, deviceID string) (Device, error) {
	d := Device{AccountID: accountID, ID: deviceID}
	var created, seen int64
	err := m.db.QueryRowContext(ctx, m.q("SELECT name, created_ns, last_seen_ns FROM devices WHERE account_id = ? AND id = ?"),
		accountID, deviceID).Scan(&d.Name, &created, &seen)
	if err != nil {
		return Device{}, fmt.Errorf("device: %w", notFound(err))
	}
	d.Created, d.LastSeen = fromNS(created), fromNS(seen)
	return d, nil
}

// Devices implements Meta.
func (m *SQLMeta) Devices(ctx context.Context, accountID string) ([]Device, error) {
	rows, err := m.db.QueryContext(ctx, m.q("SELECT id, name, created_ns, last_seen_ns FROM devices WHERE account_id = ? ORDER BY created_ns, id"), accountID)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d := Device{AccountID: accountID}
		var created, seen int64
		if err := rows.Scan(&d.ID, &d.Name, &created, &seen); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		d.Created, d.LastSeen = fromNS(created), fromNS(seen)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CreateSession implements Meta.
func (m *SQLMeta) CreateSession(ctx context.Context, s Session) error {
	res, err := m.db.ExecContext(ctx, m.q(`INSERT INTO sessions (token_hash, account_id, device_id, created_ns, expires_ns)
		SELECT CAST(? AS BYTES), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT)
		WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?)`),
		s.TokenHash, s.AccountID, s.DeviceID, toNS(s.Created), toNS(s.Expires), s.AccountID)
	return oneRow("create session", res, err)
}

// Session implements Meta.
func (m *SQLMeta) Session(ctx context.Context, tokenHash []byte) (Session, error) {
	s := Session{TokenHash: tokenHash}
	var created, expires int64
	err := m.db.QueryRowContext(ctx, m.q("SELECT account_id, device_id, created_ns, expires_ns FROM sessions WHERE token_hash = ?"),
		tokenHash).Scan(&s.AccountID, &s.DeviceID, &created, &expires)
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", notFound(err))
	}
	s.Created, s.Expires = fromNS(created), fromNS(expires)
	return s, nil
}

// ExtendSession implements Meta.
func (m *SQLMeta) ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error {
	res, err := m.db.ExecContext(ctx, m.q("UPDATE sessions SET expires_ns = ? WHERE token_hash = ?"), toNS(expires), tokenHash)
	return oneRow("extend session", res, err)
}

// DeleteSession implements Meta.
func (m *SQLMeta) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := m.db.ExecContext(ctx, m.q("DELETE FROM sessions WHERE token_hash = ?"), tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteOtherSessions implements Meta.
func (m *SQLMeta) DeleteOtherSessions(ctx context.Context, accountID string, keep []byte) error {
	if _, err := m.db.ExecContext(ctx, m.q("DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?"), accountID, keep); err != nil {
		return fmt.Errorf("delete other sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions implements Meta. It also forgets sign-in failures not updated for a day
// whose lock-out has ended.
func (m *SQLMeta) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := m.db.ExecContext(ctx, m.q("DELETE FROM sessions WHERE expires_ns < ?"), now.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	if _, err := m.db.ExecContext(ctx, m.q("DELETE FROM login_failures WHERE locked_until_ns < ? AND updated_ns < ?"),
		now.UnixNano(), now.Add(-24*time.Hour).UnixNano()); err != nil {
		return n, fmt.Errorf("prune login failures: %w", err)
	}
	return n, nil
}

const objectColumns = "id, version, size, sha256, deleted, blob_key, device_id, modified_ns, seq"

type scanner interface{ Scan(...any) error }

func scanObject(accountID string, row scanner) (Object, error) {
	o := Object{AccountID: accountID}
	var deleted, modified int64
	if err := row.Scan(&o.ID, &o.Version, &o.Size, &o.SHA256, &deleted, &o.BlobKey, &o.DeviceID, &modified, &o.Seq); err != nil {
		return Object{}, notFound(err)
	}
	o.Deleted = deleted != 0
	o.Modified = fromNS(modified)
	return o, nil
}

// Object implements Meta.
func (m *SQLMeta) Object(ctx context.Context, accountID, objectID string) (Object, error) {
	o, err := scanObject(accountID, m.db.QueryRowContext(ctx,
		m.q("SELECT "+objectColumns+" FROM objects WHERE account_id = ? AND id = ?"), accountID, objectID))
	if err != nil {
		return Object{}, fmt.Errorf("object: %w", err)
	}
	return o, nil
}

// CommitObject implements Meta.
func (m *SQLMeta) CommitObject(ctx context.Context, o Object, base int64) (Object, Object, error) {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return Object{}, Object{}, fmt.Errorf("commit object: %w", err)
	}
	defer tx.Rollback()
	// Taking the account's next sequence number first locks the account row (PostgreSQL) or the
	// database (SQLite, BEGIN IMMEDIATE), so commits to one account are serialised.
	var seq int64
	if err := tx.QueryRowContext(ctx, m.q("UPDATE accounts SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq"),
		o.AccountID).Scan(&seq); err != nil {
		return Object{}, Object{}, fmt.Errorf("commit object: account: %w", notFound(err))
	}
	prev, err := scanObject(o.AccountID, tx.QueryRowContext(ctx,
		m.q("SELECT "+objectColumns+" FROM objects WHERE account_id = ? AND id = ?"), o.AccountID, o.ID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Object{}, Object{}, fmt.Errorf("commit object: %w", err)
	}
	if prev.Version != base {
		return Object{}, prev, fmt.Errorf("commit object %s: base version %d, current %d: %w", o.ID, base, prev.Version, ErrConflict)
	}
	o.Version, o.Seq = base+1, seq
	deleted := int64(0)
	if o.Deleted {
		deleted = 1
	}
	if _, err := tx.ExecContext(ctx, m.q(`INSERT INTO objects (account_id, `+objectColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, id) DO UPDATE SET version = excluded.version, size = excluded.size, sha256 = excluded.sha256,
		deleted = excluded.deleted, blob_key = excluded.blob_key, device_id = excluded.device_id,
		modified_ns = excluded.modified_ns, seq = excluded.seq`),
		o.AccountID, o.ID, o.Version, o.Size, o.SHA256, deleted, o.BlobKey, o.DeviceID, toNS(o.Modified), o.Seq); err != nil {
		return Object{}, Object{}, fmt.Errorf("commit object: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Object{}, Object{}, fmt.Errorf("commit object: %w", err)
	}
	return o, prev, nil
}

// Changes implements Meta.
func (m *SQLMeta) Changes(ctx context.Context, accountID string, since int64, limit int) ([]Object, error) {
	rows, err := m.db.QueryContext(ctx, m.q("SELECT "+objectColumns+" FROM objects WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
		accountID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var out []Object
	for rows.Next() {
		o, err := scanObject(accountID, rows)
		if err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Usage implements Meta.
func (m *SQLMeta) Usage(ctx context.Context, accountID string) (int64, int64, error) {
	var n, size int64
	if err := m.db.QueryRowContext(ctx, m.q("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM objects WHERE account_id = ? AND deleted = 0"),
		accountID).Scan(&n, &size); err != nil {
		return 0, 0, fmt.Errorf("usage: %w", err)
	}
	return n, size, nil
}
