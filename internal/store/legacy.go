package store

import (
	"context"
	"fmt"

	"github.com/hushscribe/hushscribe/internal/vault"
)

// sealLegacyNames encrypts the clear title and source name of Private transcripts written before
// schema version 4 (names_sealed = 0) under key, blanks the clear columns in one transaction and then
// scrubs the file (Compact), so that the old names are left neither in the database nor in the WAL.
// Unlock and UnlockRemembered call it; it does nothing when no such row exists.
func (l *Library) sealLegacyNames(ctx context.Context, key Sealer) error {
	rows, err := l.db.QueryContext(ctx, `SELECT rid, id, title, source_name FROM transcripts
		WHERE level = 'private' AND names_sealed = 0`)
	if err != nil {
		return dbErr("seal names", err)
	}
	type legacy struct {
		rid                int64
		id, title, srcName string
	}
	var todo []legacy
	for rows.Next() {
		var r legacy
		if err := rows.Scan(&r.rid, &r.id, &r.title, &r.srcName); err != nil {
			rows.Close()
			return dbErr("seal names", err)
		}
		todo = append(todo, r)
	}
	if err := rows.Close(); err != nil {
		return dbErr("seal names", err)
	}
	if len(todo) == 0 {
		return nil
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return dbErr("seal names", err)
	}
	defer tx.Rollback()
	for _, r := range todo {
		for _, f := range []struct{ name, value string }{{fieldTitle, r.title}, {fieldSourceName, r.srcName}} {
			env, err := key.Seal([]byte(f.value), vault.AD(r.id, f.name))
			if err != nil {
				return lockedOr(fmt.Errorf("store: seal %s of %s: %w", f.name, r.id, err))
			}
			if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO sealed (rid, field, envelope) VALUES (?, ?, ?)", r.rid, f.name, env); err != nil {
				return dbErr("seal names", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE transcripts SET title = '', source_name = '', names_sealed = 1
			WHERE rid = ? AND level = 'private' AND names_sealed = 0`, r.rid); err != nil {
			return dbErr("seal names", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbErr("seal names", err)
	}
	l.mu.Lock()
	l.indexGen++
	l.index = nil
	l.mu.Unlock()
	if err := l.Compact(ctx); err != nil {
		return fmt.Errorf("store: names sealed, but scrubbing the old ones failed: %w", err)
	}
	return nil
}

// unlocked finishes Unlock and UnlockRemembered: it seals names left in the clear by older versions.
// The library stays unlocked if that fails; the error says so, and the next unlock tries again.
func (l *Library) unlocked(ctx context.Context, key Sealer) error {
	if err := l.sealLegacyNames(ctx, key); err != nil {
		return fmt.Errorf("store: unlocked, but encrypting the names of older Private transcripts failed: %w", err)
	}
	return nil
}
