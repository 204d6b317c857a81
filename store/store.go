// Package store keeps cairn's data in SQLite (modernc.org/sqlite, pure Go).
//
// Writes go through one connection with immediate transactions, so two writers never deadlock
// upgrading a read lock; reads use a separate pool and see a consistent WAL snapshot while a
// sync writes. Every public write method is one transaction.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open cairn database.
type DB struct {
	path  string
	write *sql.DB // one connection, BEGIN IMMEDIATE
	read  *sql.DB // many connections, read only

	ghStmts ghStmtCache // the GitHub page writes' prepared statements (github.go)

	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Open opens (creating if needed) the database at path and applies pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	db := &DB{path: path, Now: time.Now}
	var err error
	if db.write, err = sql.Open("sqlite", dsn(path, true)); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	if db.read, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(8)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	return db, nil
}

// dsn puts the pragmas in the connection string so that every pooled connection gets them.
func dsn(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if write {
		q.Set("_txlock", "immediate")
		// The writer's working set (index pages of the tables being filled) outgrows the
		// default 2 MB page cache on big syncs: 8 MB keeps most of what 16 MB gains for
		// half its memory. Checkpointing every 10,000 WAL pages rather than every 1,000
		// copies a page rewritten by many commits into the database once rather than many
		// times. Together, on a 100k-issue Jira store: 2.2 GB handed to write(2) -> 1.7 GB,
		// a third less CPU. The WAL file may grow to about 40 MB between checkpoints.
		q.Add("_pragma", "cache_size(-8000)")
		q.Add("_pragma", "wal_autocheckpoint(10000)")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// uriPath escapes what SQLite reads as URI syntax in a "file:" name: a path with '#' or '?'
// would otherwise open a different, truncated file name.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	db.ghStmts.close()
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// ReadDB returns the read-only pool, for packages that run their own queries (the rollup's
// loader, tests).
func (db *DB) ReadDB() *sql.DB { return db.read }

// Update runs fn in one write transaction, committing when fn returns nil. It is the building
// block of every write method; packages outside store use it only for their own tables.
func (db *DB) Update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rolls back on an error and on a panic: a caller that recovers one (the sync runners do)
	// must not be left with a transaction holding the only write connection. After Commit it
	// does nothing.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn in one read transaction: a consistent snapshot.
func (db *DB) View(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// Ready reports whether the database answers and every embedded migration is applied.
func (db *DB) Ready(ctx context.Context) error {
	want, err := migrationNames()
	if err != nil {
		return err
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	if n != len(want) {
		return fmt.Errorf("database has %d of %d migrations applied", n, len(want))
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns an error unless it says "ok".
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := db.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Slice(names, func(i, j int) bool { return migrationNumber(names[i]) < migrationNumber(names[j]) })
	return names, nil
}

func migrationNumber(name string) int {
	base := path.Base(name)
	n, _ := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	return n
}

// migrate applies, in order, each embedded migration not yet recorded, one transaction each.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := migrationNames()
	if err != nil {
		return err
	}
	for _, name := range names {
		base := path.Base(name)
		err := db.Update(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, base).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
				base, FormatTime(db.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply %s: %w", base, err)
		}
	}
	return nil
}
