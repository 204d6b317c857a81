package githubtest_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

type answer struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, url, etag string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// A repeated request is answered from the page cache exactly as the first: the same body,
// ETag and Link header (per host and path, so Enterprise links keep /api/v3/), the rate-limit
// budget still counting down, 304 on a matching ETag; and a change to the repo is seen at once.
func TestCachedAnswersAreFaithful(t *testing.T) {
	srv := githubtest.New(githubtest.Options{})
	t.Cleanup(srv.Close)
	srv.Load(githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 250, IssuesPerRepo: 20, Seed: 5}))
	for _, base := range []string{srv.BaseURL(), srv.EnterpriseURL()} {
		list := base + "repos/acme/repo00/pulls?state=all&sort=updated&direction=desc&per_page=100&page=2"
		first := fetch(t, list, "")
		second := fetch(t, list, "")
		if first.status != http.StatusOK || second.body != first.body {
			t.Fatalf("%s: status %d, bodies equal %v", list, first.status, second.body == first.body)
		}
		for _, h := range []string{"ETag", "Link", "Content-Type", "Cache-Control", "Vary", "X-RateLimit-Limit", "X-RateLimit-Reset"} {
			if first.header.Get(h) != second.header.Get(h) || first.header.Get(h) == "" {
				t.Errorf("%s: header %s %q then %q", list, h, first.header.Get(h), second.header.Get(h))
			}
		}
		if wantLink := strings.TrimSuffix(base, "/") + "/repos/acme/repo00/pulls?"; !strings.Contains(first.header.Get("Link"), "<"+wantLink) {
			t.Errorf("Link %q does not point at %s", first.header.Get("Link"), wantLink)
		}
		r1, _ := strconv.Atoi(first.header.Get("X-RateLimit-Remaining"))
		r2, _ := strconv.Atoi(second.header.Get("X-RateLimit-Remaining"))
		if r2 != r1-1 {
			t.Errorf("remaining %d then %d: the cached answer must still cost one", r1, r2)
		}
		nm := fetch(t, list, first.header.Get("ETag"))
		r3, _ := strconv.Atoi(nm.header.Get("X-RateLimit-Remaining"))
		if nm.status != http.StatusNotModified || nm.body != "" || r3 != r2 {
			t.Errorf("conditional: status %d, body %d bytes, remaining %d after %d; want 304, empty, free", nm.status, len(nm.body), r3, r2)
		}
	}
	// The newest PR changes: page 1 must show it and change its ETag.
	list := srv.BaseURL() + "repos/acme/repo00/pulls?state=all&sort=updated&direction=desc&per_page=100"
	before := fetch(t, list, "")
	snap, _ := srv.Snapshot("acme/repo00")
	if err := srv.UpdatePR("acme/repo00", snap.PRs[0].Number, func(p *githubtest.PR) { p.Title = "Changed title" }); err != nil {
		t.Fatal(err)
	}
	after := fetch(t, list, before.header.Get("ETag"))
	if after.status != http.StatusOK || !strings.Contains(after.body, `"title":"Changed title"`) || after.header.Get("ETag") == before.header.Get("ETag") {
		t.Errorf("after a change: status %d, new title %v, ETag changed %v", after.status,
			strings.Contains(after.body, "Changed title"), after.header.Get("ETag") != before.header.Get("ETag"))
	}
	reviews := srv.BaseURL() + "repos/acme/repo00/pulls/" + strconv.Itoa(snap.PRs[0].Number) + "/reviews"
	n := strings.Count(fetch(t, reviews, "").body, `"id":`)
	if err := srv.AddReview("acme/repo00", snap.PRs[0].Number, githubtest.Review{Author: "hubot", State: "APPROVED"}); err != nil {
		t.Fatal(err)
	}
	if m := strings.Count(fetch(t, reviews, "").body, `"id":`); m <= n {
		t.Errorf("reviews after adding one: %d ids, had %d", m, n)
	}
	// A method other than GET is never answered from the cache.
	req, _ := http.NewRequest(http.MethodPost, list, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST %s: %d, want 404", list, resp.StatusCode)
	}
}
