package syncer_test

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/syncer"
)

// panickyJira panics in one project's search (the fetcher goroutine) or version listing (the
// project's worker).
type panickyJira struct {
	*memJira
	project, in string
}

func (p panickyJira) Search(ctx context.Context, jql, cursor string) (cairn.JiraPage, error) {
	if p.in == "search" && strings.Contains(jql, p.project) && cursor != "" {
		var m map[string]int
		m["nil map"]++ // a runtime error, not a string
	}
	return p.memJira.Search(ctx, jql, cursor)
}

func (p panickyJira) Versions(ctx context.Context, project string) ([]cairn.Version, error) {
	if p.in == "versions" && project == p.project {
		panic("boom in versions")
	}
	return p.memJira.Versions(ctx, project)
}

// A panic in a project's fetcher or worker fails the run with an error naming the project and
// logs the stack; the write connection is not left in a transaction, no goroutine of the run is
// left, and the next run, without the panic, ends in a clean run's database. The test binary
// would die if the panic escaped.
func TestJiraPanicFailsTheRunNotTheProcess(t *testing.T) {
	for _, in := range []string{"search", "versions"} {
		t.Run(in, func(t *testing.T) {
			projects := []string{"PAY", "CORE", "WEB"}
			e := newJiraEnv(t, projects, 200)
			want := e.clean(t)
			before := runtime.NumGoroutine()
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			_, err := syncer.NewJira(e.db, panickyJira{e.mem, "CORE", in}, e.opts, log, nil).Run(context.Background(), false)
			if err == nil || !strings.Contains(err.Error(), "project CORE") || !strings.Contains(err.Error(), "panic") {
				t.Fatalf("run error = %v, want a panic in project CORE", err)
			}
			if l := logs.String(); !strings.Contains(l, "panic recovered") || !strings.Contains(l, "project=CORE") || !strings.Contains(l, "goroutine") {
				t.Errorf("log has no stack for the panic:\n%s", l)
			}
			if st, _ := e.db.JiraScope(context.Background(), "CORE"); !st.Watermark.IsZero() {
				t.Errorf("CORE's watermark advanced past a panic: %v", st.Watermark)
			}
			for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Errorf("%d goroutines after the failed run, %d before", n, before)
			}
			e.clock.Advance(time.Minute)
			e.run(t, false) // would block on the write connection if a transaction were left open
			if diff := cmp.Diff(want, dumpJira(t, e.db)); diff != "" {
				t.Errorf("rerun store differs from a clean run (-clean +rerun):\n%s", diff)
			}
		})
	}
}
