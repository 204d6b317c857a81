package github

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

// BenchmarkDecodePRPage decodes a page of 100 pull requests from the fake, as PullRequests does.
func BenchmarkDecodePRPage(b *testing.B) {
	fake := githubtest.New(githubtest.Options{})
	b.Cleanup(fake.Close)
	fake.Load(githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 100, Seed: 3}))
	resp, err := http.Get(fake.BaseURL() + "repos/acme/repo00/pulls?state=all&per_page=100")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.SetBytes(int64(len(body)))
	b.Run("slim", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := decodeSlim[wirePR]("p", body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("valid", func(b *testing.B) {
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var items []wirePR
			if err := json.Unmarshal(body, &items); err != nil {
				b.Fatal(err)
			}
		}
	})
}
