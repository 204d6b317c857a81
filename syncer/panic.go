package syncer

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// scopePanic is a panic recovered inside one of a runner's own goroutines (a Jira project's
// worker, fetcher or the page writer; a GitHub repo's worker, review fetcher or page writer),
// turned into the run's error so that one bad scope (or a bug its data reaches) fails the run
// instead of the whole process.
type scopePanic struct{ value any }

func (e *scopePanic) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// Unwrap exposes a panic value that was an error.
func (e *scopePanic) Unwrap() error {
	if err, ok := e.value.(error); ok {
		return err
	}
	return nil
}

// recoverScope, deferred in a goroutine, stores a recovered panic in *err and logs its stack
// with attrs (the scope: "repo", name or "project", key).
func recoverScope(log *slog.Logger, err *error, attrs ...any) {
	p := recover()
	if p == nil {
		return
	}
	log.Error("panic recovered", append(attrs, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
	*err = &scopePanic{value: p}
}
