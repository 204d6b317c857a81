package github

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	gh "github.com/google/go-github/v60/github"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

// The go-github conversions the slim wire types replaced: the reference they must agree with.

func pullRequest(repo string, p *gh.PullRequest, raw []byte) cairn.PullRequest {
	pr := cairn.PullRequest{
		ID:      p.GetID(),
		Repo:    repo,
		Number:  p.GetNumber(),
		Title:   p.GetTitle(),
		Body:    p.GetBody(),
		State:   p.GetState(),
		Draft:   p.GetDraft(),
		Author:  p.GetUser().GetLogin(),
		HeadRef: p.GetHead().GetRef(),
		BaseRef: p.GetBase().GetRef(),
		Created: p.GetCreatedAt().Time.UTC(),
		Updated: p.GetUpdatedAt().Time.UTC(),
		Closed:  p.GetClosedAt().Time.UTC(),
		Merged:  p.GetMergedAt().Time.UTC(),
		Raw:     raw,
	}
	if p.Milestone != nil {
		pr.Milestone = p.Milestone.GetTitle()
	}
	for _, l := range p.Labels {
		pr.Labels = append(pr.Labels, l.GetName())
	}
	for _, u := range p.RequestedReviewers {
		pr.RequestedReviewers = append(pr.RequestedReviewers, u.GetLogin())
	}
	for _, t := range p.RequestedTeams {
		pr.RequestedReviewers = append(pr.RequestedReviewers, "team:"+t.GetSlug())
	}
	return pr
}

func issue(repo string, i *gh.Issue, raw []byte) cairn.GitHubIssue {
	is := cairn.GitHubIssue{
		ID:      i.GetID(),
		Repo:    repo,
		Number:  i.GetNumber(),
		Title:   i.GetTitle(),
		State:   i.GetState(),
		Author:  i.GetUser().GetLogin(),
		Created: i.GetCreatedAt().Time.UTC(),
		Updated: i.GetUpdatedAt().Time.UTC(),
		Closed:  i.GetClosedAt().Time.UTC(),
		Raw:     raw,
	}
	if i.Milestone != nil {
		is.Milestone = i.Milestone.GetTitle()
	}
	for _, l := range i.Labels {
		is.Labels = append(is.Labels, l.GetName())
	}
	return is
}

func review(repo string, number int, r *gh.PullRequestReview, raw []byte) cairn.Review {
	return cairn.Review{
		ID:          r.GetID(),
		Repo:        repo,
		Number:      number,
		Author:      r.GetUser().GetLogin(),
		State:       r.GetState(),
		SubmittedAt: r.GetSubmittedAt().Time.UTC(),
		Raw:         raw,
	}
}

