package syncer

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// ghPanic is a panic recovered inside one of the GitHub runner's own goroutines (a repo's
// worker or a review fetcher), turned into the run's error so that one bad repo (or a bug its
// data reaches) fails the run instead of the whole process.
type ghPanic struct{ value any }

func (e *ghPanic) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// Unwrap exposes a panic value that was an error.
func (e *ghPanic) Unwrap() error {
	if err, ok := e.value.(error); ok {
		return err
	}
	return nil
}

// recoverGitHub, deferred in a goroutine, stores a recovered panic in *err and logs its stack.
func recoverGitHub(log *slog.Logger, repo string, err *error) {
	p := recover()
	if p == nil {
		return
	}
	log.Error("panic recovered", "repo", repo, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	*err = &ghPanic{value: p}
}
