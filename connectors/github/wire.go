package github

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/cairn-dev/cairn"
)

// The list endpoints that scale with a repo (pull requests, their reviews, issues) decode into
// these slim wire types rather than go-github's: a PR in go-github carries its head and base
// repositories as full Repository structs of about a hundred pointer fields each, and decoding
// them was a fifth of a full sync's CPU. The fields read are exactly those the go-github
// conversions read (TestSlimDecodeMatchesGoGitHub checks both agree on the real fixtures).

type wireUser struct {
	Login string `json:"login"`
}

type wireName struct {
	Name string `json:"name"`
}

type wireRef struct {
	Ref string `json:"ref"`
}

type wireMilestoneTitle struct {
	Title string `json:"title"`
}

type wireTeam struct {
	Slug string `json:"slug"`
}

type wirePR struct {
	ID                 int64               `json:"id"`
	Number             int                 `json:"number"`
	Title              string              `json:"title"`
	Body               string              `json:"body"`
	State              string              `json:"state"`
	Draft              bool                `json:"draft"`
	User               wireUser            `json:"user"`
	Head               wireRef             `json:"head"`
	Base               wireRef             `json:"base"`
	CreatedAt          wireTime            `json:"created_at"`
	UpdatedAt          wireTime            `json:"updated_at"`
	ClosedAt           wireTime            `json:"closed_at"`
	MergedAt           wireTime            `json:"merged_at"`
	Milestone          *wireMilestoneTitle `json:"milestone"`
	Labels             []wireName          `json:"labels"`
	RequestedReviewers []wireUser          `json:"requested_reviewers"`
	RequestedTeams     []wireTeam          `json:"requested_teams"`
}

func (p *wirePR) cairn(repo string, raw []byte) cairn.PullRequest {
	pr := cairn.PullRequest{ID: p.ID, Repo: repo, Number: p.Number, Title: p.Title, Body: p.Body, State: p.State,
		Draft: p.Draft, Author: p.User.Login, HeadRef: p.Head.Ref, BaseRef: p.Base.Ref,
		Created: p.CreatedAt.utc(), Updated: p.UpdatedAt.utc(), Closed: p.ClosedAt.utc(), Merged: p.MergedAt.utc(), Raw: raw}
	if p.Milestone != nil {
		pr.Milestone = p.Milestone.Title
	}
	for _, l := range p.Labels {
		pr.Labels = append(pr.Labels, l.Name)
	}
	for _, u := range p.RequestedReviewers {
		pr.RequestedReviewers = append(pr.RequestedReviewers, u.Login)
	}
	for _, t := range p.RequestedTeams {
		pr.RequestedReviewers = append(pr.RequestedReviewers, "team:"+t.Slug)
	}
	return pr
}

type wireIssue struct {
	ID          int64               `json:"id"`
	Number      int                 `json:"number"`
	Title       string              `json:"title"`
	State       string              `json:"state"`
	User        wireUser            `json:"user"`
	CreatedAt   wireTime            `json:"created_at"`
	UpdatedAt   wireTime            `json:"updated_at"`
	ClosedAt    wireTime            `json:"closed_at"`
	Milestone   *wireMilestoneTitle `json:"milestone"`
	Labels      []wireName          `json:"labels"`
	PullRequest *struct{}           `json:"pull_request"` // set for pull requests
}

func (i *wireIssue) cairn(repo string, raw []byte) cairn.GitHubIssue {
	is := cairn.GitHubIssue{ID: i.ID, Repo: repo, Number: i.Number, Title: i.Title, State: i.State, Author: i.User.Login,
		Created: i.CreatedAt.utc(), Updated: i.UpdatedAt.utc(), Closed: i.ClosedAt.utc(), Raw: raw}
	if i.Milestone != nil {
		is.Milestone = i.Milestone.Title
	}
	for _, l := range i.Labels {
		is.Labels = append(is.Labels, l.Name)
	}
	return is
}

type wireReview struct {
	ID          int64    `json:"id"`
	User        wireUser `json:"user"`
	State       string   `json:"state"`
	SubmittedAt wireTime `json:"submitted_at"`
}

func (r *wireReview) cairn(repo string, number int, raw []byte) cairn.Review {
	return cairn.Review{ID: r.ID, Repo: repo, Number: number, Author: r.User.Login, State: r.State,
		SubmittedAt: r.SubmittedAt.utc(), Raw: raw}
}

// wireTime reads a timestamp as go-github's Timestamp does: an RFC 3339 string, or Unix
// seconds (milliseconds when that lands after the year 3000); null is the zero time.
type wireTime struct{ time.Time }

func (t *wireTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		return t.Time.UnmarshalJSON(b)
	}
	i, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return err
	}
	t.Time = time.Unix(i, 0)
	if t.Time.Year() > 3000 {
		t.Time = time.Unix(0, i*1e6)
	}
	return nil
}

func (t wireTime) utc() time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Time.UTC()
}

// decodeSlim decodes a JSON array into slim wire items and returns each item's raw bytes (slices
// of body, which the caller owns and never reuses). encoding/json validates and decodes the
// body in one pass; a byte loop finds the items' bounds, which is far cheaper than decoding
// into []json.RawMessage first.
func decodeSlim[T any](path string, body []byte) ([]T, [][]byte, error) {
	var items []T
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, nil, &requestError{"GET", path, errMalformed(err)}
	}
	raws, ok := splitArray(body)
	if !ok || len(raws) != len(items) {
		return nil, nil, &requestError{"GET", path, errMalformed(nil)}
	}
	return items, raws, nil
}

// splitArray returns the bounds of the elements of a JSON array that encoding/json has
// already validated.
func splitArray(b []byte) ([][]byte, bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	out := make([][]byte, 0, 100)
	depth, start := 0, -1
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			if start < 0 {
				start = i
			}
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case c == '{' || c == '[':
			if start < 0 {
				start = i
			}
			depth++
		case depth > 0 && (c == '}' || c == ']'):
			depth--
		case depth == 0 && (c == ',' || c == ']'):
			if start < 0 {
				return out, c == ']' && len(out) == 0 // "[]"; anything else is malformed
			}
			out = append(out, bytes.TrimRight(b[start:i], " \t\r\n"))
			start = -1
			if c == ']' {
				return out, true
			}
		case isSpace(c):
		default:
			if start < 0 {
				start = i
			}
		}
	}
	return nil, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
