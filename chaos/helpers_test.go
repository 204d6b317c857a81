//go:build chaos

package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

// Recognisable fake secrets: no log line, error, page, metric or database row may show them.
const (
	githubToken = "ghp_CHAOSSECRETgithubtoken0123456789abcd"
	jiraToken   = "ATATT-CHAOSSECRET-jiratoken-0123456789"
	jiraEmail   = "chaos@example.com"
	apiToken    = "cairn-CHAOSSECRET-apitoken-0123456789"
)

// scale is the size of the suite's worlds: "ci" (default) fits CI's time, "full" is bigger.
type scale struct {
	repos, prs, issues int
	jiraIssues         int           // per project (PAY and WEB)
	latency            time.Duration // per request, so a sync lasts long enough to be killed
}

func chaosScale() scale {
	if os.Getenv("CHAOS_SCALE") == "full" {
		return scale{repos: 4, prs: 1500, issues: 500, jiraIssues: 3000, latency: 5 * time.Millisecond}
	}
	return scale{repos: 3, prs: 200, issues: 60, jiraIssues: 400, latency: 2 * time.Millisecond}
}

func chaosSeed(t *testing.T) int64 {
	seed := int64(20261130)
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (set CHAOS_SEED to replay)", seed)
	return seed
}

func world(sc scale) []githubtest.Repo {
	return githubtest.Generate(githubtest.GenOptions{Owner: "acme", Repos: sc.repos, PRsPerRepo: sc.prs,
		IssuesPerRepo: sc.issues, Seed: 42})
}

func repoNames(data []githubtest.Repo) []string {
	var out []string
	for _, r := range data {
		out = append(out, r.FullName())
	}
	return out
}

