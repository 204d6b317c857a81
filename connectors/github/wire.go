package github

import (
	"errors"
	"strconv"
	"time"

	gojson "github.com/goccy/go-json"

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
// of body, which the caller owns and never reuses). splitArray validates the body as strictly
// as encoding/json and finds the items' bounds in one byte loop; goccy/go-json (as the Jira
// decoder uses) then decodes it in one pass, where encoding/json makes two. goccy alone is not
// enough: it skips unknown fields without validating them.
func decodeSlim[T any](path string, body []byte) ([]T, [][]byte, error) {
	raws, ok := splitArray(body)
	if !ok {
		return nil, nil, &requestError{"GET", path, errMalformed(errInvalidJSON)}
	}
	var items []T
	if err := gojson.Unmarshal(body, &items); err != nil {
		return nil, nil, &requestError{"GET", path, errMalformed(err)}
	}
	if len(raws) != len(items) {
		return nil, nil, &requestError{"GET", path, errMalformed(errInvalidJSON)}
	}
	return items, raws, nil
}

var errInvalidJSON = errors.New("invalid JSON array")

// splitArray validates b as a JSON array (the grammar encoding/json accepts: any bytes of 0x20
// and above in strings, nesting up to maxDepth) and returns its elements' bounds.
func splitArray(b []byte) ([][]byte, bool) {
	v := validator{b: b}
	v.ws()
	if v.i >= len(b) || b[v.i] != '[' {
		return nil, false
	}
	out := make([][]byte, 0, 100)
	if !v.open(']') {
		for {
			start := v.i
			if !v.value(1) {
				return nil, false
			}
			out = append(out, b[start:v.i])
			more, ok := v.next(']')
			if !ok {
				return nil, false
			}
			if !more {
				break
			}
		}
	}
	v.ws()
	return out, v.i == len(b)
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

type validator struct {
	b []byte
	i int
}

func (v *validator) ws() {
	for v.i < len(v.b) && isSpace(v.b[v.i]) {
		v.i++
	}
}

// value consumes one JSON value starting at v.i (no leading white space).
func (v *validator) value(depth int) bool {
	if v.i >= len(v.b) || depth > maxDepth {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '"':
		return v.str()
	case c == '{':
		if v.open('}') {
			return true
		}
		for {
			if v.i >= len(v.b) || v.b[v.i] != '"' || !v.str() {
				return false
			}
			v.ws()
			if v.i >= len(v.b) || v.b[v.i] != ':' {
				return false
			}
			v.i++
			v.ws()
			if !v.value(depth + 1) {
				return false
			}
			if more, ok := v.next('}'); !more {
				return ok
			}
		}
	case c == '[':
		if v.open(']') {
			return true
		}
		for {
			if !v.value(depth + 1) {
				return false
			}
			if more, ok := v.next(']'); !more {
				return ok
			}
		}
	case c == 't':
		return v.lit("true")
	case c == 'f':
		return v.lit("false")
	case c == 'n':
		return v.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return v.num()
	}
	return false
}

// open consumes a container's opening bracket and the white space after it, and the closing
// bracket too when the container is empty, which it reports.
func (v *validator) open(closer byte) (empty bool) {
	v.i++
	v.ws()
	if v.i < len(v.b) && v.b[v.i] == closer {
		v.i++
		return true
	}
	return false
}

// next consumes what follows a member or an element: white space, then a comma and white space
// (more follow) or the closing bracket (the end); anything else is not JSON.
func (v *validator) next(closer byte) (more, ok bool) {
	v.ws()
	if v.i >= len(v.b) {
		return false, false
	}
	switch v.b[v.i] {
	case closer:
		v.i++
		return false, true
	case ',':
		v.i++
		v.ws()
		return true, true
	}
	return false, false
}

func (v *validator) lit(s string) bool {
	if len(v.b)-v.i < len(s) || string(v.b[v.i:v.i+len(s)]) != s {
		return false
	}
	v.i += len(s)
	return true
}

// plain marks the bytes a string holds as they are: not a quote, backslash or control byte.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (v *validator) str() bool {
	for v.i++; v.i < len(v.b); v.i++ {
		for v.i < len(v.b) && plain[v.b[v.i]] {
			v.i++
		}
		if v.i >= len(v.b) {
			return false
		}
		switch c := v.b[v.i]; {
		case c == '"':
			v.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			v.i++
			if v.i >= len(v.b) {
				return false
			}
			switch v.b[v.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(v.b)-v.i < 5 {
					return false
				}
				for _, h := range v.b[v.i+1 : v.i+5] {
					if !isHex(h) {
						return false
					}
				}
				v.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func (v *validator) num() bool {
	if v.b[v.i] == '-' {
		v.i++
	}
	switch {
	case v.i < len(v.b) && v.b[v.i] == '0':
		v.i++
	case v.i < len(v.b) && v.b[v.i] >= '1' && v.b[v.i] <= '9':
		v.digits()
	default:
		return false
	}
	if v.i < len(v.b) && v.b[v.i] == '.' {
		v.i++
		if !v.digits() {
			return false
		}
	}
	if v.i < len(v.b) && (v.b[v.i] == 'e' || v.b[v.i] == 'E') {
		v.i++
		if v.i < len(v.b) && (v.b[v.i] == '+' || v.b[v.i] == '-') {
			v.i++
		}
		if !v.digits() {
			return false
		}
	}
	return true
}

// digits consumes one or more digits.
func (v *validator) digits() bool {
	start := v.i
	for v.i < len(v.b) && v.b[v.i] >= '0' && v.b[v.i] <= '9' {
		v.i++
	}
	return v.i > start
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
