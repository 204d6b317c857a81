package githubtest

import (
	"fmt"
	"math/rand"
	"strings"
	"time"
)

// GenOptions sizes a generated data set.
type GenOptions struct {
	Owner          string // default "acme"
	Repos          int    // default 1
	PRsPerRepo     int
	IssuesPerRepo  int
	MaxReviews     int      // reviews per PR are 0..MaxReviews (default 3)
	Milestones     int      // per repo (default 3)
	JiraProjects   []string // keys used in PR titles, branches and bodies (default PAY, WEB)
	LinkedFraction float64  // share of PRs that carry a Jira key (default 0.6)
	Seed           int64
	Start          time.Time // the oldest created time (default 2024-01-01)
}

// Generate returns a deterministic data set: the same options give the same repos.
func Generate(o GenOptions) []Repo {
	if o.Owner == "" {
		o.Owner = "acme"
	}
	if o.Repos <= 0 {
		o.Repos = 1
	}
	if o.MaxReviews == 0 {
		o.MaxReviews = 3
	}
	if o.Milestones == 0 {
		o.Milestones = 3
	}
	if len(o.JiraProjects) == 0 {
		o.JiraProjects = []string{"PAY", "WEB"}
	}
	if o.LinkedFraction == 0 {
		o.LinkedFraction = 0.6
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewSource(o.Seed))
	users := []string{"octocat", "hubot", "monalisa", "defunkt", "mojombo", "pjhyett"}
	verbs := []string{"Add", "Fix", "Refactor", "Remove", "Speed up", "Document"}
	things := []string{"login flow", "billing export", "search index", "rate limiter", "webhook retries", "dark mode"}
	var id int64 = 1_000_000
	next := func() int64 { id++; return id }
	out := make([]Repo, 0, o.Repos)
	for ri := 0; ri < o.Repos; ri++ {
		r := Repo{Owner: o.Owner, Name: fmt.Sprintf("repo%02d", ri), ID: next()}
		r.Labels = []Label{{ID: next(), Name: "bug", Color: "d73a4a", Description: "Something isn't working"},
			{ID: next(), Name: "enhancement", Color: "a2eeef", Description: "New feature or request"},
			{ID: next(), Name: "documentation", Color: "0075ca", Description: "Improvements or additions to documentation"}}
		for m := 1; m <= o.Milestones; m++ {
			ms := Milestone{Number: m, ID: next(), Title: fmt.Sprintf("v%d.0", m), State: "open",
				Description: "Release " + fmt.Sprint(m), Created: o.Start, Updated: o.Start.Add(time.Hour),
				DueOn: o.Start.AddDate(0, m*2, 0)}
			if m == 1 {
				ms.State, ms.ClosedAt = "closed", o.Start.AddDate(0, 2, 1)
			}
			r.Milestones = append(r.Milestones, ms)
		}
		at := o.Start
		number := 0
		for i := 0; i < o.PRsPerRepo+o.IssuesPerRepo; i++ {
			number++
			at = at.Add(time.Duration(1+rng.Intn(600)) * time.Second)
			author := users[rng.Intn(len(users))]
			title := verbs[rng.Intn(len(verbs))] + " " + things[rng.Intn(len(things))]
			label := r.Labels[rng.Intn(len(r.Labels))].Name
			ms := rng.Intn(o.Milestones + 1)
			updated := at.Add(time.Duration(rng.Intn(3600)) * time.Second)
			leftPR, leftIssues := o.PRsPerRepo-len(r.PRs), o.IssuesPerRepo-len(r.Issues)
			isPR := rng.Intn(leftPR+leftIssues) < leftPR
			if !isPR {
				is := Issue{Number: number, ID: next(), Title: title, Body: "Steps to reproduce: ...", State: "open",
					Author: author, Milestone: ms, Labels: []string{label}, Created: at, Updated: updated}
				if rng.Intn(2) == 0 {
					is.State, is.Closed = "closed", updated
				}
				r.Issues = append(r.Issues, is)
				continue
			}
			slug := strings.ReplaceAll(strings.ToLower(title), " ", "-")
			p := PR{Number: number, ID: next(), IssueID: next(), Title: title, Body: "This PR changes things.",
				State: "open", Author: author, Head: "feature/" + slug, Base: "main", Created: at, Updated: updated,
				Milestone: ms, Labels: []string{label}, Commits: []string{title}}
			if rng.Float64() < o.LinkedFraction {
				key := fmt.Sprintf("%s-%d", o.JiraProjects[rng.Intn(len(o.JiraProjects))], 1+rng.Intn(500))
				switch rng.Intn(4) {
				case 0:
					p.Title = key + " " + title
				case 1:
					p.Head = "feature/" + key + "-" + slug
				case 2:
					p.Title = "[" + key + "] " + title
					p.Body = "Fixes " + key + ".\n\nAlso touches UTF-8 handling."
				default:
					p.Head = strings.ToLower(key) + "-" + slug
					p.Commits = append(p.Commits, key+" #comment "+title)
				}
			}
			switch rng.Intn(3) {
			case 0:
				p.State, p.Closed, p.Merged = "closed", updated, updated
			case 1:
				p.Draft = rng.Intn(3) == 0
				p.RequestedReviewers = []string{users[rng.Intn(len(users))]}
			default:
				if rng.Intn(2) == 0 {
					p.State, p.Closed = "closed", updated
				}
			}
			for k := rng.Intn(o.MaxReviews + 1); k > 0; k-- {
				states := []string{"APPROVED", "CHANGES_REQUESTED", "COMMENTED"}
				p.Reviews = append(p.Reviews, Review{ID: next(), Author: users[rng.Intn(len(users))],
					State: states[rng.Intn(len(states))], Body: "Looks good.", Submitted: at.Add(time.Duration(k) * time.Minute)})
			}
			r.PRs = append(r.PRs, p)
		}
		out = append(out, r)
	}
	return out
}
