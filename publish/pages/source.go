package pages

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/rollup"
)

// Source is what pages reads: stored reports and milestone snapshots. rollup.Reports{DB: db}
// satisfies it.
type Source interface {
	// LatestReport returns the most recent stored report, or an error wrapping
	// cairn.ErrNotFound when there is none.
	LatestReport(ctx context.Context) (*rollup.Report, error)
	// ReportForWeek returns the report stored for an ISO week ("2026-W48"), or an error
	// wrapping cairn.ErrNotFound.
	ReportForWeek(ctx context.Context, week string) (*rollup.Report, error)
	// Snapshots returns a program's daily milestone snapshots with from <= day <= to, oldest
	// first; an empty milestone means every milestone of the program.
	Snapshots(ctx context.Context, program, milestone string, from, to time.Time) ([]rollup.Snapshot, error)
}

var weekRE = regexp.MustCompile(`^[0-9]{4}-W[0-9]{2}$`)

// ValidWeek reports whether s is an ISO week in the form 2026-W48 with a week that exists.
func ValidWeek(s string) bool {
	if !weekRE.MatchString(s) {
		return false
	}
	_, err := weekStart(s)
	return err == nil
}

// weekStart returns Monday 00:00 UTC of an ISO week.
func weekStart(week string) (time.Time, error) {
	var y, w int
	if _, err := fmt.Sscanf(week, "%4d-W%2d", &y, &w); err != nil {
		return time.Time{}, fmt.Errorf("parse week %q: %w", week, err)
	}
	// January 4th is always in week 1.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
	if yy, ww := monday.ISOWeek(); yy != y || ww != w || w < 1 {
		return time.Time{}, fmt.Errorf("parse week %q: no such week", week)
	}
	return monday, nil
}

// PreviousWeek returns the ISO week before week ("2026-W01" gives "2025-W53" or "2025-W52").
func PreviousWeek(week string) (string, error) {
	m, err := weekStart(week)
	if err != nil {
		return "", err
	}
	y, w := m.AddDate(0, 0, -7).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w), nil
}

// Inputs are what a page renders from.
type Inputs struct {
	Report    *rollup.Report
	Previous  *rollup.Report // nil when the week before has no report
	Snapshots []rollup.Snapshot
}

// Load reads the report for week ("" for the latest), the previous week's report and the
// snapshots of every milestone of the named programs (all programs when none are named).
func Load(ctx context.Context, src Source, week string, historyDays int, programs ...string) (*Inputs, error) {
	var in Inputs
	var err error
	if week == "" {
		in.Report, err = src.LatestReport(ctx)
	} else {
		in.Report, err = src.ReportForWeek(ctx, week)
	}
	if err != nil {
		return nil, fmt.Errorf("load report %s: %w", weekOrLatest(week), err)
	}
	if prev, err := PreviousWeek(in.Report.Week); err == nil {
		in.Previous, err = src.ReportForWeek(ctx, prev)
		if errors.Is(err, cairn.ErrNotFound) {
			in.Previous, err = nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load report %s: %w", prev, err)
		}
	}
	if historyDays <= 0 {
		historyDays = 182
	}
	to := in.Report.AsOf
	from := to.AddDate(0, 0, -historyDays)
	for _, p := range in.Report.Programs {
		if len(programs) > 0 && !containsProgram(programs, p.Name) {
			continue
		}
		// One read per program: an empty milestone matches all of its milestones.
		snaps, err := src.Snapshots(ctx, p.Name, "", from, to)
		if err != nil {
			return nil, fmt.Errorf("load snapshots of %s: %w", p.Name, err)
		}
		in.Snapshots = append(in.Snapshots, snaps...)
	}
	return &in, nil
}

func weekOrLatest(w string) string {
	if w == "" {
		return "latest"
	}
	return "for " + w
}

// containsProgram matches a program by name or by slug.
func containsProgram(list []string, name string) bool {
	for _, s := range list {
		if s == name || s == Slug(name) {
			return true
		}
	}
	return false
}
