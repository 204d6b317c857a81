//go:build chaos

package chaos

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// TestDiskTrouble makes the database unwritable in the middle of a full sync (full: SQLite's
// max_page_count pinned just above the current size, which fails writes with SQLITE_FULL as
// a full disk does; read-only: query_only on the writer connection, as a read-only mount
// does), and proves the sync fails cleanly, with a message that says what happened, leaving
// an intact database; and that a restarted process (new connection, the limit gone) finishes
// the sync to the clean run's content with the failed run recorded as failed.
func TestDiskTrouble(t *testing.T) {
	sc := chaosScale()
	data := world(sc)
	repos := repoNames(data)
	ctx := withTimeout(t, 5*time.Minute)
	var trigger atomic.Int64
	var count atomic.Int64
	var armed atomic.Pointer[func()]
	fake := githubtest.New(githubtest.Options{RateLimit: 1 << 30, OnRequest: func(*http.Request) {
		if count.Add(1) == trigger.Load() {
			if f := armed.Load(); f != nil {
				(*f)()
			}
		}
	}})
	defer fake.Close()
	fake.Load(data)
	trigger.Store(-1)

	cleanDB := filepath.Join(t.TempDir(), "clean.db")
	syncInProcess(t, ctx, fake.BaseURL(), cleanDB, repos, nil, 1, nil)
	want := digest(t, cleanDB)
	total := count.Load()

	for _, tc := range []struct {
		name   string
		pragma func(pages int) string
		want   string // what the error must say
	}{
		{"disk full", func(pages int) string { return fmt.Sprintf("PRAGMA max_page_count = %d", pages+1) }, "database or disk is full"},
		{"read-only", func(int) string { return "PRAGMA query_only = 1" }, "readonly database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cairn.db")
			db, err := store.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			client, err := ghc.New(ghc.Options{BaseURL: fake.BaseURL(), Token: githubToken, JiraProjects: []string{"PAY", "WEB"}})
			if err != nil {
				t.Fatal(err)
			}
			var once sync.Once
			var pragmaErr error
			f := func() {
				once.Do(func() {
					// The writer is one connection: a pragma run in its transaction sticks to it.
					pragmaErr = db.Update(context.Background(), func(tx *sql.Tx) error {
						var pages int
						if err := tx.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
							return err
						}
						_, err := tx.Exec(tc.pragma(pages))
						return err
					})
				})
			}
			armed.Store(&f)
			trigger.Store(count.Load() + total/3)
			_, runErr := syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: repos}, nil, nil).Run(ctx, true)
			armed.Store(nil)
			trigger.Store(-1)
			db.Close()
			if pragmaErr != nil {
				t.Fatalf("set %s: %v", tc.name, pragmaErr)
			}
			if runErr == nil {
				t.Fatalf("the sync succeeded on a database that was %s", tc.name)
			}
			msg := runErr.Error()
			t.Logf("the failed sync said: %v", msg)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the error does not say %q: %v", tc.want, msg)
			}
			noSecret(t, "the error", []byte(msg))
			digest(t, path) // intact: integrity_check ok, no duplicates

			// A restarted process: the limit is gone with the old connection.
			syncInProcess(t, ctx, fake.BaseURL(), path, repos, nil, 1, func(db *store.DB) {
				if _, err := db.AbandonRuns(ctx, time.Now()); err != nil {
					t.Fatal(err)
				}
			})
			sameDigest(t, "after recovery", want, digest(t, path))
			st := runStatuses(t, path)
			if st["failed"] != 1 || st["ok"] != 1 || st["running"] != 0 {
				t.Errorf("sync_runs by status %v, want the failed run and the ok one", st)
			}
		})
	}
}