// writeConfig writes a cairn config that syncs repos from the fake GitHub at url, and when
// jiraURL is set the projects PAY and WEB from the fake Jira there, into db.
func writeConfig(t *testing.T, dir, url, db string, repos []string, jiraURL ...string) string {
	t.Helper()
	jira := ""
	if len(jiraURL) > 0 && jiraURL[0] != "" {
		jira = fmt.Sprintf("jira:\n  url: %s\n  deployment: cloud\n  email: %s\n  token: %s\n  projects: [PAY, WEB]\n", jiraURL[0], jiraEmail, jiraToken)
	}
	cfg := fmt.Sprintf(`database: %s
listen: 127.0.0.1:0
api_token: %s
%sgithub:
  url: %s
  token: %s
  repos: [%s]
  concurrency: 4
programs:
  - name: Chaos
    milestones:
      - name: First
        github:
          milestones: ["%s:v1.0"]
`, db, apiToken, jira, url, githubToken, strings.Join(repos, ", "), repos[0])
	path := filepath.Join(dir, "cairn.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

// syncBinary builds the real cairn binary once per test run. (real is always true now that
// cairn has its sync command; until it had, a stand-in wired the same packages.)
func syncBinary(t *testing.T) (path string, real bool) {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "cairn-chaos-bin"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "cairn")
		if out, err := exec.Command("go", "build", "-o", binPath, "../cmd/cairn").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build cmd/cairn: %v\n%s", err, out)
			return
		}
		if out, err := exec.Command(binPath, "sync", "--help").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("cairn sync --help: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath, true
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// Columns and tables that record when and how a run went rather than what was synced.
var (
	// The rollup's tables are derived from the synced ones with the run's clock (as_of): a
	// sync that also rolls up writes different times on every run.
	bookkeepingTables = map[string]bool{"sync_runs": true, "schema_migrations": true, "rollup_reports": true, "rollup_snapshots": true}
	bookkeepingCols   = map[string]bool{"synced_at": true, "fetched_at": true, "seen_at": true, "applied_at": true}
	bookkeepingByTbl  = map[string]map[string]bool{"sync_state": {"watermark": true, "updated_at": true}}
)

func init() {
	// The incremental rollup's change list and report parts (store migration 0007) are
	// derived from the synced tables too, and consumed by rollups.
	for _, t := range []string{"rollup_dirty", "rollup_capture", "rollup_parts", "rollup_report_parts"} {
		bookkeepingTables[t] = true
	}
}

// tableDigest is a table's row count and a hash of its sorted content.
type tableDigest struct {
	Rows int
	Hash string
}

// digest opens a database, checks PRAGMA integrity_check and that no table holds duplicate
// rows, and returns a digest of every table without the bookkeeping columns.
func digest(t *testing.T, path string) map[string]tableDigest {
	t.Helper()
	out, problems, err := inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", path, p)
	}
	return out
}

// inspect is digest's work: the digests, and the integrity or duplicate problems found.
func inspect(path string) (map[string]tableDigest, []string, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	var problems []string
	var ic string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ic); err != nil {
		return nil, nil, err
	}
	if ic != "ok" {
		problems = append(problems, "integrity_check: "+ic)
	}
	tables, err := strings0(db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]tableDigest{}
	for _, tbl := range tables {
		if bookkeepingTables[tbl] {
			continue
		}
		names, err := strings0(db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, tbl)
		if err != nil {
			return nil, nil, err
		}
		var cols []string
		for _, c := range names {
			if !bookkeepingCols[c] && !bookkeepingByTbl[tbl][c] {
				cols = append(cols, `"`+c+`"`)
			}
		}
		list := strings.Join(cols, ", ")
		var all, distinct int
		if err := db.QueryRow(`SELECT count(*) FROM "` + tbl + `"`).Scan(&all); err != nil {
			return nil, nil, err
		}
		if err := db.QueryRow(`SELECT count(*) FROM (SELECT DISTINCT ` + list + ` FROM "` + tbl + `")`).Scan(&distinct); err != nil {
			return nil, nil, err
		}
		if all != distinct {
			problems = append(problems, fmt.Sprintf("table %s has %d rows but %d distinct", tbl, all, distinct))
		}
		order := make([]string, len(cols))
		for i := range cols {
			order[i] = strconv.Itoa(i + 1)
		}
		rows, err := db.Query(`SELECT ` + list + ` FROM "` + tbl + `" ORDER BY ` + strings.Join(order, ", "))
		if err != nil {
			return nil, nil, err
		}
		h := sha256.New()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, nil, err
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%T:%v\x1f", v, v)
			}
			h.Write([]byte{'\n'})
			n++
		}
		if err := rows.Close(); err != nil {
			return nil, nil, err
		}
		out[tbl] = tableDigest{Rows: n, Hash: hex.EncodeToString(h.Sum(nil))[:16]}
	}
	return out, problems, nil
}

func strings0(db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// sameDigest reports every table whose content differs from the clean run's.
func sameDigest(t *testing.T, what string, want, got map[string]tableDigest) {
	t.Helper()
	var names []string
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if want[k] != got[k] {
			t.Errorf("%s: table %s: got %d rows (hash %s), clean run has %d rows (hash %s)", what, k,
				got[k].Rows, got[k].Hash, want[k].Rows, want[k].Hash)
		}
	}
}

// runStatuses counts sync_runs rows by status.
func runStatuses(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, s := range queryStrings(t, db, `SELECT status FROM sync_runs`) {
		out[s]++
	}
	return out
}

// noSecret fails when a fake secret appears in b.
func noSecret(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, s := range []string{githubToken, jiraToken, apiToken, "CHAOSSECRET"} {
		if strings.Contains(string(b), s) {
			t.Errorf("%s shows a secret (%q)", where, s)
			return
		}
	}
}

// noSecretInFiles scans the database, its WAL and any other file in dir.
func noSecretInFiles(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		noSecret(t, p, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func itoa(n int) string { return strconv.Itoa(n) }

// syncWriter makes a writer safe for the concurrent log calls of a test.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