// TestSlimDecodeMatchesGoGitHub decodes the real recorded pull requests, reviews and issues,
// and the fake's, with the slim wire types and with go-github's types and the conversions
// above: both must give the same cairn values, raw bytes included.
func TestSlimDecodeMatchesGoGitHub(t *testing.T) {
	var bodies []struct {
		name, kind string
		body       []byte
	}
	for _, c := range []struct{ cassette, suffix, kind string }{
		{"Repository_pull_requests.json", "/pulls", "pulls"},
		{"PullRequest_pull_reviews.json", "/reviews", "reviews"},
		{"Repository_issues_state_all.json", "/issues", "issues"},
	} {
		for _, rec := range loadCassette(t, c.cassette) {
			if rec.status == http.StatusOK && strings.HasSuffix(rec.uri.Path, c.suffix) {
				bodies = append(bodies, struct {
					name, kind string
					body       []byte
				}{c.cassette + " " + rec.uri.String(), c.kind, rec.body})
			}
		}
	}
	for _, b := range fakeBodies(t) {
		bodies = append(bodies, b)
	}
	for _, b := range bodies {
		var raws []json.RawMessage
		if err := json.Unmarshal(b.body, &raws); err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		switch b.kind {
		case "pulls":
			items, got, err := decodeSlim[wirePR]("p", b.body)
			if err != nil {
				t.Fatalf("%s: %v", b.name, err)
			}
			for i, raw := range raws {
				var p gh.PullRequest
				if err := json.Unmarshal(raw, &p); err != nil {
					t.Fatal(err)
				}
				want := pullRequest("o/r", &p, raw)
				if diff := cmp.Diff(want, items[i].cairn("o/r", got[i])); diff != "" {
					t.Errorf("%s item %d (-go-github +slim):\n%s", b.name, i, diff)
				}
			}
		case "reviews":
			items, got, err := decodeSlim[wireReview]("p", b.body)
			if err != nil {
				t.Fatalf("%s: %v", b.name, err)
			}
			for i, raw := range raws {
				var r gh.PullRequestReview
				if err := json.Unmarshal(raw, &r); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(review("o/r", 7, &r, raw), items[i].cairn("o/r", 7, got[i])); diff != "" {
					t.Errorf("%s item %d (-go-github +slim):\n%s", b.name, i, diff)
				}
			}
		case "issues":
			items, got, err := decodeSlim[wireIssue]("p", b.body)
			if err != nil {
				t.Fatalf("%s: %v", b.name, err)
			}
			for i, raw := range raws {
				var is gh.Issue
				if err := json.Unmarshal(raw, &is); err != nil {
					t.Fatal(err)
				}
				if is.IsPullRequest() != (items[i].PullRequest != nil) {
					t.Errorf("%s item %d: pull request %v, slim says %v", b.name, i, is.IsPullRequest(), items[i].PullRequest != nil)
				}
				if diff := cmp.Diff(issue("o/r", &is, raw), items[i].cairn("o/r", got[i])); diff != "" {
					t.Errorf("%s item %d (-go-github +slim):\n%s", b.name, i, diff)
				}
			}
		}
	}
}

// fakeBodies returns list pages from the fake (fetched raw), for the slim decoding test.
func fakeBodies(t *testing.T) []struct {
	name, kind string
	body       []byte
} {
	t.Helper()
	fake := githubtest.New(githubtest.Options{})
	t.Cleanup(fake.Close)
	data := githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 120, IssuesPerRepo: 30, Seed: 3})
	data[0].PRs[0].Body = "" // null body
	data[0].PRs[1].RequestedReviewers = []string{"octocat", "hubot"}
	fake.Load(data)
	srv := fake.BaseURL()
	var out []struct {
		name, kind string
		body       []byte
	}
	paths := []struct{ path, kind string }{
		{"repos/acme/repo00/pulls?state=all&per_page=100", "pulls"},
		{"repos/acme/repo00/issues?state=all&per_page=100", "issues"},
	}
	for _, p := range data[0].PRs[:6] {
		paths = append(paths, struct{ path, kind string }{"repos/acme/repo00/pulls/" + itoa(p.Number) + "/reviews", "reviews"})
	}
	for _, p := range paths {
		resp, err := http.Get(srv + p.path)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", p.path, resp.Status)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		out = append(out, struct {
			name, kind string
			body       []byte
		}{"fake " + p.path, p.kind, buf.Bytes()})
	}
	return out
}

func TestSplitArray(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`[]`, []string{}, true},
		{` [ ] `, []string{}, true},
		{`[1]`, []string{"1"}, true},
		{`[ {"a":"]}\"," } , [1,[2]] ,"x,]" , null ]`, []string{`{"a":"]}\"," }`, `[1,[2]]`, `"x,]"`, `null`}, true},
		{`{}`, nil, false},
		{`[1,`, nil, false},
		{`[,]`, nil, false},
	} {
		got, ok := splitArray([]byte(tt.in))
		var gs []string
		if got != nil {
			gs = []string{}
		}
		for _, g := range got {
			gs = append(gs, string(g))
		}
		if ok != tt.ok || (ok && !cmp.Equal(gs, tt.want)) {
			t.Errorf("splitArray(%s) = %q, %v; want %q, %v", tt.in, gs, ok, tt.want, tt.ok)
		}
	}
}
