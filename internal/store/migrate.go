package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step; migrations[i] takes the schema from version i to i+1.
type migration struct {
	name string
	sql  string
}

// migrations is the ordered list of schema steps, read from migrations/NNNN_name.sql. The schema
// version is kept in PRAGMA user_version.
var migrations = mustLoadMigrations()

func mustLoadMigrations() []migration {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		panic(err) // the pattern is constant
	}
	sort.Strings(names)
	ms := make([]migration, 0, len(names))
	for i, n := range names {
		var want string
		fmt.Sscanf(n, "migrations/%4s", &want)
		if want != fmt.Sprintf("%04d", i+1) {
			panic(fmt.Sprintf("store: migration %s out of sequence", n)) // a build-time mistake
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{name: n, sql: string(b)})
	}
	return ms
}

// SchemaVersion is the schema version this package creates and reads.
func SchemaVersion() int { return len(migrations) }

// migrate applies migrations until the schema is at version target, each step in its own
// transaction together with the version bump, so that a crash leaves a consistent version.
func migrate(ctx context.Context, db *sql.DB, target int) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w: file is at version %d, this version reads up to %d", ErrNewerSchema, v, len(migrations))
	}
	for ; v < target; v++ {
		m := migrations[v]
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return dbErr("migrate", err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return dbErr("migrate "+m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return dbErr("migrate "+m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return dbErr("migrate "+m.name, err)
		}
	}
	return nil
}
