package pages

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cairn-dev/cairn/rollup"
)

// summary writes the executive summary from the data: the trajectory, the most important
// change since last week, the milestone most at risk; and what needs a decision.
func (b *builder) summary() (sentences, decisions []Text) {
	c := b.cur
	var scope, done, onTrack int
	var completed counted
	for _, m := range c.Milestones {
		scope += m.Scope.Total
		done += m.Scope.Done
		if m.Status == string(rollup.StatusGreen) || m.Status == string(rollup.StatusDone) {
			onTrack++
		}
		completed.N += m.CompletedWeek.N
		completed.Refs = append(completed.Refs, m.CompletedWeek.Refs...)
	}
	st := statusOf(c.Status)
	s := plain(fmt.Sprintf("%s is %s: %d of %d milestones on track or done; %d of %d items done (%s)",
		c.Name, strings.ToLower(st.Label), onTrack, len(c.Milestones), done, scope, ratio(done, scope)))
	if completed.N > 0 {
		s = join(s, plain(", "), b.countOf(completed, "item", "items"), plain(" completed in the last 7 days."))
	} else {
		s = join(s, plain(", none completed in the last 7 days."))
	}
	sentences = append(sentences, s)
	sentences = append(sentences, b.headline())
	if w, ok := b.worst(); ok {
		f := w.Forecast
		switch {
		case !math.IsNaN(w.OnTime) && !f.P85.IsZero():
			sentences = append(sentences, plain(fmt.Sprintf("%s has a %s chance of meeting its due date %s; the P85 forecast is %s.",
				w.Name, percent(w.OnTime), day(w.Due), forecastDay(f.P85))))
		case w.Status == string(rollup.StatusGrey) && len(w.Reasons) > 0:
			sentences = append(sentences, plain(fmt.Sprintf("%s is not rated: %s.", w.Name, strings.TrimSuffix(w.Reasons[0], "."))))
		case f.Status == rollup.ForecastNone:
			sentences = append(sentences, plain(fmt.Sprintf("%s has no forecast: %s.", w.Name, orDash(f.Reason))))
		}
	}
	if n := len(c.Blockers); n > 0 {
		sentences = append(sentences, join(plain("Open blockers: "), b.countOf(refs(blockerKeys(c.Blockers)), "item", "items"),
			plain(fmt.Sprintf(", %d of them waiting on another team or program.", len(c.Dependencies)))))
	}
	for _, m := range c.Milestones {
		if m.Status != string(rollup.StatusRed) {
			continue
		}
		late := ""
		if d, ok := dayShift(m.Due.AddDate(0, 0, 1), m.Forecast.P85); ok && d > 0 && !m.Due.IsZero() {
			late = fmt.Sprintf(" (at P85 it lands %d days after its due date)", d)
		}
		decisions = append(decisions, plain(fmt.Sprintf("%s is off track%s: re-plan the date, cut scope or add capacity.", m.Name, late)))
	}
	for _, x := range c.Blockers {
		if days := int(b.asOf.Sub(x.Since).Hours() / 24); !x.Since.IsZero() && days >= 14 {
			decisions = append(decisions, join(plain("Unblock "), link(x.Item.Key, b.l.item(x.Item.Key)),
				plain(fmt.Sprintf(" (owner %s, blocked %d days).", orDash(x.Item.Owner), days))))
		}
	}
	if len(decisions) == 0 {
		decisions = []Text{plain("None this week.")}
	}
	return sentences, decisions
}

func blockerKeys(bs []blocker) []string {
	keys := make([]string, 0, len(bs))
	for _, x := range bs {
		keys = append(keys, x.Item.Key)
	}
	return uniq(keys)
}

// headline picks the most important change since last week: a slip, else the biggest
// forecast move, else the biggest scope change.
func (b *builder) headline() Text {
	if b.prev == nil {
		return plain("There is no report for last week to compare with.")
	}
	type cand struct {
		score int
		text  Text
	}
	var best cand
	for _, m := range b.cur.Milestones {
		p, ok := b.prevMilestone(m.Name)
		if !ok {
			continue
		}
		if r := severity(m.Status) - severity(p.Status); r > 0 && 1000*r > best.score {
			best = cand{1000 * r, plain(fmt.Sprintf("Most important change: %s slipped from %s to %s.", m.Name, statusOf(p.Status).Label, statusOf(m.Status).Label))}
		}
		if d, ok := dayShift(p.Forecast.P85, m.Forecast.P85); ok && d != 0 && 10*abs(d) > best.score {
			dir := "later"
			if d < 0 {
				dir = "earlier"
			}
			best = cand{10 * abs(d), plain(fmt.Sprintf("Most important change: the P85 forecast for %s moved %d days %s, to %s.", m.Name, abs(d), dir, forecastDay(m.Forecast.P85)))}
		}
		if n := m.AddedWeek.N + m.RemovedWeek.N; n > 0 && n > best.score {
			best = cand{n, join(plain(fmt.Sprintf("Most important change: %s scope changed by ", m.Name)),
				b.count(m.AddedWeek.N, m.AddedWeek.Refs), plain(" added and "), b.count(m.RemovedWeek.N, m.RemovedWeek.Refs), plain(" removed."))}
		}
	}
	if best.text == nil {
		return plain("No milestone changed status, forecast or scope since last week.")
	}
	return best.text
}

// worst is the milestone most at risk: the worst status, then the lowest P(on time).
func (b *builder) worst() (ms, bool) {
	var w ms
	found := false
	for _, m := range b.cur.Milestones {
		if m.Status == string(rollup.StatusDone) {
			continue
		}
		if !found || severity(m.Status) > severity(w.Status) ||
			(severity(m.Status) == severity(w.Status) && onTimeLess(m.OnTime, w.OnTime)) {
			w, found = m, true
		}
	}
	return w, found
}

func onTimeLess(a, b float64) bool {
	if math.IsNaN(a) {
		return false
	}
	return math.IsNaN(b) || a < b
}

// Helpers.

func statusOf(s string) Status {
	switch rollup.Status(s) {
	case rollup.StatusRed:
		return statusRed
	case rollup.StatusAmber:
		return statusAmber
	case rollup.StatusGreen:
		return statusGreen
	case rollup.StatusDone:
		return statusDone
	case rollup.StatusGrey:
		return statusGrey
	}
	return statusNone
}

// severity orders statuses from best to worst, as the rollup does.
func severity(s string) int { return rollup.Status(s).Severity() }

func day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(dayLayout)
}

func percent(p float64) string {
	if math.IsNaN(p) {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*p)
}

func ratio(n, d int) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(d))
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// dayShift is the number of days from a to b, when both are set.
func dayShift(a, b time.Time) (int, bool) {
	if a.IsZero() || b.IsZero() {
		return 0, false
	}
	return int(math.Round(b.Sub(a).Hours() / 24)), true
}

func age(asOf, since time.Time) string {
	if since.IsZero() {
		return "—"
	}
	d := int(asOf.Sub(since).Hours() / 24)
	if d == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", d)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
